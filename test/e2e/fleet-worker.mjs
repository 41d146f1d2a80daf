// The worker the scripted model plays for `relay run` scenarios (test/e2e/fleet.mjs) and the
// fleet benchmark (bench/fleet.mjs): from the conversation so far it does one tool call a turn.
// A URL session claims with `relay claim`, creates, reads and writes a findings log, marks the URL
// done (or hands it to the next stage when its prompt says `--to AGENT`) and closes its session
// record. A wave session reads every file its prompt lists, writes its note linking the notes of
// the wave before, then logs the same way.
import { join } from 'node:path';
import { resultText, tailText, toolResults } from './mock-api.mjs';

const text = (value) => ({ content: [{ type: 'text', text: value }] });
const toolUse = (id, name, input) => ({ content: [{ type: 'tool_use', id, name, input }] });

/** The runner's prompt: the block of the first user message that starts as every prompt of `relay run` does (Claude Code adds reminders beside it). */
function promptOf(body) {
  const first = (body.messages ?? []).find((message) => message.role === 'user');
  if (!first) return '';
  const blocks = typeof first.content === 'string' ? [first.content] : first.content.map((block) => block.text ?? '');
  return blocks.find((block) => block.startsWith('relay run ')) ?? blocks.join('\n');
}

/**
 * The worker the model plays, from the conversation so far (it remembers only which agent got
 * each URL first). A URL named `fail` gets an API error after its first claim, `hang` an answer
 * that never comes, `kill` a long tool call that the scenario kills the CLI in; each only for
 * the first agent that gets it. A URL named `escape` first runs `attempts` ([id, tool, input]),
 * each answer going to `onAttempt(id, result block)`. `onFirst(agent, text)` gets what each
 * session starts with: everything in its first request (the prompt, the SessionStart briefing).
 */
export function worker({ project, onSleep = () => {}, barrier = 0, attempts = [], onAttempt = () => {}, onFirst = () => {} }) {
  const firstAgent = new Map();
  const told = new Set();
  // `barrier` sessions must be waiting on their first answer at once before any gets it: the
  // proof that the runner really runs that many side by side (a runner that does not, hangs).
  const waiting = [];
  const arrived = new Set();
  const gate = { barrier, released: barrier === 0 };
  const handler = (body) => {
    const prompt = promptOf(body);
    const agent = /session `([^`]+)`/.exec(prompt)?.[1];
    const url = /^- (https:\/\/\S+)$/m.exec(prompt)?.[1];
    const wave = Number(/discovery wave (\d+)/.exec(prompt)?.[1] ?? 0);
    if (!agent || (!url && !wave)) return text('Nothing to do.');
    const results = toolResults(body);
    if (results.size === 0) onFirst(agent, tailText(body));
    const seen = (id) => (results.has(id) ? resultText(results.get(id)) : undefined);
    if (wave > 0) return waveStep({ project, agent, wave, prompt, results, seen });
    if (!firstAgent.has(url)) firstAgent.set(url, agent);
    const first = firstAgent.get(url) === agent;
    if (url.includes('/escape')) {
      for (const [id, tool, input] of attempts) {
        if (!results.has(id)) return toolUse(id, tool, input);
        if (!told.has(`${agent} ${id}`)) onAttempt(id, results.get(id), told.add(`${agent} ${id}`));
      }
    }
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
    const handOn = /--to (\S+?)`/.exec(prompt)?.[1];
    const finish = handOn ? `relay handoff '${claimed.trim().split('\n').at(-1).trim()}' --to ${handOn}` : `relay done '${claimed.trim().split('\n').at(-1).trim()}'`;
    return logSteps({ project, agent, results, seen, what: url, last: ['toolu_done', 'Bash', { command: finish, description: handOn ? 'Hand it on' : 'Mark it done' }] });
  };
  handler.gate = gate;
  return handler;
}

/** A wave session: read each listed file, write one note linking the wave before, then log. */
function waveStep({ project, agent, wave, prompt, results, seen }) {
  const files = [...prompt.matchAll(/^- `([^`]+)`/gm)].map((match) => match[1]);
  const unread = files.findIndex((_, index) => !results.has(`toolu_read_${index}`));
  if (unread !== -1) return toolUse(`toolu_read_${unread}`, 'Read', { file_path: join(project, files[unread]) });
  if (!results.has('toolu_note')) {
    const links = files.filter((path) => path.includes(`/wave-${wave - 1}/`)).map((path) => `- [${path.split('/').pop()}](../wave-${wave - 1}/${path.split('/').pop()})`);
    const content = `# Wave ${wave}: what ${agent} found\n\nWave ${wave} confirms the lead of wave ${wave - 1} and opens one question. Details follow.\n\n${links.join('\n')}\n`;
    return toolUse('toolu_note', 'Write', { file_path: join(project, 'discovery', `wave-${wave}`, `${agent}.md`), content });
  }
  return logSteps({ project, agent, results, seen, what: `discovery/wave-${wave}/${agent}.md` });
}

/** The log-this steps: a findings log (new, read, write), an optional last step, the record closed. */
function logSteps({ project, agent, results, seen, what, last }) {
  const path = seen('toolu_new')?.trim().split('\n').at(-1)?.trim();
  if (path === undefined) return toolUse('toolu_new', 'Bash', { command: `relay new findings --title 'findings: ${agent}'`, description: 'Create the findings log' });
  if (!results.has('toolu_read')) return toolUse('toolu_read', 'Read', { file_path: join(project, path) });
  if (!results.has('toolu_write')) {
    const log = `# Findings: 2026-03-19 (${agent})\n\n## Done\n- ${what}\n\n## Found\n- nothing new\n\n## Open\n- none\n`;
    return toolUse('toolu_write', 'Write', { file_path: join(project, path), content: log });
  }
  if (last && !results.has(last[0])) return toolUse(...last);
  if (!results.has('toolu_end')) return toolUse('toolu_end', 'Bash', { command: `relay session end --findings ${path}`, description: 'Close the session record' });
  return text('Done.');
}
