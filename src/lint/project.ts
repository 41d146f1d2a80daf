/**
 * The state tree as the rules see it: which files exist, what each is, and its parsed
 * content. Everything is read and parsed at most once, and only when a rule asks, so a run
 * on one file after an edit touches one or two files, not the whole tree.
 */
import { isUtf8 } from 'node:buffer';
import { posix } from 'node:path';
import { type Config } from '../protocol/config.js';
import type { FrontMatter } from '../protocol/frontmatter.js';
import { classifyPath, numberedName, waveNumber, type Classification, type NumberedKind } from '../protocol/layout.js';
import { scanMarkdown, type MarkdownScan } from '../protocol/markdown.js';
import { countLines, MAX_QUEUE_BYTES, parseQueue, type QueueFile } from '../protocol/queue.js';
import { parseDirectives, type Directives } from './directives.js';
import type { FileSource, ReadResult } from './sources.js';
import { formatSize, tooBigMessage } from '../protocol/regular-file.js';

type FrontMatterModule = typeof import('../protocol/frontmatter.js');
let frontMatterModule: FrontMatterModule | undefined;

/**
 * Loads the front matter reader (gray-matter and yaml). It is kept out of the start-up path
 * so that a hook run on a queue file never loads it; call this before reading front matter.
 */
export async function loadFrontMatterSupport(): Promise<void> {
  frontMatterModule ??= await import('../protocol/frontmatter.js');
}


/** A problem that stops a file from being read at all; reported by `file-encoding` or `file-unreadable`. */
export interface ContentProblem {
  rule: 'file-encoding' | 'file-unreadable';
  message: string;
  line: number;
  column: number;
}

/** The decoded text of a file. */
export type Content = { ok: true; text: string; bom: boolean } | { ok: false; problem: ContentProblem };

/** One file of the tree, parsed lazily. */
export class ProjectFile {
  private cachedContent?: Content;
  private cachedQueue?: QueueFile;
  private cachedFrontMatter?: FrontMatter;
  private cachedScan?: MarkdownScan;
  private cachedDirectives?: Directives;
  private cachedLineCount?: number;
  /** For a focused run (src/lint/focus.ts): the lines of this queue worth reading; the others hold no items. */
  only?: (start: number, end: number) => boolean;

  constructor(
    readonly project: Project,
    /** Root-relative POSIX path. */
    readonly path: string,
    readonly classification: Classification,
  ) {}

  /** Whether this is a protocol file in its home with a proper name (its content is linted). */
  get isProtocol(): boolean {
    return this.classification.type === 'protocol';
  }

  /** The protocol kind, when this is a protocol file in its home. */
  get kind(): string | undefined {
    return this.classification.type === 'protocol' ? this.classification.kind : undefined;
  }

  /** The decoded text, or the reason it cannot be read. */
  get content(): Content {
    if (this.cachedContent) return this.cachedContent;
    const isQueue = this.kind === 'todo' || this.kind === 'done';
    const limit = isQueue ? MAX_QUEUE_BYTES : this.project.config.maxDocumentBytes;
    this.cachedContent = decode(this.path, this.project.source.read(this.path, limit), limit, isQueue);
    return this.cachedContent;
  }

  /** The text, or undefined when unreadable. */
  get text(): string | undefined {
    const content = this.content;
    return content.ok ? content.text : undefined;
  }

  /** The queue model of urls_todo.md / urls_done.md. */
  get queue(): QueueFile | undefined {
    if (this.cachedQueue) return this.cachedQueue;
    const text = this.text;
    if (text === undefined) return undefined;
    this.cachedQueue = parseQueue(text, this.only);
    return this.cachedQueue;
  }

  /** The front matter of a document. */
  get frontMatter(): FrontMatter {
    if (this.cachedFrontMatter) return this.cachedFrontMatter;
    const text = this.text;
    if (text === undefined || !text.startsWith('---')) {
      this.cachedFrontMatter = { present: false };
    } else {
      if (!frontMatterModule) throw new Error('front matter support is not loaded; await loadFrontMatterSupport() first');
      this.cachedFrontMatter = frontMatterModule.readFrontMatter(text);
    }
    return this.cachedFrontMatter;
  }

  /** The linear Markdown scan of the document body (after any front matter). */
  get scan(): MarkdownScan {
    if (this.cachedScan) return this.cachedScan;
    const frontMatter = this.frontMatter;
    const text = this.text ?? '';
    this.cachedScan = frontMatter.present ? scanMarkdown(frontMatter.body, frontMatter.bodyStartLine) : scanMarkdown(text, 1);
    return this.cachedScan;
  }

  /** The inline `protocol-lint-disable` directives of this file. */
  get directives(): Directives {
    this.cachedDirectives ??= parseDirectives(this.text ?? '');
    return this.cachedDirectives;
  }

  /**
   * Forgets the parsed content (it is read again if asked for). The engine lints in batches
   * and releases each batch, so a 12,000-file tree is never held in memory at once.
   */
  release(): void {
    this.cachedContent = undefined;
    this.cachedQueue = undefined;
    this.cachedFrontMatter = undefined;
    this.cachedScan = undefined;
    this.cachedDirectives = undefined;
    this.cachedLineCount = undefined;
  }

