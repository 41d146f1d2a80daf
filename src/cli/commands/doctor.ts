/** `relay doctor`: checks a repository's relay wiring and, with `--fix`, repairs the safe parts. */
import packageJson from '../../../package.json' with { type: 'json' };
import { applyFixes, diagnose, type Check, type DoctorOptions } from '../../state/doctor.js';
import { mergeDriverCommand } from '../../state/init.js';
import { JSON_OPTION, type CommandDefinition } from './command.js';
import { bundlePath } from './init.js';

/** `relay doctor`. */
export const doctor: CommandDefinition = {
  name: 'doctor',
  summary: 'check the merge driver, hooks, CLAUDE.md, Node, ledger, plugin; --fix the safe ones',
  positionals: '',
  options: { ...JSON_OPTION, fix: { type: 'boolean' } },
  help: `Usage: relay doctor [--fix] [--json]

Checks the wiring relay needs in this repository: the merge driver registered in git config
and pointing at an existing bundle, the .gitattributes lines for the queue files, a
pre-commit hook (plain git, husky or the pre-commit framework) that runs a protocol-lint
that can be found, CLAUDE.md's Session Protocol section, the Node version, the session
ledger folder, and whether an installed relay plugin has this checkout's version. Each
finding says what is wrong and the command that fixes it.

  --fix   apply the safe fixes (register the merge driver with this bundle, add the
          .gitattributes lines, add the CLAUDE.md section, create the ledger folder), then
          check again
  --json  the checks as JSON

Exit codes: 0 healthy, 1 findings remain.
`,
  details: `Prints relay's version and Node's first, then one line per check (\`ok\` or \`problem\`, with the
fix under each problem). The checks:
- **merge driver**: \`git config merge.relay-queue.driver\` is set and the bundle it runs exists
  (after the checkout of relay moved, it does not); \`--fix\` registers this bundle, as \`relay init\` does;
- **.gitattributes**: \`urls_todo.md merge=relay-queue\` and \`urls_done.md merge=relay-queue\`; \`--fix\` adds them;
- **pre-commit**: \`.pre-commit-config.yaml\` naming protocol-lint (and its installed hook), else
  \`.husky/pre-commit\` (with \`core.hooksPath\` at \`.husky/_\`; a \`lint-staged\` call counts when
  lint-staged's configuration runs protocol-lint), else the git hook (executable); the protocol-lint
  it runs must exist: a path that exists, \`node_modules/.bin/protocol-lint\` or one on the \`PATH\`.
  Not fixed: a hook is yours to write (README, "Install");
- **CLAUDE.md**: a Session Protocol heading; \`--fix\` appends the section \`relay init\` writes;
- **Node**: the running version against package.json's \`engines.node\`;
- **ledger**: the \`sessions/\` folder; \`--fix\` creates it;
- **plugin**: relay plugins Claude Code installed (\`~/.claude/plugins/installed_plugins.json\`, else
  the cache folders; \`CLAUDE_CONFIG_DIR\` and \`CLAUDE_CODE_PLUGIN_CACHE_DIR\` move them) have this
  checkout's version; none installed is fine.

Outside a git work tree the git checks are replaced by one finding. \`--json\` prints
\`{ version, node, root, healthy, fixed, checks: [{ id, ok, message, fix?, fixable? }] }\`.
`,
  run(context) {
    const options: DoctorOptions = {
      version: packageJson.version,
      nodeRange: packageJson.engines.node,
      nodeVersion: process.versions.node,
      driverCommand: mergeDriverCommand(bundlePath()),
      env: context.io.env,
    };
    let checks = diagnose(context.root, context.config, options);
    let fixed: string[] = [];
    let errors: string[] = [];
    if (context.values.fix) {
      ({ changes: fixed, errors } = applyFixes(context.root, context.config, checks, options));
      if (fixed.length > 0 || errors.length > 0) checks = diagnose(context.root, context.config, options);
    }
    const findings = checks.filter((check) => !check.ok);
    const code = findings.length > 0 || errors.length > 0 ? 1 : 0;
    const stderr = errors.map((error) => `relay doctor: ${error}\n`).join('');
    if (context.values.json) {
      const report = { version: options.version, node: options.nodeVersion, root: context.root, healthy: code === 0, fixed, checks };
      return { code, stdout: JSON.stringify(report, null, 2) + '\n', stderr };
    }
    return { code, stdout: formatReport(context.root, options, checks, fixed), stderr };
  },
};

function formatReport(root: string, options: DoctorOptions, checks: Check[], fixed: string[]): string {
  const lines = [`relay ${options.version}, Node ${options.nodeVersion}, in \`${root}\``];
  for (const change of fixed) lines.push(`fixed    ${change}`);
  for (const check of checks) {
    lines.push(`${check.ok ? 'ok      ' : 'problem '} ${check.message}`);
    // A fix is a command, shown in backticks, or prose that quotes its own commands.
    if (!check.ok && check.fix) lines.push(`         fix: ${check.fix.includes('`') ? check.fix : `\`${check.fix}\``}`);
  }
  const findings = checks.filter((check) => !check.ok);
  const fixable = findings.filter((check) => check.fixable).length;
  if (findings.length === 0) lines.push('healthy');
  else lines.push(`${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}${fixable > 0 ? ` (${fixable} fixable with \`relay doctor --fix\`)` : ''}`);
  return lines.join('\n') + '\n';
}
