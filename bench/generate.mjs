#!/usr/bin/env node
/**
 * Generates a fleet-scale state tree (PROTOCOL §2) for the benchmark.
 *
 *   node bench/generate.mjs [--scale N] [--out DIR] [--seed S] [--now ISO] [--json]
 *
 * Scale 1 is the reference workload: 50,000 pending and 50,000 done URLs, 5,000 plans,
 * 5,000 drafts, 1,000 findings, 109 waves of 10 files, 300 postmortems, 2,000 session
 * records (20 of them still open) — about 14,400 files and 57 MB. Scale N multiplies every count. The output depends only on the
 * options: the same seed, scale and `--now` give the same bytes. `--now` (default: the
 * current time, floored to the hour) anchors the dates, so claims are recent and every
 * completion date is in the past when the tree is linted.
 */
import { mkdirSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bumped whenever the output for the same options changes, so run.mjs regenerates. */
export const GENERATOR_VERSION = 5;

/** The counts of scale 1. */
export const BASE_COUNTS = {
  pending: 50_000,
  done: 50_000,
  plans: 5_000,
  drafts: 5_000,
  findings: 1_000,
  waves: 109,
  filesPerWave: 10,
  postmortems: 300,
  sessions: 2_000,
};

/** The counts for a scale: every count of scale 1 multiplied, never below one. */
export function countsFor(scale) {
  const scaled = (count) => Math.max(1, Math.round(count * scale));
  return {
    pending: scaled(BASE_COUNTS.pending),
    done: scaled(BASE_COUNTS.done),
    plans: scaled(BASE_COUNTS.plans),
    drafts: Math.min(scaled(BASE_COUNTS.drafts), scaled(BASE_COUNTS.plans)),
    findings: scaled(BASE_COUNTS.findings),
    waves: scaled(BASE_COUNTS.waves),
    filesPerWave: BASE_COUNTS.filesPerWave,
    postmortems: scaled(BASE_COUNTS.postmortems),
    sessions: scaled(BASE_COUNTS.sessions),
  };
}

/** A small, fast, seedable PRNG (mulberry32) over a 32-bit hash of the seed text. */
function createRandom(seed) {
  let state = 2166136261;
  for (const char of String(seed)) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (probability) => next() < probability,
  };
}

const WORDS = (
  'the agent session queue claim wave review draft plan finding relay state file tree lock ' +
  'writer planner reviewer article source summary outline section evidence note context ' +
  'handoff update worker batch retry timeout cache index schema parser token budget ' +
  'latency throughput backlog priority owner deadline dependency milestone release branch ' +
  'commit merge conflict rebase pipeline build test fixture report metric trend baseline ' +
  'customer feedback survey interview insight pattern theme signal noise sample dataset ' +
  'market pricing launch campaign channel audience segment retention churn growth funnel ' +
  'we they it this that these those our their each every some many several few most ' +
  'found checked compared verified noted recorded shipped fixed moved split merged rewrote ' +
  'read wrote linked tagged sorted counted measured traced logged reported reviewed ' +
  'quickly carefully again already still only mostly clearly roughly nearly often rarely ' +
  'new old large small first last next previous stable broken missing stale fresh shared ' +
  'with from into over under after before during across between without within about ' +
  'and but so because while although when where which whether then also too ' +
  'is are was were has have had can could should would will must may might ' +
  'a an of in on at to for by as is not no more less than'
).split(' ');

const TOPICS = [
  'API rate limits', 'Retry budget', 'Queue hygiene', 'Search ranking', 'Pricing page copy',
  'Onboarding flow', 'Churn survey', 'Release notes', 'Cache invalidation', 'Incident timeline',
  'Competitor review', 'Data export', 'Accessibility audit', 'Mobile layout', 'Billing errors',
  'Webhook delivery', 'Content calendar', 'Interview synthesis', 'Load test results', 'Style guide',
];

const SLUG_WORDS = [
  'api', 'cache', 'queue', 'claim', 'lock', 'merge', 'deploy', 'timeout', 'schema', 'parser',
  'token', 'budget', 'review', 'draft', 'wave', 'index', 'webhook', 'export', 'billing', 'search',
];

const FAILURES = [
  'Failed API Integration', 'Lost Queue Update', 'Duplicate Claims', 'Stale Cache After Deploy',
  'Merge Conflict In Queue', 'Runaway Retry Loop', 'Broken Draft Links', 'Missing Findings Log',
  'Timeout In Discovery Wave', 'Schema Drift In Plans', 'Token Budget Exhausted', 'Webhook Storm',
];

