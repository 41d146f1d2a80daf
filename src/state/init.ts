/**
 * `relay init`: lays out the state tree, the CLAUDE.md Session Protocol section, the
 * `.gitattributes` lines that route the queue files to the merge driver, and the local git
 * config that defines the driver. Idempotent: a second run changes nothing, and nothing the
 * user wrote is overwritten.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { debug } from '../debug.js';
import type { Config } from '../protocol/config.js';
import { resolveInsideRoot } from '../protocol/inside-root.js';
import { NotRegularFileError, readRegularFile } from '../protocol/regular-file.js';
import { createFileAtomic, writeFileAtomic } from './atomic.js';
import { isInsideWorkTree, runGit } from './git.js';
import { DONE_HEADING, TODO_HEADING } from './queue-operations.js';

/** The git merge driver's name in `.gitattributes` and git config. */
export const MERGE_DRIVER_NAME = 'relay-queue';

/** The section `relay init` adds to CLAUDE.md. */
export const SESSION_PROTOCOL_SECTION = `## Session Protocol

Every session shares state with the others through the files of this repository.

1. **Get up to speed** before any work: run \`relay brief\` (the SessionStart hook shows the
   same briefing and opens this session's record in \`sessions/\`), then read the files it
   points to. If it lists sessions that never logged, /relay:get-up-to-speed offers to
   recover their logs (\`relay session recover ID\`).
2. **Take work through the queue**: \`relay claim\` takes the next pending URL from
   \`urls_todo.md\` under a lock (asked again, it returns the claims you hold); never edit
   the queue files by hand. A writer hands a finished draft's URL on with
   \`relay handoff 'URL' --to AGENT\`.
3. **Number nothing yourself**: \`relay new task\` and \`relay new findings\` create the next
   \`plan/task-NNN.md\` or \`review/findings-NNN.md\` and print its path.
4. **Review with a verdict**: a final's front matter says \`verdict\` (\`approved\` or
   \`changes-requested\`), \`reviewer\`, \`reviewed\` (the draft's path) and \`draft_sha256\`
   (\`sha256sum\` of the draft). \`relay done 'URL' --output PATH\` moves a URL to
   \`urls_done.md\` only with an approval of the draft as it is now; give a URL back with
   \`relay release 'URL'\`. Put every URL in single quotes.
5. **Log this** before you stop: /relay:log-this writes your findings to the file
   \`relay new findings\` made and closes your record with
   \`relay session end --findings PATH\`; write a postmortem (\`relay postmortem new 'Title'\`)
   for anything that went wrong, each Prevention line naming what enforces it.
6. Run \`protocol-lint\` and fix what it reports.
`;

/** What `initTree` needs to know beyond the root and layout. */
export interface InitOptions {
  /** The `merge.relay-queue.driver` command to configure, or undefined to leave git config alone. */
  driverCommand?: string;
}

/** What `initTree` did. */
export type InitResult = { ok: true; changes: string[] } | { ok: false; error: string; changes: string[] };

/**
 * A step of init refused (a key file or folder that is a symbolic link, a FIFO or a device, or
 * leads outside the root): its message is the one line to show.
 */
export class InitRefusal extends Error {}

/** Creates whatever part of the state tree is missing; reports each change. */
export function initTree(root: string, config: Config, options: InitOptions): InitResult {
  const changes: string[] = [];
  const layout = config.layout;
  try {
    // The two files init edits are read and replaced whole: each must be a regular file of the
    // tree. Replacing a link would commit another file's text; writing through it would edit a
    // file that is not the tree's. Checked before anything is created, so a refusal changes nothing.
    keyFileText(root, layout.claudeMd);
    keyFileText(root, '.gitattributes');
    for (const folder of [layout.plan, layout.review, layout.discovery, layout.postmortems, layout.sessions]) {
      changes.push(...ensureFolder(root, folder));
    }
    if (createIfMissing(join(root, layout.todo), `${TODO_HEADING}\n\n`)) changes.push(`created \`${layout.todo}\``);
    if (createIfMissing(join(root, layout.done), `${DONE_HEADING}\n\n`)) changes.push(`created \`${layout.done}\``);
    changes.push(...ensureSessionProtocol(root, config), ...ensureMergeAttributes(root, config));
  } catch (error) {
    if (error instanceof InitRefusal) return { ok: false, error: error.message, changes };
    throw error;
  }
  if (options.driverCommand !== undefined && isInsideWorkTree(root)) {
    const registered = registerMergeDriver(root, options.driverCommand);
    changes.push(...registered.changes);
    if (!registered.ok) return { ok: false, error: registered.error, changes };
  }
  return { ok: true, changes };
}

/**
 * Creates `folder` under `root` if missing, with a `.gitkeep` while it is empty; reports each
 * change. Throws {@link InitRefusal} for a folder whose real location leaves the root.
 */
