/** `protocol-lint`'s entry (dist/protocol-lint.mjs, run by bin/protocol-lint). */
import { run } from './lint-cli.js';

await run(process.argv.slice(2));