/** Writes prose: sentences of plain words, wrapped at 80 columns, in paragraphs. */
function createProse(random) {
  const sentence = () => {
    const length = random.int(8, 22);
    let text = '';
    for (let index = 0; index < length; index++) {
      const word = random.pick(WORDS);
      text += index === 0 ? word[0].toUpperCase() + word.slice(1) : ' ' + word;
    }
    return text + '.';
  };
  const paragraph = (sentences) => {
    let out = '';
    let line = '';
    for (let index = 0; index < sentences; index++) {
      for (const word of sentence().split(' ')) {
        if (line.length + word.length + 1 > 80) {
          out += line + '\n';
          line = word;
        } else {
          line = line === '' ? word : line + ' ' + word;
        }
      }
    }
    return out + line + '\n';
  };
  /** About `bytes` of paragraphs, separated by blank lines. */
  const body = (bytes) => {
    let out = '';
    while (out.length < bytes) out += (out === '' ? '' : '\n') + paragraph(random.int(3, 6));
    return out;
  };
  return { sentence, paragraph, body };
}

/** What a generated postmortem lesson names as its enforcer: rule ids, hooks and `relay` commands. */
const ENFORCERS = ['queue-overlap', 'queue-duplicate', 'queue-stale-claim', 'link-broken', 'review-verdict', 'relay claim', 'relay done', 'PostToolUse', 'SessionStart', 'Stop'];

const DAY = 86_400_000;
/** The tree's `session-unlogged` TTL, in hours (the rule's default is 2). */
export const SESSION_TTL_HOURS = 24;
const isoDate = (time) => new Date(time).toISOString().slice(0, 10);
const isoSecond = (time) => new Date(time).toISOString().slice(0, 19) + 'Z';