export function ensureFolder(root: string, folder: string): string[] {
  const inside = resolveInsideRoot(root, folder);
  if (!inside.ok) throw new InitRefusal(inside.error);
  const changes: string[] = [];
  const dir = inside.path;
  if (!existsSync(dir)) {
    // A fault here (permission denied, a file in the way) is the dispatcher's one line.
    mkdirSync(dir, { recursive: true });
    changes.push(`created \`${folder}/\``);
  }
  // git keeps no empty folders; a .gitkeep makes the tree survive a clone.
  if (readdirSync(dir).length === 0) {
    createFileAtomic(join(dir, '.gitkeep'), '');
    changes.push(`created \`${folder}/.gitkeep\``);
  }
  return changes;
}

/** Whether a CLAUDE.md text has a Session Protocol heading at any level. */
export function hasSessionProtocolSection(text: string): boolean {
  return /^#{1,6}[ \t]+Session Protocol\b/im.test(text);
}

/** Creates CLAUDE.md with the Session Protocol section, or appends the section to one without it. Throws {@link InitRefusal}. */
export function ensureSessionProtocol(root: string, config: Config): string[] {
  const layout = config.layout;
  const claudeMd = join(root, layout.claudeMd);
  const text = keyFileText(root, layout.claudeMd);
  if (text === undefined) {
    mkdirSync(dirname(claudeMd), { recursive: true });
    return createIfMissing(claudeMd, `# CLAUDE.md\n\n${SESSION_PROTOCOL_SECTION}`) ? [`created \`${layout.claudeMd}\``] : [];
  }
  if (hasSessionProtocolSection(text)) return [];
  const separator = text === '' ? '' : text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  writeFileAtomic(claudeMd, text + separator + SESSION_PROTOCOL_SECTION);
  return [`added a Session Protocol section to \`${layout.claudeMd}\``];
}

/** The queue files `.gitattributes` does not yet route to the merge driver. Throws {@link InitRefusal}. */
export function missingMergeAttributes(root: string, config: Config): string[] {
  const existing = keyFileText(root, '.gitattributes') ?? '';
  return [config.layout.todo, config.layout.done].filter((path) => !hasMergeAttribute(existing, path));
}

/** Adds the `.gitattributes` lines that route the queue files to the merge driver, where missing. Throws {@link InitRefusal}. */
export function ensureMergeAttributes(root: string, config: Config): string[] {
  const missing = missingMergeAttributes(root, config);
  if (missing.length === 0) return [];
  const attributes = join(root, '.gitattributes');
  const existing = keyFileText(root, '.gitattributes') ?? '';
  const lines = missing.map((path) => `${path} merge=${MERGE_DRIVER_NAME}\n`).join('');
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  writeFileAtomic(attributes, existing + separator + lines);
  return [`added \`merge=${MERGE_DRIVER_NAME}\` for ${missing.map((path) => `\`${path}\``).join(' and ')} to \`.gitattributes\``];
}

/** Sets the merge driver's local git config to `driverCommand` (`.git/config`, never global). */
export function registerMergeDriver(root: string, driverCommand: string): InitResult {
  const changes: string[] = [];
  const wanted: [string, string][] = [
    [`merge.${MERGE_DRIVER_NAME}.name`, 'relay queue item-level three-way merge'],
    [`merge.${MERGE_DRIVER_NAME}.driver`, driverCommand],
  ];
  for (const [key, value] of wanted) {
    const current = runGit(['config', '--local', '--get', key], root);
    if (current.ok && current.stdout.replace(/\n$/, '') === value) continue;
    const set = runGit(['config', '--local', key, value], root);
    if (!set.ok) return { ok: false, error: `Cannot set git config \`${key}\` (${set.error})`, changes };
    changes.push(`set git config \`${key}\``);
  }
  return { ok: true, changes };
}

/**
 * A key file's text (undefined when it does not exist); throws {@link InitRefusal} for a
 * symbolic link, a FIFO or a device in its place, or a path that leaves the root.
 */
export function keyFileText(root: string, name: string): string | undefined {
  const inside = resolveInsideRoot(root, name);
  if (!inside.ok) throw new InitRefusal(inside.error);
  try {
    return readRegularFile(inside.path, { noFollow: true })?.toString('utf8');
  } catch (error) {
    if (error instanceof NotRegularFileError) {
      debug('path', `refused ${inside.path}: it is a ${error.kind}`);
      throw new InitRefusal(`Unexpected ${error.kind} at \`${name}\`, expected a regular file; replace it with a regular file (relay init edits it and git commits it)`);
    }
    throw error;
  }
}

/** Creates a file only if no file is there (never replaces one another process just made). */
function createIfMissing(path: string, text: string): boolean {
  return createFileAtomic(path, text);
}

function hasMergeAttribute(text: string, path: string): boolean {
  return text.split(/\r?\n/).some((line) => {
    const [pattern, ...attributes] = line.trim().split(/\s+/);
    return (pattern === path || pattern === `/${path}`) && attributes.includes(`merge=${MERGE_DRIVER_NAME}`);
  });
}

/** Quotes one word for a POSIX shell (git runs merge drivers through `sh -c`). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The driver command for git config: `node <bundle> merge-driver %O %A %B %P`, the bundle path quoted. */
export function mergeDriverCommand(bundlePath: string): string {
  return `node ${shellQuote(bundlePath)} merge-driver %O %A %B %P`;
}
