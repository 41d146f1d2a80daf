/**
 * Copies of queue files kept by their git object name, between `--staged` runs, in
 * `<git common dir>/relay/queue-copies/`. A commit's checks compare each staged queue with
 * HEAD's copy; inflating HEAD's two 50,000-line queues costs git ~20 ms of a two-core machine's
 * time on every commit. But HEAD's queue is, nearly always, the one the previous commit staged,
 * and that run had its bytes at hand: it keeps a copy, named by the object name git gave it,
 * and the next run reads that instead of asking git.
 *
 * A copy is only a cache, so it must not be able to lie: it is used only when its bytes hash to
 * its name (a copy edited in place would otherwise stand for HEAD's queue and hide what a
 * commit adds), and never through a symbolic link (the folder and the file are checked with
 * lstat, the file opened with O_NOFOLLOW). Copies are written through a temporary file and a
 * rename, and the newest few are kept. `RELAY_QUEUE_COPIES=0` turns them off.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { debug, reason } from '../debug.js';
import { borrowBuffer, FileSource, returnBuffer, type ByteSource } from '../protocol/byte-source.js';
import { hashesTo } from './blob-hash.js';

/** How many copies are kept (each is a queue file: a few MB). */
const KEEP = 8;
const OBJECT_NAME = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** O_NOFOLLOW where the platform has it (not on Windows, where the lstat check stands alone). */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

export class QueueCopies {
  private constructor(private readonly dir: string) {}

  /** The copies of the repository whose common git directory is `commonDir`; undefined when `RELAY_QUEUE_COPIES=0`. */
  static of(commonDir: string, env: NodeJS.ProcessEnv = process.env): QueueCopies | undefined {
    if (env.RELAY_QUEUE_COPIES === '0') {
      debug('copies', 'RELAY_QUEUE_COPIES=0: HEAD copies come from git');
      return undefined;
    }
    return new QueueCopies(join(commonDir, 'relay', 'queue-copies'));
  }

  /** Whether the copies' folder and its parent are real folders (no link leads elsewhere). */
  private folderIsReal(): boolean {
    for (const folder of [dirname(this.dir), this.dir]) {
      try {
        if (!lstatSync(folder).isDirectory()) {
          debug('copies', `\`${folder}\` is not a folder (a symbolic link?): copies not used`);
          return false;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') debug('copies', `\`${folder}\` unreadable: ${reason(error)}`);
        return false;
      }
    }
    return true;
  }

  /** The copy of an object, opened, when its bytes hash to its name; undefined otherwise (git is then asked). */
  open(object: string): FileSource | undefined {
    if (!OBJECT_NAME.test(object) || !this.folderIsReal()) return undefined;
    const file = join(this.dir, object);
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | NO_FOLLOW);
    } catch (error) {
      debug('copies', `no copy of ${object}: ${reason(error)}`);
      return undefined;
    }
    let source: FileSource | undefined;
    try {
      const stats = fstatSync(fd);
      if (stats.isFile() && !lstatSync(file).isSymbolicLink()) source = new FileSource(fd, stats.size);
      else debug('copies', `the copy of ${object} is not a regular file: not used`);
    } catch (error) {
      debug('copies', `the copy of ${object} is unreadable: ${reason(error)}`);
    }
    if (source !== undefined && hashesTo(source, object)) return source;
    if (source !== undefined) debug('copies', `the copy of ${object} does not hash to its name (tampered or damaged): not used, git is asked`);
    closeSync(fd);
    return undefined;
  }

  /** Keeps a copy of `source`'s bytes as `object`, unless one is kept already. Failures only mean no copy. */
  save(object: string, source: ByteSource): void {
    if (!OBJECT_NAME.test(object)) return;
    const file = join(this.dir, object);
    const temporary = `${file}.${process.pid}.tmp`;
    const buffer = borrowBuffer();
    try {
      try {
        lstatSync(file);
        return;
      } catch {
        // Not kept yet.
      }
      mkdirSync(this.dir, { recursive: true });
      // Never write through a link: a folder made a link to elsewhere is left alone.
      if (!this.folderIsReal()) return;
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
    } catch (error) {
      debug('copies', `no copy kept of ${object}: ${reason(error)}`);
      rmSync(temporary, { force: true });
    } finally {
      returnBuffer(buffer);
    }
  }

  /** Removes all but the newest copies. */
  private prune(): void {
    const copies = readdirSync(this.dir)
      .filter((name) => OBJECT_NAME.test(name))
      .map((name) => ({ name, time: lstatSync(join(this.dir, name)).mtimeMs }))
      .sort((a, b) => b.time - a.time);
    for (const { name } of copies.slice(KEEP)) rmSync(join(this.dir, name), { force: true });
  }
}
