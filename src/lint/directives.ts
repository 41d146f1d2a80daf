/**
 * Inline directives in HTML comments:
 * `<!-- protocol-lint-disable rule-id … -->` turns rules off from that line on (all rules
 * when no id is given), `<!-- protocol-lint-enable … -->` turns them back on, and
 * `<!-- protocol-lint-disable-next-line … -->` covers only the following line.
 */

interface Range {
  rules: Set<string> | 'all';
  from: number;
  to: number;
}

/** The disabled ranges of one file. */
export interface Directives {
  isDisabled(ruleId: string, line: number): boolean;
}

const NONE: Directives = { isDisabled: () => false };
const DIRECTIVE = /<!--\s*protocol-lint-(disable-next-line|disable|enable)\b([^>]*?)\s*-->/g;

/** Reads the directives of a file's text. */
export function parseDirectives(text: string): Directives {
  if (!text.includes('protocol-lint-')) return NONE;
  const ranges: Range[] = [];
  const open = new Map<string, number>();
  let line = 1;
  let lastIndex = 0;
  DIRECTIVE.lastIndex = 0;
  for (let match = DIRECTIVE.exec(text); match; match = DIRECTIVE.exec(text)) {
    for (let index = text.indexOf('\n', lastIndex); index !== -1 && index < match.index; index = text.indexOf('\n', index + 1)) line++;
    lastIndex = match.index;
    const ids = match[2]!.split(/[\s,]+/).filter((id) => id !== '');
    const key = ids.length === 0 ? '*' : ids.join(' ');
    if (match[1] === 'disable-next-line') {
      ranges.push({ rules: ids.length === 0 ? 'all' : new Set(ids), from: line + 1, to: line + 1 });
    } else if (match[1] === 'disable') {
      if (!open.has(key)) open.set(key, line);
    } else {
      for (const [openKey, from] of open) {
        if (key === '*' || openKey === key || ids.some((id) => openKey.split(' ').includes(id))) {
          ranges.push({ rules: openKey === '*' ? 'all' : new Set(openKey.split(' ')), from, to: line });
          open.delete(openKey);
        }
      }
    }
  }
  for (const [key, from] of open) ranges.push({ rules: key === '*' ? 'all' : new Set(key.split(' ')), from, to: Number.POSITIVE_INFINITY });
  if (ranges.length === 0) return NONE;
  return {
    isDisabled(ruleId, at) {
      // A whole-file message (line 1) is silenced by a disable comment anywhere that is never re-enabled,
      // so front matter or a title need not move to make room for the comment.
      return ranges.some(
        (range) => (at >= range.from || (at === 1 && range.to === Number.POSITIVE_INFINITY)) && at <= range.to && (range.rules === 'all' || range.rules.has(ruleId)),
      );
    },
  };
}