  /** The number of lines, for clamping positions: counted once per file, not per message. */
  get lineCount(): number {
    this.cachedLineCount ??= this.cachedQueue?.lineCount ?? countLines(this.text ?? '');
    return this.cachedLineCount;
  }
}

function decode(path: string, result: ReadResult, limit: number, isQueue: boolean): Content {
  if (!result.ok) {
    return { ok: false, problem: { rule: 'file-unreadable', message: result.reason, line: 1, column: 1 } };
  }
  if (result.size !== undefined && result.size > limit) {
    const message = isQueue
      ? `Skipped: the queue is too big (${formatSize(result.size)}, limit ${formatSize(limit)}); split the queue`
      : `Skipped: ${tooBigMessage(path, result.size, limit)}`;
    return { ok: false, problem: { rule: 'file-unreadable', message, line: 1, column: 1 } };
  }
  const buffer = result.buffer!;
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
    return { ok: false, problem: { rule: 'file-encoding', message: 'Unexpected UTF-16 text, expected UTF-8; save the file as UTF-8', line: 1, column: 1 } };
  }
  const nul = buffer.indexOf(0);
  if (nul !== -1) {
    const position = positionOf(buffer, nul);
    return { ok: false, problem: { rule: 'file-encoding', message: 'Unexpected NUL byte, expected UTF-8 text; this looks like a binary file', ...position } };
  }
  if (!isUtf8(buffer)) {
    const position = positionOf(buffer, firstInvalidUtf8(buffer));
    return { ok: false, problem: { rule: 'file-encoding', message: 'Unexpected byte sequence that is not UTF-8; save the file as UTF-8', ...position } };
  }
  const bom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return { ok: true, text: buffer.toString('utf8', bom ? 3 : 0), bom };
}

function positionOf(buffer: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = buffer.indexOf(10); index !== -1 && index < offset; index = buffer.indexOf(10, index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function firstInvalidUtf8(buffer: Buffer): number {
  // Before the first replacement character every byte decoded cleanly, so the prefix's
  // byte length is the offset of the first bad byte.
  const text = buffer.toString('utf8');
  const bad = text.indexOf('\uFFFD');
  return bad === -1 ? 0 : Buffer.byteLength(text.slice(0, bad), 'utf8');
}

/** The whole tree: files by path, folder listings, and the config. */
export class Project {
  private files = new Map<string, ProjectFile>();
  private numbered = new Map<string, Map<number, string[]>>();
  /** Folder listings as sets: checking a name is one lookup, not a stat. */
  private listingSets = new Map<string, Set<string>>();

  constructor(
    readonly root: string,
    readonly config: Config,
    readonly source: FileSource,
  ) {}

  /** The file at a root-relative path (whether or not it exists). */
  file(path: string): ProjectFile {
    let file = this.files.get(path);
    if (!file) {
      file = new ProjectFile(this, path, classifyPath(path, this.config.layout));
      this.files.set(path, file);
    }
    return file;
  }

  /** Whether a root-relative path exists (file or folder). */
  exists(path: string): boolean {
    return this.source.exists(path);
  }

  /** The entries of a root-relative folder, or an empty list. */
  list(folder: string): string[] {
    return this.source.listDir(folder) ?? [];
  }

  /** The files of one numbered kind and number in its home folder (several when ids collide). */
  numberedPaths(kind: NumberedKind, number: number): string[] {
    return this.numberedFiles(kind).get(number) ?? [];
  }

  /** Whether a root-relative file or folder exists, from its folder's listing. */
  pathExists(path: string): boolean {
    if (path === '' || path === '.') return true;
    const slash = path.lastIndexOf('/');
    const folder = slash === -1 ? '' : path.slice(0, slash);
    let names = this.listingSets.get(folder);
    if (!names) this.listingSets.set(folder, (names = new Set(this.list(folder))));
    return names.has(path.slice(slash + 1));
  }

  /** Files of one numbered kind in its home folder, by number (several paths when ids collide). */
  numberedFiles(kind: NumberedKind): Map<number, string[]> {
    const known = this.numbered.get(kind);
    if (known) return known;
    // One pass over the folder files every kind that lives there (review/ holds three).
    const folder = kind === 'task' ? this.config.layout.plan : this.config.layout.review;
    const kinds: NumberedKind[] = kind === 'task' ? ['task'] : ['draft', 'final', 'findings'];
    for (const each of kinds) this.numbered.set(each, new Map());
    for (const name of this.list(folder)) {
      const parsed = numberedName(name);
      const byNumber = parsed && this.numbered.get(parsed.kind);
      if (!parsed || !byNumber || !kinds.includes(parsed.kind)) continue;
      const path = folder === '' ? name : `${folder}/${name}`;
      const paths = byNumber.get(parsed.number);
      if (paths) paths.push(path);
      else byNumber.set(parsed.number, [path]);
    }
    return this.numbered.get(kind)!;
  }

  /** The wave folders under discovery/, by wave number. */
  waves(): Map<number, string> {
    const waves = new Map<number, string>();
    for (const name of this.list(this.config.layout.discovery)) {
      const wave = waveNumber(name);
      if (wave !== undefined && this.source.isDirectory(posix.join(this.config.layout.discovery, name))) {
        waves.set(wave, posix.join(this.config.layout.discovery, name));
      }
    }
    return waves;
  }
}
