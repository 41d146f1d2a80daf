import type { ProjectFile } from '../lint/project.js';
import type { Rule, RuleContext } from '../lint/types.js';
import { waveNumber } from '../protocol/layout.js';
import { documentLinks, frontMatterData, frontMatterPosition, resolveLinkTarget } from './util.js';

/** A note another note says it read: where it is, and where that is said. */
interface Reference {
  path: string;
  written: string;
  line: number;
  column: number;
  fromReads: boolean;
}

/** The wave of a root-relative path that is a note inside a wave folder (`discovery/wave-2/x.md` → 2). */
function waveOfNote(discovery: string, path: string): number | undefined {
  if (!path.startsWith(discovery + '/')) return undefined;
  const parts = path.slice(discovery.length + 1).split('/');
  if (parts.length < 2 || parts[1] === '') return undefined;
  return waveNumber(parts[0]!);
}

/** The `reads:` entries of a note, resolved; a value of the wrong shape is reported. */
function readsOf(context: RuleContext<any>, file: ProjectFile, discovery: string): Reference[] {
  const data = frontMatterData(file);
  if (data === undefined || data.reads === undefined || data.reads === null) return [];
  const entries = typeof data.reads === 'string' ? [data.reads] : data.reads;
  if (!Array.isArray(entries) || entries.some((entry) => typeof entry !== 'string')) {
    context.report({
      file: file.path,
      ...frontMatterPosition(file, 'reads'),
      message: `Unexpected \`reads\` in the front matter that is not a list of paths, expected the notes this one read, like \`reads: [../wave-1/sources.md]\`; fix it`,
      severity: 'warning',
    });
    return [];
  }
  const references: Reference[] = [];
  for (const entry of entries as string[]) {
    // An entry is a path like a link (from the note, or from the root with `/`); one starting
    // with the discovery folder is plainly from the root.
    const resolved = entry.startsWith(discovery + '/') ? resolveLinkTarget('', entry) : resolveLinkTarget(file.path, entry);
    if (resolved === undefined || 'outside' in resolved) continue; // not a file of the tree
    references.push({ path: resolved.path, written: entry, ...frontMatterPosition(file, 'reads', entry), fromReads: true });
  }
  return references;
}

