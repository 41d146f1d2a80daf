/** `relay init`: creates the state tree and its git set-up, changing nothing that exists. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initTree, mergeDriverCommand } from '../../state/init.js';
import type { CommandDefinition } from './command.js';

/** The committed bundle to run as the merge driver; from sources (tsx) it is the built dist/relay.mjs. */
export function bundlePath(): string {
  const self = fileURLToPath(import.meta.url);
  return self.endsWith('.ts') ? resolve(dirname(self), '../../../dist/relay.mjs') : self;
}

/** `relay init`. */
export const init: CommandDefinition = {
  name: 'init',
  summary: 'create the state tree, CLAUDE.md section, .gitattributes, merge driver',
  positionals: '',
  options: {},
  help: `Usage: relay init [--root DIR]

Creates what is missing and changes nothing else: the plan/, review/, discovery/ and
postmortems/ folders, urls_todo.md and urls_done.md, a "Session Protocol" section in
CLAUDE.md (appended if the file exists without one), the .gitattributes lines that route the
queue files to the merge driver, and, inside git, the local git config of that driver.
Safe to run again; prints each change, or, when nothing changed, one note on stderr.
`,
  details: `Creates what is missing and changes nothing else. Running it again changes nothing, prints nothing on
stdout, writes one note on stderr (\`relay: \`DIR\` is already set up; nothing to change\`) and exits 0.
- \`plan/\`, \`review/\`, \`discovery/\`, \`postmortems/\` (a \`.gitkeep\` in each empty folder, since
  git keeps no empty folders);
- \`urls_todo.md\` (\`# Pending URLs\`) and \`urls_done.md\` (\`# Completed URLs\`);
- \`CLAUDE.md\` with a \`## Session Protocol\` section; an existing CLAUDE.md without such a
  heading gets the section appended, and one with it is not touched;
- \`.gitattributes\` lines \`urls_todo.md merge=relay-queue\` and \`urls_done.md merge=relay-queue\`
  (added only if missing);
- inside a git work tree, the local git config (\`.git/config\`, never global):
  \`merge.relay-queue.name\` and \`merge.relay-queue.driver\` =
  \`node '/abs/path/to/dist/relay.mjs' merge-driver %O %A %B %P\`. The path is the bundle that
  ran \`init\`, quoted for the shell git uses; nothing from a file or the command line is spliced
  into it. Run \`relay init\` again after moving the checkout of relay.

Prints one line per change.
`,
  run(context) {
    const result = initTree(context.root, context.config, { driverCommand: mergeDriverCommand(bundlePath()) });
    const lines = result.changes.map((change) => `${change}\n`).join('');
    if (!result.ok) return { code: 1, stdout: lines, stderr: `relay: ${result.error}\n` };
    return { code: 0, stdout: lines, stderr: lines === '' ? `relay: \`${context.root}\` is already set up; nothing to change\n` : '' };
  },
};
