/**
 * Whether bytes are a git object: its name is the hash of `blob <size>\0` and the bytes.
 * `--staged` takes a working copy as the staged file, and a kept queue copy as HEAD's, only
 * when it hashes to the object name git gave.
 */
import { createHash } from 'node:crypto';
import { debug, reason } from '../debug.js';
import type { ByteSource } from '../protocol/byte-source.js';

/**
 * Whether `source` hashes to the object name `object` (SHA-1 or SHA-256, by its length), read
 * in chunks; `alongside` sees each chunk too (whole lines, in order).
 */
export function hashesTo(source: ByteSource, object: string, alongside?: (chunk: Buffer) => void): boolean {
  const algorithm = object.length === 40 ? 'sha1' : object.length === 64 ? 'sha256' : undefined;
  if (algorithm === undefined) return false;
  const hash = createHash(algorithm).update(`blob ${source.size}\0`);
  let hashed = 0;
  try {
    source.forEachChunk((chunk) => {
      hash.update(chunk);
      alongside?.(chunk);
      hashed += chunk.length;
      return true;
    });
  } catch (error) {
    debug('git', `unreadable while hashing, git is asked instead: ${reason(error)}`);
    return false;
  }
  return hashed === source.size && hash.digest('hex') === object;
}
