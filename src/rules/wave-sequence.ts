import { posix } from 'node:path';
import type { Project } from '../lint/project.js';
import type { Report, Rule } from '../lint/types.js';

/** The gaps of a project's waves, worked out once per run (the rule is called once per batch of files). */
const gapsByProject = new WeakMap<Project, Report[]>();

/** Discovery waves numbered with gaps or not from 1. */
export const waveSequence: Rule = {
  id: 'wave-sequence',
  description: 'Discovery wave folders with gaps (`wave-1`, `wave-2`, `wave-4`) or not starting at `wave-1`',
  severity: 'error',
  docs: {
    rationale:
      'A discovery relay runs in waves: the sessions of wave N read the findings of every wave before N, in `discovery/wave-1/` … `discovery/wave-(N-1)/`. A missing number means a wave was lost, renamed or never run, and later waves built on findings nobody can read. Each missing wave is reported once, on the first file of the next wave (or on its folder when it holds no file). Add the missing wave or renumber the folders. A targeted run checks the sequence when it lints a wave file.',
    examples: [
      {
        title: 'Waves not from 1, and with a gap',
        files: { 'discovery/wave-2/a.md': '# A\n', 'discovery/wave-3/b.md': '# B\n', 'discovery/wave-5/c.md': '# C\n', 'discovery/wave-5/d.md': '# D\n' },
        messages: [
          'discovery/wave-2/a.md:1:1 Unexpected `discovery/wave-2/` as the first wave, expected `discovery/wave-1/` first (waves count from 1); add it or renumber the wave folders',
          'discovery/wave-5/c.md:1:1 Unexpected gap before `discovery/wave-5/`: there is no `discovery/wave-4/`, expected waves numbered without gaps; add it or renumber the wave folders',
        ],
      },
      {
        title: 'Waves 1, 2, 3',
        files: { 'discovery/wave-1/a.md': '# A\n', 'discovery/wave-2/b.md': '# B\n', 'discovery/wave-3/c.md': '# C\n' },
        messages: [],
      },
    ],
  },
  check(context) {
    if (!context.full && !context.targets.some((file) => file.kind === 'wave-file')) return;
    let gaps = gapsByProject.get(context.project);
    if (!gaps) gapsByProject.set(context.project, (gaps = findGaps(context.project)));
    // Repeated in every batch of a full run; the engine reports each message once.
    for (const gap of gaps) context.report(gap);
  },
};

function findGaps(project: Project): Report[] {
  const discovery = project.config.layout.discovery;
  const waves = project.waves();
  const numbers = [...waves.keys()].sort((a, b) => a - b);
  const reports: Report[] = [];
  let expected = 1;
  for (const number of numbers) {
    const folder = waves.get(number)!;
    if (number > expected) {
      const first = project.list(folder).find((name) => name.endsWith('.md') && name !== 'README.md');
      const file = first === undefined ? folder : posix.join(folder, first);
      for (let missing = expected; missing < number; missing++) {
        const message =
          missing === 1
            ? `Unexpected \`${folder}/\` as the first wave, expected \`${discovery}/wave-1/\` first (waves count from 1); add it or renumber the wave folders`
            : `Unexpected gap before \`${folder}/\`: there is no \`${discovery}/wave-${missing}/\`, expected waves numbered without gaps; add it or renumber the wave folders`;
        reports.push({ file, line: 1, column: 1, message });
      }
    }
    expected = number + 1;
  }
  return reports;
}
