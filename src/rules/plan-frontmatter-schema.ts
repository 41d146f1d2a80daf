import type { Rule } from '../lint/types.js';
import { numberedFileName } from '../protocol/layout.js';
import { validatePlanFrontMatter } from '../protocol/schemas.js';
import { frontMatterData, frontMatterPosition, reportSchemaProblems, targetsOfKind } from './util.js';

const TASK_ID = /^task-(\d{3,})$/;

/** The task number an `id` or `depends_on` entry names (`task-001` or `1`), if it is one. */
function taskNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  if (typeof value !== 'string') return undefined;
  const match = TASK_ID.exec(value);
  return match ? Number(match[1]) : undefined;
}

/** Plan front matter that does not match its schema, its file name, or the tasks that exist. */
export const planFrontmatterSchema: Rule = {
  id: 'plan-frontmatter-schema',
  description: 'Plan front matter against `schemas/plan.schema.json`; `id` matching the file name; `depends_on` naming existing tasks',
  severity: 'error',
  docs: {
    rationale:
      'A plan may carry YAML front matter that tools read: `id` (`task-NNN` or the number), `title`, `status` (todo, in-progress, done, blocked), `owner`, `urls` (absolute http(s) URLs), `depends_on` (task ids), `wave`, `session_id`, `tags`, `created` and `updated` (dates). It is checked against `schemas/plan.schema.json`, which ships with relay, and other keys are refused so a typo does not silently drop a field. The `id` must be the file name\'s number (`task-0001` and `1` both name `plan/task-001.md`), and every `depends_on` entry must name another task that exists in `plan/`. Front matter that does not parse is `frontmatter-syntax`\'s to report.',
    examples: [
      {
        title: 'Schema, id and dependency problems',
        files: {
          'plan/task-001.md': '---\nid: task-001\nstatus: finished\nassignee: writer-3\n---\n# First\n',
          'plan/task-002.md': '---\nid: task-003\ndepends_on:\n  - task-001\n  - task-009\n  - task-002\n---\n# Second\n',
        },
        messages: [
          'plan/task-001.md:3:1 Unexpected `status` value `finished` in the front matter, expected it to be one of `"todo"`, `"in-progress"`, `"done"`, `"blocked"`; fix it (see schemas/plan.schema.json)',
          'plan/task-001.md:4:1 Unexpected front matter key `assignee`, expected only the keys of schemas/plan.schema.json; remove or rename it',
          'plan/task-002.md:2:1 Unexpected id `task-003` in `plan/task-002.md`, expected `task-002` as in the file name; fix the id or rename the file',
          'plan/task-002.md:5:5 Unexpected dependency `task-009`, expected an existing task (there is no `plan/task-009.md`); fix the id or write the task',
          'plan/task-002.md:6:5 Unexpected dependency of `plan/task-002.md` on itself, expected other tasks; remove `task-002`',
        ],
      },
      {
        title: 'The seed form',
        files: {
          'plan/task-001.md': '---\nid: task-001\nstatus: done\nurls:\n  - https://example.com/article-0\nwave: 1\n---\n# First\n',
          'plan/task-002.md': '---\nid: 2\nstatus: in-progress\ndepends_on: [task-001]\n---\n# Second\n',
        },
        messages: [],
      },
    ],
  },
  check(context) {
    const plan = context.project.config.layout.plan;
    for (const file of targetsOfKind(context, 'task')) {
      const data = frontMatterData(file);
      if (data === undefined) continue;
      reportSchemaProblems(context, file, data, validatePlanFrontMatter(data), 'schemas/plan.schema.json');
      const own = file.classification.type === 'protocol' ? file.classification.number : undefined;
      if (own === undefined) continue;

      const id = taskNumber(data.id);
      if (id !== undefined && id !== own) {
        context.report({
          file: file.path,
          ...frontMatterPosition(file, 'id'),
          message: `Unexpected id \`${String(data.id)}\` in \`${file.path}\`, expected \`task-${String(own).padStart(3, '0')}\` as in the file name; fix the id or rename the file`,
        });
      }

      if (!Array.isArray(data.depends_on)) continue;
      for (const entry of data.depends_on) {
        const number = taskNumber(entry);
        if (number === undefined) continue; // the schema reports it
        const position = frontMatterPosition(file, 'depends_on', String(entry));
        if (number === own) {
          context.report({
            file: file.path,
            ...position,
            message: `Unexpected dependency of \`${file.path}\` on itself, expected other tasks; remove \`${String(entry)}\``,
          });
        } else if (context.project.numberedPaths('task', number).length === 0) {
          context.report({
            file: file.path,
            ...position,
            message: `Unexpected dependency \`${String(entry)}\`, expected an existing task (there is no \`${plan}/${numberedFileName('task', number)}\`); fix the id or write the task`,
          });
        }
      }
    }
  },
};
