/**
 * The SessionStart hook's memory of session records it found closed, per records folder, in
 * the hooks' private folder. The briefing names records still `open`; a closed record never
 * becomes open again except by hand, so a tree with thousands of records need not have every
 * one read at every session start. The memory is dropped after a day, so a record reopened by
 * hand is named again by the next day's first session at the latest; a name that leaves the
 * folder is forgotten at once (records.ts), so a record made again under it is read.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { debug } from '../debug.js';
import type { KnownClosed } from '../ledger/records.js';
import { readRegularFile } from '../protocol/regular-file.js';
import { privateSubfolder } from './private-folder.js';

/** How long a memory of closed records is trusted before every record is read again. */
export const CLOSED_RECORDS_MAX_AGE_MS = 24 * 3600 * 1000;

/** The closed-record memory of one records folder, as loaded; `save` writes it back when the listing changed it. */
export interface ClosedRecordsMemory {
  known: KnownClosed;
  save(): void;
}

/** The file holding the memory of the records folder `folder` (absolute), or undefined without a private folder. */
function memoryFile(folder: string, env: NodeJS.ProcessEnv): string | undefined {
  const base = privateSubfolder('closed-records', env);
  return base === undefined ? undefined : join(base, `${createHash('sha256').update(folder).digest('hex').slice(0, 32)}.json`);
}

/** Loads what the hook knows of the records folder `folder` (absolute): an empty memory when none is usable. */
export function loadClosedRecords(folder: string, now = Date.now(), env: NodeJS.ProcessEnv = process.env): ClosedRecordsMemory {
  const file = memoryFile(folder, env);
  const known: KnownClosed = { names: new Set(), changed: false };
  // When the memory began: kept across saves, so the day runs from the last full read.
  let since: number | undefined;
  if (file !== undefined) {
    try {
      const data = JSON.parse(readRegularFile(file, { noFollow: true })?.toString('utf8') ?? 'null') as { folder?: unknown; written?: unknown; names?: unknown } | null;
      if (data === null) debug('hook', `SessionStart: no memory of closed session records yet (\`${file}\`)`);
      else if (data.folder !== folder || typeof data.written !== 'number' || !Array.isArray(data.names)) debug('hook', `SessionStart: memory \`${file}\` is not of \`${folder}\`: every record is read`);
      else if (now - data.written > CLOSED_RECORDS_MAX_AGE_MS || data.written > now) debug('hook', `SessionStart: memory \`${file}\` is over a day old: every record is read again`);
      else {
        since = data.written;
        for (const name of data.names) if (typeof name === 'string') known.names.add(name);
      }
    } catch (error) {
      debug('hook', `SessionStart: memory \`${file}\` unreadable, every record is read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {
    known,
    save() {
      // Without a usable memory, a fresh one is saved whatever the listing found.
      if (file === undefined || (since !== undefined && !known.changed)) return;
      const text = JSON.stringify({ folder, written: since ?? now, names: [...known.names] });
      const temp = `${file}.${process.pid}.tmp`;
      try {
        // O_EXCL and O_NOFOLLOW: the folder is private, and a link in it is still never written through.
        const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
        try {
          writeSync(fd, text);
        } finally {
          closeSync(fd);
        }
        renameSync(temp, file);
      } catch (error) {
        // A memory is only a shortcut: without it the next start reads every record.
        debug('hook', `SessionStart: memory \`${file}\` not written: ${error instanceof Error ? error.message : String(error)}`);
        rmSync(temp, { force: true });
      }
    },
  };
}