/** A wave-N discovery note that reads no wave-(N−1) note, or one that links a wave ≥ N. */
export const waveInheritance: Rule = {
  id: 'wave-inheritance',
  description: 'A `discovery/wave-N/` note (N>1) that reads no wave-(N−1) note (warning), or one that links a note of wave N or later (error)',
  severity: 'error',
  docs: {
    rationale:
      'A discovery relay runs in waves: wave N builds on what wave N−1 found, and the next session can only follow that thread if each note says what it read. A wave-N session reads every note of wave N−1 in full and, for the waves before, one digest: `discovery/INDEX.md`, which `relay run` rewrites before each wave (one line per note: wave, path, title, the first sentence of its summary; at most 8,000 characters, the newest kept), so what a session reads does not grow with the number of waves. A note in `discovery/wave-N/` (N>1) names the wave-(N−1) notes it read, as relative links (`[sources](../wave-1/sources.md)`) or as front matter `reads:` (a list of paths, each from the note like a link, or from the root when it starts with `discovery/`). Links to older notes or to the digest are fine; a note that reads no existing wave-(N−1) note is a warning (unless there is no wave N−1 at all: that gap is `wave-sequence`\'s): link the notes it builds on. A note that links or reads a note of its own wave or a later one is an error: wave N was written before those existed, so the link is backwards; move the note to a later wave or drop the link. A `reads:` entry that names no file is a warning too (broken links are `link-broken`\'s). Setting the rule to `warning` makes both warnings.',
    examples: [
      {
        title: 'A note that reads nothing before it, and one that links ahead',
        files: {
          'discovery/wave-1/sources.md': '# Sources\n\nSee the [follow-up](../wave-2/follow-up.md).\n',
          'discovery/wave-2/follow-up.md': '# Follow-up\n\nNothing read.\n',
          'discovery/wave-3/deeper.md': '---\nreads:\n  - ../wave-1/sources.md\n  - ../wave-2/missing.md\n---\n# Deeper\n\nAlso [the follow-up](../wave-2/follow-up.md) and [itself](deeper.md) and [a twin](/discovery/wave-3/twin.md).\n',
          'discovery/wave-3/twin.md': '# Twin\n\nBuilds on [wave 2](../wave-2/follow-up.md).\n',
        },
        messages: [
          'discovery/wave-1/sources.md:3:9 Unexpected link to `../wave-2/follow-up.md` in wave 2 from a wave-1 note, expected links to earlier waves only (wave N reads waves before N); drop the link, or move this note to a later wave',
          'discovery/wave-2/follow-up.md:1:1 Unexpected wave-2 note that reads no wave-1 note, expected a relative link to a note in `discovery/wave-1/` or front matter `reads:` naming one; link the notes it builds on',
          'discovery/wave-3/deeper.md:4:5 Unexpected `reads` entry `../wave-2/missing.md`, which names no file (there is no `discovery/wave-2/missing.md`), expected a note this one read; fix the path',
          'discovery/wave-3/deeper.md:8:74 Unexpected link to `/discovery/wave-3/twin.md` in wave 3 from a wave-3 note, expected links to earlier waves only (wave N reads waves before N); drop the link, or move this note to a later wave',
        ],
      },
      {
        title: 'Notes that read the wave before, by link or by `reads:`, and the digest of the earlier waves',
        files: {
          'discovery/wave-1/sources.md': '# Sources\n\nSeed list.\n',
          'discovery/wave-2/incidents.md': '# Incidents\n\nRead wave 1\'s [sources](../wave-1/sources.md) first.\n',
          'discovery/wave-3/root-causes.md': '---\nreads: [discovery/wave-2/incidents.md, ../wave-1/sources.md]\n---\n# Root causes\n\nWave 1 as the [digest](../INDEX.md) sums it up.\n',
          'discovery/INDEX.md': '# Discovery digest: waves 1–1\n\n- wave 1 · `discovery/wave-1/sources.md` · Sources — Seed list.\n',
        },
        messages: [],
      },
    ],
  },
  async check(context) {
    const discovery = context.project.config.layout.discovery;
    for (const file of context.targets) {
      if (file.kind !== 'wave-file' || file.text === undefined) continue;
      const wave = file.classification.type === 'protocol' ? file.classification.wave! : 0;
      const references: Reference[] = readsOf(context, file, discovery);
      for (const reference of references) {
        if (!context.project.pathExists(reference.path)) {
          context.report({
            file: file.path,
            line: reference.line,
            column: reference.column,
            message: `Unexpected \`reads\` entry \`${reference.written}\`, which names no file (there is no \`${reference.path}\`), expected a note this one read; fix the path`,
            severity: 'warning',
          });
        }
      }
      for (const link of await documentLinks(file)) {
        const resolved = resolveLinkTarget(file.path, link.target);
        if (resolved !== undefined && !('outside' in resolved)) references.push({ path: resolved.path, written: link.target, line: link.line, column: link.column, fromReads: false });
      }
      let readsPrevious = false;
      for (const reference of references) {
        const target = waveOfNote(discovery, reference.path);
        if (target === undefined || reference.path === file.path) continue;
        if (target >= wave) {
          const what = reference.fromReads ? `\`reads\` entry` : 'link to';
          context.report({
            file: file.path,
            line: reference.line,
            column: reference.column,
            message: `Unexpected ${what} \`${reference.written}\` in wave ${target} from a wave-${wave} note, expected links to earlier waves only (wave N reads waves before N); drop the link, or move this note to a later wave`,
          });
        } else if (target === wave - 1 && context.project.pathExists(reference.path)) {
          readsPrevious = true;
        }
      }
      // Without a wave N−1 at all, the gap is `wave-sequence`'s finding, not this note's.
      if (wave > 1 && !readsPrevious && context.project.pathExists(`${discovery}/wave-${wave - 1}`)) {
        context.report({
          file: file.path,
          line: 1,
          column: 1,
          message: `Unexpected wave-${wave} note that reads no wave-${wave - 1} note, expected a relative link to a note in \`${discovery}/wave-${wave - 1}/\` or front matter \`reads:\` naming one; link the notes it builds on`,
          severity: 'warning',
        });
      }
    }
  },
};
