import type { FileResult } from '../lint/types.js';
import { rules } from '../rules/index.js';
import { DOCS_BASE } from '../lint/engine.js';

/** A POSIX path as a relative URI (RFC 3986, as SARIF requires): a space, `%`, `#` or line break in a name is percent-encoded. */
function pathUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** SARIF 2.1.0, for code scanning dashboards; paths are relative to the repository top (`%SRCROOT%`). */
export function formatSarif(results: FileResult[], version: string): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'protocol-lint',
            version,
            informationUri: 'https://github.com/relay-protocol/relay',
            rules: rules.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.description },
              helpUri: DOCS_BASE + rule.id + '.md',
              defaultConfiguration: { level: rule.severity === 'error' ? 'error' : 'warning' },
            })),
          },
        },
        results: results.flatMap((result) =>
          result.messages.map((message) => ({
            // A note from protocol-lint itself (a file skipped by `ignores`) names no rule.
            ...(message.ruleId === null ? {} : { ruleId: message.ruleId }),
            level: message.severity === 2 ? 'error' : 'warning',
            message: { text: message.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: pathUri(result.filePath), uriBaseId: '%SRCROOT%' },
                  region: { startLine: message.line, startColumn: message.column },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}
