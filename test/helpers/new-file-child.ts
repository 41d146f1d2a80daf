/**
 * A child process for the concurrency tests: creates one numbered file in the root given as
 * the first argument (kind second) and prints what it made as JSON.
 */
import { defaultConfig } from '../../src/protocol/config.js';
import { createNumberedFile } from '../../src/state/new-file.js';

const [root, kind] = process.argv.slice(2);
const result = createNumberedFile(root!, defaultConfig(), kind === 'findings' ? 'findings' : 'task', { title: `made by ${process.pid}` });
process.stdout.write(JSON.stringify(result) + '\n');
process.exitCode = result.ok ? 0 : 1;
