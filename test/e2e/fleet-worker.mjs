// The worker the scripted model plays for `relay run` scenarios (test/e2e/fleet.mjs) and the
// fleet benchmark rows (bench/fleet.mjs): from the conversation so far it claims with `relay
// claim`, creates, reads and writes a findings log, marks the URL done and closes its session
// record, one tool call a turn.
import { join } from 'node:path';
import { resultText, toolResults } from './mock-api.mjs';

const text = (value) => ({ content: [{ type: 'text', text: value }] });
const toolUse = (id, name, input) => ({ content: [{ type: 'tool_use', id, name, input }] });

/** The first user message of a request: the runner's prompt. */
function promptOf(body) {
  const first = (body.messages ?? []).find((message) => message.role === 'user');
  if (!first) return '';
  if (typeof first.content === 'string') return first.content;
  return first.content.map((block) => block.text ?? '').join('\n');
}

/**
 * The worker the model plays, from the conversation so far (it remembers only which agent got each URL first): claim,
 * new findings, read and write them, done, session end. A URL named `fail` gets an API error
 * after its first claim, `hang` an answer that never comes, `kill` a long tool call that the
 * scenario kills the CLI in; each only for the first agent that gets it.
 */
export function worker({ project, onSleep = () => {}, barrier = 0 }) {
  const firstAgent = new Map();
  // `barrier` sessions must be waiting on their first answer at once before any gets it: the
  // proof that the runner really runs that many side by side (a runner that does not, hangs).
  const waiting = [];
  const arrived = new Set();
  const gate = { barrier, released: barrier === 0 };
  const handler = (body) => {
    const prompt = promptOf(body);
    const agent = /session `([^`]+)`/.exec(prompt)?.[1];
    const url = /^- (https:\/\/\S+)$/m.exec(prompt)?.[1];
    if (!agent || !url) return text('Nothing to do.');
    if (!firstAgent.has(url)) firstAgent.set(url, agent);
    const first = firstAgent.get(url) === agent;
    const results = toolResults(body);
    const seen = (id) => (results.has(id) ? resultText(results.get(id)) : undefined);
    const claimed = seen('toolu_claim');
    if (claimed === undefined) {
      const claim = toolUse('toolu_claim', 'Bash', { command: 'relay claim', description: 'Claim the URL' });
      if (gate.released) return claim;
      arrived.add(agent);
      if (arrived.size < barrier) return new Promise((resolvePromise) => waiting.push(() => resolvePromise(claim)));
      gate.released = true;
      for (const release of waiting.splice(0)) release();
      return claim;
    }
    if (first && url.includes('/fail')) return { error: { status: 400, message: 'mock: the request is refused' } };
    if (first && url.includes('/hang')) return { hold: true };
    if (first && url.includes('/kill')) {
      if (!results.has('toolu_sleep')) {
        onSleep(agent);
        // Claude Code refuses a long `sleep` in the Bash tool; a node timer is just as long.
        return toolUse('toolu_sleep', 'Bash', { command: "node -e 'setTimeout(() => {}, 120000)'", description: 'A long tool call' });
      }
    }
    const path = seen('toolu_new')?.trim().split('\n').at(-1)?.trim();
    if (path === undefined) return toolUse('toolu_new', 'Bash', { command: `relay new findings --title 'writer: ${agent}'`, description: 'Create the findings log' });
    if (!results.has('toolu_read')) return toolUse('toolu_read', 'Read', { file_path: join(project, path) });
    if (!results.has('toolu_write')) {
      const log = `# Findings: 2026-03-19 (${agent})\n\n## Done\n- ${url}\n\n## Found\n- nothing new\n\n## Open\n- none\n`;
      return toolUse('toolu_write', 'Write', { file_path: join(project, path), content: log });
    }
    if (!results.has('toolu_done')) return toolUse('toolu_done', 'Bash', { command: `relay done '${claimed.trim().split('\n').at(-1).trim()}'`, description: 'Mark it done' });
    if (!results.has('toolu_end')) return toolUse('toolu_end', 'Bash', { command: `relay session end --findings ${path}`, description: 'Close the session record' });
    return text('Done.');
  };
  handler.gate = gate;
  return handler;
}