/** Generates the tree into `out` (emptied first) and returns what it wrote. */
export function generate({ scale = 1, out, seed = 'relay', now = defaultNow() }) {
  if (!out) throw new Error('generate: `out` is required');
  const nowTime = typeof now === 'number' ? now : Date.parse(now);
  if (Number.isNaN(nowTime)) throw new Error(`generate: \`--now\` is not a date: ${now}`);
  const counts = countsFor(scale);
  const random = createRandom(`${seed}:${scale}`);
  const prose = createProse(random);
  const width = Math.max(5, String(Math.max(counts.plans, counts.findings)).length);
  const pad = (number) => String(number).padStart(width, '0');
  let bytes = 0;
  let files = 0;

  rmSync(out, { recursive: true, force: true });
  for (const folder of ['plan', 'review', 'discovery', 'postmortems', 'sessions']) mkdirSync(join(out, folder), { recursive: true });
  const write = (rel, text) => {
    writeFileSync(join(out, rel), text);
    bytes += Buffer.byteLength(text);
    files += 1;
  };

  // A config file makes the tree its own root, whatever repository it sits in. Its session
  // TTL is a day, as the claim TTL is: the bench reuses a tree for 12 hours, and the open
  // session records must stay within the TTL (lint clean) all that time.
  write('.protocol-lint.json', `${JSON.stringify({ rules: { 'session-unlogged': ['warning', { ttlHours: SESSION_TTL_HOURS }] } })}\n`);

  // Queues: one global counter keeps every URL unique across both files.
  const hosts = ['example.com', 'example.com', 'example.com', 'example.org', 'blog.example.net', 'docs.example.io'];
  const sections = ['articles', 'posts', 'guides', 'news', 'research', 'changelog'];
  let serial = 0;
  const url = () => {
    serial += 1;
    const slug = `${random.pick(SLUG_WORDS)}-${random.pick(SLUG_WORDS)}`;
    return `https://${random.pick(hosts)}/${random.pick(sections)}/${slug}-${serial}`;
  };
  let todo = '# Pending URLs\n\n';
  let claims = 0;
  for (let index = 0; index < counts.pending; index++) {
    if (index > 0 && index % 5_000 === 0) todo += `\n<!-- batch ${index / 5_000 + 1} -->\n`;
    if (random.chance(0.02)) {
      // Claimed within the last six hours: fresh for the default 24 h TTL for 18 more hours.
      const at = nowTime - random.int(60, 6 * 3600) * 1000;
      todo += `- ${url()} (claimed by writer-${random.int(1, 198)} at ${isoSecond(at)})\n`;
      claims += 1;
    } else {
      todo += `- ${url()}\n`;
    }
  }
  write('urls_todo.md', todo);

  let done = '# Completed URLs\n\n';
  const today = Math.floor(nowTime / DAY) * DAY;
  for (let index = 0; index < counts.done; index++) {
    done += `- ${url()} (completed ${isoDate(today - random.int(1, 400) * DAY)})\n`;
  }
  write('urls_done.md', done);

  // Plans: a title, prose, and on most of them front matter checked against the schema.
  const statuses = ['todo', 'todo', 'in-progress', 'done', 'done', 'blocked'];
  const taskStatus = [];
  for (let number = 1; number <= counts.plans; number++) {
    const title = `${random.pick(TOPICS)}: part ${number}`;
    let text = '';
    const status = random.pick(statuses);
    taskStatus[number] = status;
    if (random.chance(0.7)) {
      text += '---\n';
      text += `id: task-${pad(number)}\n`;
      text += `status: ${status}\n`;
      text += `wave: ${random.int(1, counts.waves)}\n`;
      const dependencies = number > 1 ? random.int(0, 3) : 0;
      if (dependencies > 0) {
        text += 'depends_on:\n';
        const seen = new Set();
        for (let index = 0; index < dependencies; index++) {
          const target = random.int(Math.max(1, number - 200), number - 1);
          if (seen.has(target)) continue;
          seen.add(target);
          text += `  - task-${pad(target)}\n`;
        }
      }
      text += `created: ${isoDate(today - random.int(30, 400) * DAY)}\n`;
      text += '---\n\n';
    }
    text += `# ${title}\n\n## Goal\n\n${prose.paragraph(random.int(2, 4))}\n## Steps\n\n`;
    for (let step = 1, steps = random.int(3, 7); step <= steps; step++) text += `${step}. ${prose.sentence()}\n`;
    text += `\n## Notes\n\n${prose.body(random.int(1400, 3000))}`;
    write(`plan/task-${pad(number)}.md`, text);
  }

  // Drafts match tasks; some link back to their task, a finding or a wave file.
  for (let number = 1; number <= counts.drafts; number++) {
    let text = `# Draft: ${random.pick(TOPICS)} (${pad(number)})\n\n`;
    if (random.chance(0.4)) text += `Written for [the task](../plan/task-${pad(number)}.md).\n\n`;
    text += prose.body(random.int(1500, 3500));
    text += `\n## Details\n\n${prose.body(random.int(1000, 3000))}`;
    if (random.chance(0.2)) text += `\nSee also [a finding](findings-${pad(random.int(1, counts.findings))}.md).\n`;
    if (random.chance(0.1)) {
      text += `\nBackground: [wave notes](../discovery/wave-${random.int(1, counts.waves)}/note-${String(random.int(1, counts.filesPerWave)).padStart(2, '0')}.md).\n`;
    }
    write(`review/draft-${pad(number)}.mdx`, text);
  }

  // Findings: what a session logged at its end.
  for (let number = 1; number <= counts.findings; number++) {
    let text = `# Findings ${pad(number)}: ${random.pick(TOPICS)}\n\n`;
    text += `Session \`s-${pad(number)}\` on ${isoDate(today - random.int(1, 200) * DAY)}.\n\n## Learned\n\n`;
    for (let item = 0, items = random.int(3, 6); item < items; item++) text += `- ${prose.sentence()}\n`;
    text += `\n## Detail\n\n${prose.body(random.int(2000, 4500))}`;
    write(`review/findings-${pad(number)}.md`, text);
  }

  const completed = ['# Completed\n', 'What is already done, for humans. Agents read the queues.\n'];
  for (let number = 1; number <= counts.plans; number++) {
    if (taskStatus[number] === 'done') completed.push(`- task-${pad(number)}`);
  }
  write('review/completed.md', completed.join('\n') + '\n');

  // Discovery relay: wave N reads waves below N, and every note links one it read (wave-inheritance).
  for (let wave = 1; wave <= counts.waves; wave++) {
    mkdirSync(join(out, 'discovery', `wave-${wave}`));
    for (let file = 1; file <= counts.filesPerWave; file++) {
      let text = `# Wave ${wave}, note ${file}: ${random.pick(TOPICS)}\n\n`;
      if (wave > 1) {
        const read = String(random.int(1, counts.filesPerWave)).padStart(2, '0');
        text += `Builds on [wave ${wave - 1}, note ${Number(read)}](../wave-${wave - 1}/note-${read}.md).\n\n`;
      }
      text += prose.body(random.int(1500, 3500));
      write(`discovery/wave-${wave}/note-${String(file).padStart(2, '0')}.md`, text);
    }
  }

  // Postmortems: the date in the name matches the **Date** field; names are unique.
  for (let number = 1; number <= counts.postmortems; number++) {
    const date = isoDate(today - random.int(1, 700) * DAY);
    const title = random.pick(FAILURES);
    const slug = `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${number}`;
    let text = `# Postmortem: ${title}\n\n**Date**: ${date}\n`;
    if (random.chance(0.6)) text += `**Session ID**: ${Math.floor(random.next() * 2 ** 32).toString(16).padStart(8, '0')}-${number}\n`;
    text += `\n## What Went Wrong\n\n${prose.body(random.int(600, 1400))}`;
    text += `\n## How It Was Fixed\n\n${prose.body(random.int(400, 1000))}`;
    // Each lesson names what enforces it (postmortem-prevention-enforced).
    text += `\n## Prevention\n\n- ${prose.sentence()} Enforced by \`${random.pick(ENFORCERS)}\`.\n- ${prose.sentence()} Enforced by \`${random.pick(ENFORCERS)}\`.\n`;
    write(`postmortems/${date}-${slug}.md`, text);
  }

  // The session ledger: most sessions logged; one in a hundred (the 1st, 101st, …) still open,
  // started 20 min to 6 h before `now`: older than the briefing's 15 minutes, so it names
  // them as sessions that never logged, and within the tree's 24 h TTL, so the tree lints clean.
  const hex = (length) => {
    let text = '';
    while (text.length < length) text += Math.floor(random.next() * 2 ** 32).toString(16).padStart(8, '0');
    return text.slice(0, length);
  };
  const briefed = ['urls_todo.md', 'urls_done.md', 'CLAUDE.md', 'review/completed.md'];
  for (let number = 1; number <= counts.sessions; number++) {
    const id = `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    const role = random.pick(['planner', 'writer', 'writer', 'writer', 'reviewer']);
    const open = number % 100 === 1;
    const started = open ? nowTime - random.int(20 * 60, 6 * 3600) * 1000 : nowTime - random.int(2, 400 * 24) * 3600 * 1000;
    let text = `---\nsession_id: ${id}\nagent: ${role}-${random.int(1, 198)}\nrole: ${role}\n`;
    if (random.chance(0.5)) text += `run: run-${random.int(1, 40)}\n`;
    text += `started: ${isoSecond(started)}\nstatus: ${open ? 'open' : 'logged'}\nbriefing:\n`;
    for (const path of briefed) text += `  - path: ${path}\n    sha256: ${hex(64)}\n`;
    if (!open) {
      text += `ended: ${isoSecond(started + random.int(300, 5400) * 1000)}\n`;
      const worked = url();
      text += `claimed:\n  - ${worked}\ndone:\n  - ${worked}\n`;
      text += `findings: review/findings-${pad(random.int(1, counts.findings))}.md\nchanged:\n  - ${role === 'planner' ? `plan/task-${pad(random.int(1, counts.plans))}.md` : `review/draft-${pad(random.int(1, counts.drafts))}.mdx`}\n`;
    }
    text += `---\n# Session ${id.slice(0, 8)} (${role})\n`;
    write(`sessions/${id}.md`, text);
  }

  write(
    'CLAUDE.md',
    [
      '# Fleet workspace',
      '',
      `A generated fleet tree: ${counts.pending} pending URLs, ${counts.plans} plans, ${counts.waves} waves.`,
      '',
      '## Session Protocol',
      '',
      '1. Get up to speed: read `urls_todo.md`, the latest findings and postmortem Prevention lines.',
      '2. Claim work with `relay claim`; never edit a claimed line by hand.',
      '3. Write only your part of the tree: planners `plan/`, writers `review/draft-NNN.mdx`.',
      '4. Log this: write `review/findings-NNN.md` and mark URLs done with `relay done`.',
      '',
    ].join('\n'),
  );

  return { out, scale, seed, now: new Date(nowTime).toISOString(), counts, files, bytes, claims, version: GENERATOR_VERSION };
}

