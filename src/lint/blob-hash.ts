/**
 * Whether a file's bytes are a git object: its name is the hash of `blob <size>\0` and the
 * bytes. Its own module so that node:crypto (~7 ms to load) loads only when a staged file must
 * be hashed (see `stagedAsIs` in git-index-source.ts for when it need not).
 */
import { createHash } from 'node:crypto';
import type { ByteSource } from '../protocol/byte-source.js';

/** Whether `source` hashes to the object name `object` (SHA-1 or SHA-256, by its length), read in chunks. */
export function hashesTo(source: ByteSource, object: string): boolean {
  const algorithm = object.length === 40 ? 'sha1' : object.length === 64 ? 'sha256' : undefined;
  if (algorithm === undefined) return false;
  const hash = createHash(algorithm).update(`blob ${source.size}\0`);
  let hashed = 0;
  try {
    source.forEachChunk((chunk) => {
      hash.update(chunk);
      hashed += chunk.length;
      return true;
    });
  } catch {
    // Unreadable: git is asked instead.
    return false;
  }
  return hashed === source.size && hash.digest('hex') === object;
}
