import type { FileResult } from '../lint/types.js';

/** Colours: on a TTY unless NO_COLOR says no, anywhere FORCE_COLOR says yes. */
export interface Palette {
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const plain: Palette = { red: (text) => text, yellow: (text) => text, dim: (text) => text, bold: (text) => text };
const ansi: Palette = {
  red: (text) => `\u001b[31m${text}\u001b[39m`,
  yellow: (text) => `\u001b[33m${text}\u001b[39m`,
  dim: (text) => `\u001b[2m${text}\u001b[22m`,
  bold: (text) => `\u001b[1m${text}\u001b[22m`,
};

/**
 * The palette for a stream. `FORCE_COLOR` decides first (`1` `2` `3` `true`: colour even into a
 * pipe; `0` `false`: none); then a non-empty `NO_COLOR` turns colour off (no-color.org: an
 * empty one does not); else colour on a TTY.
 */
export function paletteFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Palette {
  const force = (env.FORCE_COLOR ?? '').trim().toLowerCase();
  if (['1', '2', '3', 'true'].includes(force)) return ansi;
  if (force === '0' || force === 'false') return plain;
  if ((env.NO_COLOR ?? '') !== '') return plain;
  return stream.isTTY ? ansi : plain;
}

/** `path:line:col  error  message  rule-id`, one problem per line (grep-friendly), then a summary. */
export function formatStylish(results: FileResult[], palette: Palette = plain): string {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  let fixable = 0;
  for (const result of results) {
    for (const message of result.messages) {
      const level = message.severity === 2 ? palette.red('error') : palette.yellow('warning');
      const rule = message.ruleId === null ? '' : `  ${palette.dim(message.ruleId)}`;
      lines.push(`${result.filePath}:${message.line}:${message.column}  ${level}  ${message.message}${rule}`);
    }
    errors += result.errorCount;
    warnings += result.warningCount;
    fixable += result.fixableErrorCount + result.fixableWarningCount;
  }
  const files = results.length;
  if (errors + warnings === 0) {
    lines.push(`✔ ${files} protocol ${files === 1 ? 'file' : 'files'} checked, no problems`);
  } else {
    const summary = `✖ ${errors + warnings} ${plural(errors + warnings, 'problem')} (${errors} ${plural(errors, 'error')}, ${warnings} ${plural(warnings, 'warning')}) in ${files} protocol ${files === 1 ? 'file' : 'files'}`;
    lines.push('', errors > 0 ? palette.red(palette.bold(summary)) : palette.yellow(palette.bold(summary)));
    if (fixable > 0) lines.push(`  ${fixable} ${plural(fixable, 'problem')} can be fixed with \`--fix\``);
  }
  return lines.join('\n');
}

function plural(count: number, word: string): string {
  return count === 1 ? word : word + 's';
}