/** The current time floored to the hour, so two runs in the same hour make the same tree. */
export function defaultNow() {
  return Math.floor(Date.now() / 3_600_000) * 3_600_000;
}

function parseArguments(argv) {
  // node:util parseArgs throws on unknown options and missing values, with the flag named.
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: '1' },
      out: { type: 'string' },
      seed: { type: 'string', default: 'relay' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const options = { ...values, scale: Number(values.scale) };
  if (!(options.scale > 0)) throw new Error('--scale must be a positive number');
  return options;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const options = parseArguments(process.argv.slice(2));
    if (options.help) {
      console.log('usage: node bench/generate.mjs [--scale N] [--out DIR] [--seed S] [--now ISO] [--json]');
      process.exit(0);
    }
    const out = resolve(options.out ?? join('bench', 'out', `tree-scale-${options.scale}`));
    if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, '.protocol-lint.json'))) {
      throw new Error(`${out} is not empty and is not a generated tree; refusing to delete it`);
    }
    const started = process.hrtime.bigint();
    const result = generate({ ...options, out, now: options.now ?? defaultNow() });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (options.json) console.log(JSON.stringify(result));
    else console.log(`${result.out}: ${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s`);
  } catch (error) {
    console.error(`generate: ${error.message}`);
    process.exit(2);
  }
}
