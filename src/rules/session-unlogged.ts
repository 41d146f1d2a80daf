import type { Rule } from '../lint/types.js';
import { frontMatterData, frontMatterPosition, targetsOfKind } from './util.js';

interface Options {
  ttlHours: number;
}

/** A session record still `open` long after its session started. */
export const sessionUnlogged: Rule<Options> = {
  id: 'session-unlogged',
  description: 'A session record still `open` past the TTL (default 2 h): a session that started and never logged',
  severity: 'warning',
  options: {
    schema: { type: 'object', properties: { ttlHours: { type: 'number', exclusiveMinimum: 0 } }, additionalProperties: false },
    defaults: { ttlHours: 2 },
  },
  docs: {
    rationale:
      'The SessionStart hook opens `sessions/<session-id>.md` with `status: open`, and /log-this (or the runner) closes it with `relay session end`. Stop and SessionEnd hooks are not reliable enough to close it for a session that crashed, was killed or simply exited, so a record still open `ttlHours` (default 2) after its `started` time is a session whose work was never logged. Run /get-up-to-speed to recover its log from what it changed (it marks the record `recovered`), or close it with `relay session end --session ID --status failed`. Records whose `started` is not a date-time are `session-schema`\'s to report.',
    examples: [
      {
        title: 'A session open for a day',
        files: {
          'sessions/s-1.md': '---\nsession_id: s-1\nagent: writer-1\nrole: writer\nstarted: 2026-03-19T10:00:00Z\nstatus: open\n---\n',
          'sessions/s-2.md': '---\nsession_id: s-2\nagent: writer-2\nrole: writer\nstarted: 2026-03-20T11:30:00Z\nstatus: open\n---\n',
        },
        now: '2026-03-20T12:00:00Z',
        messages: [
          'sessions/s-1.md:6:1 Unexpected session `s-1` (agent `writer-1`) still `open` since `2026-03-19T10:00:00Z`, older than the 2 h session TTL; recover its log with /get-up-to-speed, or run `relay session end --session s-1 --status failed`',
        ],
      },
      {
        title: 'Logged sessions, and a longer TTL',
        files: {
          'sessions/s-1.md': '---\nsession_id: s-1\nagent: writer-1\nrole: writer\nstarted: 2026-03-19T10:00:00Z\nstatus: logged\nended: 2026-03-19T10:30:00Z\n---\n',
          'sessions/s-2.md': '---\nsession_id: s-2\nagent: writer-2\nrole: writer\nstarted: 2026-03-20T08:00:00Z\nstatus: open\n---\n',
        },
        options: { ttlHours: 8 },
        now: '2026-03-20T12:00:00Z',
        messages: [],
      },
    ],
  },
  check(context) {
    const ttlMs = context.options.ttlHours * 3600 * 1000;
    for (const file of targetsOfKind(context, 'session')) {
      const data = frontMatterData(file);
      if (data?.status !== 'open' || typeof data.started !== 'string') continue;
      const started = Date.parse(data.started);
      if (Number.isNaN(started) || context.now.getTime() - started <= ttlMs) continue;
      // The file name's id: it is a valid id (the layout checked it), whatever the front matter says.
      const id = file.classification.type === 'protocol' ? file.classification.sessionId! : file.path;
      const agent = typeof data.agent === 'string' ? ` (agent \`${data.agent}\`)` : '';
      context.report({
        file: file.path,
        ...frontMatterPosition(file, 'status'),
        message: `Unexpected session \`${id}\`${agent} still \`open\` since \`${data.started}\`, older than the ${context.options.ttlHours} h session TTL; recover its log with /get-up-to-speed, or run \`relay session end --session ${id} --status failed\``,
      });
    }
  },
};
