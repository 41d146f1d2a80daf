import type { FileResult } from '../lint/types.js';

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions workflow commands: annotations on the pull request's files (paths relative to the repository top). */
export function formatGithub(results: FileResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    for (const message of result.messages) {
      const command = message.severity === 2 ? 'error' : 'warning';
      lines.push(
        `::${command} file=${escapeProperty(result.filePath)},line=${message.line},col=${message.column}${message.ruleId === null ? '' : `,title=${escapeProperty(message.ruleId)}`}::${escapeData(message.message)}`,
      );
    }
  }
  return lines.join('\n');
}
