/**
 * What a discovery wave reads (PROTOCOL §6): every note of the wave before it, and
 * `discovery/INDEX.md`, the digest of the earlier waves the runner rewrites before each wave:
 * one line per note (wave, path, title, the first sentence of its summary), at most 8,000
 * characters, the newest kept and a line saying what was left out. So wave 109 reads as much as wave 3.
 */
import { readdirSync } from 'node:fs';
import { debug } from '../debug.js';
import { join } from 'node:path';
import type { Config } from '../protocol/config.js';
import { WAVE_DIGEST } from '../protocol/layout.js';
import { readRegularHead } from '../protocol/regular-file.js';
import { writeFileAtomic } from '../state/atomic.js';

/** The digest's size limit, in characters. */
export const DIGEST_LIMIT = 8_000;

/** The root-relative paths of wave `wave`'s notes: its regular `.md` files (a symbolic link is never read), by name. */
export function waveNotes(root: string, config: Config, wave: number): string[] {
  const folder = `${config.layout.discovery}/wave-${wave}`;
  try {
    return readdirSync(join(root, folder), { withFileTypes: true }).filter((entry) => entry.isFile() && entry.name.endsWith('.md')).map((entry) => `${folder}/${entry.name}`).sort();
  } catch {
    return [];
  }
}

/** A note's title and the first sentence of its summary (the first paragraph of prose), from its first 4 KB. */
function describe(root: string, path: string): string {
  const head = readRegularHead(join(root, path), 4096, { noFollow: true });
  if (head === undefined) {
    debug('run', `digest: ${path} is not a regular file that can be read; listed as unreadable`);
    return '(unreadable)';
  }
  const lines = head.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '').split(/\r?\n/).map((line) => line.trim());
  const title = lines.find((line) => line.startsWith('# '))?.slice(2) ?? '(no title)';
  const prose = lines.find((line) => /^[\p{L}\p{N}*_"'(]/u.test(line)) ?? '';
  const sentence = /^.*?[.!?](?=\s|$)/.exec(prose)?.[0] ?? prose;
  // One line each, whatever a note holds: no line breaks or control characters, bounded.
  return `${title} — ${sentence}`.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 240);
}

/** Rewrites `discovery/INDEX.md` as the digest of waves 1 … `upTo`, keeping the newest notes within {@link DIGEST_LIMIT}. */
export function writeWaveDigest(root: string, config: Config, upTo: number): void {
  const header = `# Discovery digest: waves 1–${upTo}\n\nWritten by \`relay run\` before each wave: one line per note (wave, path, title — the first sentence of its summary). A wave reads the notes of the wave before it in full, and this for everything earlier.\n\n`;
  const kept: string[][] = [];
  let size = header.length;
  let left = 0;
  let newestLeft = 0;
  for (let wave = upTo; wave >= 1; wave--) {
    const lines: string[] = [];
    for (const note of waveNotes(root, config, wave)) {
      const line = left > 0 ? '' : `- wave ${wave} · \`${note}\` · ${describe(root, note)}\n`;
      // Room is kept for the line that says what was left out.
      if (left > 0 || size + line.length > DIGEST_LIMIT - 300) {
        left++;
        newestLeft ||= wave;
        continue;
      }
      lines.push(line);
      size += line.length;
    }
    kept.unshift(lines);
  }
  const note = left === 0 ? '' : `\nLeft out: ${left} older note(s), of waves 1–${newestLeft}, to stay under ${DIGEST_LIMIT} characters; they are in \`${config.layout.discovery}/wave-N/\`.\n`;
  writeFileAtomic(join(root, config.layout.discovery, WAVE_DIGEST), header + kept.flat().join('') + note);
}
