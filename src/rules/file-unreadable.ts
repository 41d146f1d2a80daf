import type { Rule } from '../lint/types.js';

/** A protocol file that cannot be read: permissions, symbolic links that loop, dangle or leave the root, or too large. */
export const fileUnreadable: Rule = {
  id: 'file-unreadable',
  description: 'A protocol file that cannot be read: no permission, a symlink that loops, dangles or leaves the root, or over the size limit',
  severity: 'error',
  docs: {
    rationale:
      'State that cannot be read cannot be checked, and a session would miss it. Symbolic links are followed (to files and into folders, as relay follows them) only when their real location is inside the root; a link that loops, points at nothing or leaves the root is reported on its own path and never read, protocol file or not, since relay refuses to read or write through it. Documents over `maxDocumentBytes` (10 MB by default) are skipped with this message rather than parsed; queue files are read line by line at any size up to 512 MB.',
    examples: [
      {
        title: 'A document over the size limit',
        files: { 'plan/task-001.md': '# A task\n' + 'x'.repeat(2048) + '\n' },
        config: { maxDocumentBytes: 1024 },
        messages: ['plan/task-001.md:1:1 Skipped: `plan/task-001.md` is too big (2 KB, limit 1 KB), expected at most `maxDocumentBytes`; split it or raise the limit'],
      },
      {
        title: 'A document under the limit',
        files: { 'plan/task-001.md': '# A task\n' },
        config: { maxDocumentBytes: 1024 },
        messages: [],
      },
    ],
  },
  check(context) {
    for (const file of context.targets) {
      if (!file.isProtocol) {
        // A symbolic link out of the root is reported wherever it is: relay refuses to go through it.
        const outside = file.project.source.leavesRoot?.(file.path);
        if (outside !== undefined) context.report({ file: file.path, line: 1, column: 1, message: 'Skipped: the symbolic link leaves the root; protocol files must live inside it' });
        continue;
      }
      const content = file.content;
      if (!content.ok && content.problem.rule === 'file-unreadable') {
        context.report({ file: file.path, line: 1, column: 1, message: content.problem.message });
      }
    }
  },
};
