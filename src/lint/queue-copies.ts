/**
 * Copies of queue files kept by their git object name, between `--staged` runs, in
 * `<git dir>/relay/queue-copies/`. A commit's checks compare each staged queue with HEAD's copy;
 * inflating HEAD's two 50,000-line queues costs git ~20 ms of a two-core machine's time on
 * every commit. But HEAD's queue is, nearly always, the one the previous commit staged, and
 * that run had its bytes at hand: it keeps a copy, named by the object name git gave it, and
 * the next run reads that instead of asking git. An object name names one content, so a copy
 * never goes stale; copies are written through a temporary file and a rename, and the newest
 * few are kept.
 */
import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { borrowBuffer, FileSource, returnBuffer, type ByteSource } from '../protocol/byte-source.js';
import type { IndexLocation } from './git-index.js';

/** How many copies are kept (each is a queue file: a few MB). */
const KEEP = 8;
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export class QueueCopies {
  private constructor(private readonly dir: string) {}

  /** The copies of the repository at `location` (kept in its common git directory). */
  static of(location: IndexLocation): QueueCopies {
    return new QueueCopies(join(location.commonDir, 'relay', 'queue-copies'));
  }

  /** The copy of an object, opened; undefined when there is none. */
  open(object: string): FileSource | undefined {
    if (!OBJECT_NAME.test(object)) return undefined;
    try {
      return FileSource.open(join(this.dir, object));
    } catch {
      return undefined;
    }
  }

  /** Keeps a copy of `source`'s bytes as `object`, unless one is kept already. Failures only mean no copy. */
  save(object: string, source: ByteSource): void {
    if (!OBJECT_NAME.test(object)) return;
    const file = join(this.dir, object);
    const temporary = `${file}.${process.pid}.tmp`;
    const buffer = borrowBuffer();
    try {
      try {
        statSync(file);
        return;
      } catch {
        // Not kept yet.
      }
      mkdirSync(this.dir, { recursive: true });
      const fd = openSync(temporary, 'wx', 0o644);
      let written = 0;
      try {
        for (let position = 0; position < source.size; ) {
          const got = source.readAt(buffer, position, buffer.length);
          if (got === 0) break;
          writeSync(fd, buffer, 0, got, position);
          position += got;
          written += got;
        }
      } finally {
        closeSync(fd);
      }
      if (written !== source.size) throw new Error('short read');
      renameSync(temporary, file);
      this.prune();
    } catch {
      rmSync(temporary, { force: true });
    } finally {
      returnBuffer(buffer);
    }
  }

  /** Removes all but the newest copies. */
  private prune(): void {
    const copies = readdirSync(this.dir)
      .filter((name) => OBJECT_NAME.test(name))
      .map((name) => ({ name, time: statSync(join(this.dir, name)).mtimeMs }))
      .sort((a, b) => b.time - a.time);
    for (const { name } of copies.slice(KEEP)) rmSync(join(this.dir, name), { force: true });
  }
}
