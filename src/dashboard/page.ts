/**
 * The dashboard's one page: HTML, CSS and a small script, no build step and nothing fetched
 * from elsewhere. The state comes inside the page (a JSON block) and then as server-sent
 * events. Every string from the tree (URLs, agent ids, lessons, lint messages) reaches the
 * page only as text: the JSON block escapes `<`, `>`, `&` and the line separators, and the
 * script builds the DOM with `textContent` and `setAttribute` only, never `innerHTML`; the
 * Content-Security-Policy (src/dashboard/server.ts) allows only this page's own script and
 * style, as a second wall.
 */

/** JSON that is safe inside a `<script>` element: no `</script>`, `<!--` or line separators can appear in it. */
export function scriptSafeJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The page with the state `snapshotJson` in it; `nonce` admits its own script and style. */
export function renderPage(snapshotJson: string, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>relay dashboard</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header><h1>relay <span id="root"></span></h1><span id="live" class="live off">connecting</span><span id="generated"></span></header>
<main>
<section class="panel wide" data-panel="queue"><h2>Queue</h2><p class="stale" hidden></p>
<div class="counts">
<div class="count"><b id="count-pending">–</b><span>pending</span></div>
<div class="count"><b id="count-claimed">–</b><span>claimed</span></div>
<div class="count"><b id="count-unclaimed">–</b><span>unclaimed</span></div>
<div class="count"><b id="count-done">–</b><span>done</span></div>
<div class="count"><b id="count-stale">–</b><span>stale claims</span></div>
</div>
<div id="queue-notes" class="notes"></div>
<div id="burndown" class="chart"></div>
</section>
<section class="panel" data-panel="claims"><h2>Claims per agent</h2><p class="stale" hidden></p><div class="body"></div></section>
<section class="panel" data-panel="stale"><h2>Stale claims</h2><p class="stale" hidden></p><div class="body"></div></section>
<section class="panel wide" data-panel="runs"><h2>Runs</h2><p class="stale" hidden></p><div class="body"></div></section>
<section class="panel" data-panel="waves"><h2>Waves</h2><p class="stale" hidden></p><div class="body"></div></section>
<section class="panel" data-panel="verdicts"><h2>Waiting for a reviewer verdict</h2><p class="stale" hidden></p><div class="body"></div></section>
<section class="panel wide" data-panel="lessons"><h2>Postmortem lessons</h2><p class="stale" hidden></p><div class="body"></div></section>
<section class="panel wide" data-panel="lint"><h2>protocol-lint</h2><p class="stale" hidden></p><div class="body"></div></section>
</main>
<script type="application/json" id="state">${scriptSafeJson(snapshotJson)}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
:root{--bg:#f6f7f9;--fg:#1d2330;--muted:#5b6475;--card:#fff;--line:#dde1e8;--pending:#d9822b;--claimed:#2b6cd9;--done:#2f9e55;--bad:#c93c37;--warn:#b7791f}
@media (prefers-color-scheme:dark){:root{--bg:#14171c;--fg:#e4e7ec;--muted:#9aa3b2;--card:#1c2027;--line:#2d333d}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--fg)}
header{display:flex;gap:1rem;align-items:baseline;padding:.8rem 1.2rem;border-bottom:1px solid var(--line)}
h1{font-size:1.2rem;margin:0}h1 span{color:var(--muted);font-weight:400}h2{font-size:1rem;margin:0 0 .5rem}
.live{font-size:.8rem;padding:.1rem .5rem;border-radius:1rem;background:var(--done);color:#fff}.live.off{background:var(--muted)}
#generated{color:var(--muted);font-size:.8rem;margin-left:auto}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:1rem;padding:1rem 1.2rem}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem;min-width:0;overflow:auto;max-height:32rem}
.panel.wide{grid-column:1/-1}.panel.is-stale{border-color:var(--warn)}
.stale{margin:0 0 .5rem;padding:.3rem .5rem;border-radius:4px;background:#fdf3e1;color:#7a4a00;font-size:.85rem}
.counts{display:flex;flex-wrap:wrap;gap:1.5rem;margin-bottom:.5rem}.count b{display:block;font-size:1.6rem;font-variant-numeric:tabular-nums}.count span{color:var(--muted)}
.notes,.muted{color:var(--muted);font-size:.85rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{color:var(--muted);font-weight:500}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{height:.6rem;background:var(--claimed);border-radius:2px}.bar.stale{background:var(--warn)}
.st-alive{color:var(--claimed)}.st-succeeded{color:var(--done)}.st-failed,.st-lost,.sev-error{color:var(--bad)}.sev-warning{color:var(--warn)}
.run{border-top:1px solid var(--line);padding-top:.5rem;margin-top:.5rem}.run h3{font-size:.9rem;margin:0 0 .3rem}
.chart svg{width:100%;height:220px}.chart text{font-size:11px;fill:var(--muted)}.legend span{margin-right:1rem}
.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
code{font-size:.85em}
`;

// The page's script: plain ES2020, no framework. `text` and `el` are the only ways a string
// reaches the DOM, and both make text nodes or attribute values.
const SCRIPT = `
'use strict';
const SVG = 'http://www.w3.org/2000/svg';
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  for (const child of children) if (child !== undefined && child !== null) node.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  return node;
}
function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  setAttributes(node, attrs);
  return node;
}
// Styles go through the CSSOM: the Content-Security-Policy refuses style attributes.
function setAttributes(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'style') node.style.cssText = String(value);
    else node.setAttribute(key, String(value));
  }
}
const number = (value) => typeof value === 'number' ? value.toLocaleString('en') : '–';
const money = (value) => typeof value === 'number' ? '$' + value.toFixed(2) : '–';
const time = (iso) => { const date = new Date(iso); return isNaN(date) ? String(iso || '') : date.toISOString().replace('T', ' ').slice(0, 16) + 'Z'; };
function table(head, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, ...head.map((cell) => el('th', {}, cell)))), el('tbody', {}, ...rows));
}
function more(shown, total, what) {
  return total > shown ? el('p', { class: 'muted' }, '… ' + number(total - shown) + ' more ' + what + ' not shown') : '';
}
function panel(name) { return document.querySelector('[data-panel="' + name + '"]'); }
function body(name) { const node = panel(name).querySelector('.body'); node.replaceChildren(); return node; }
function markStale(name, state) {
  const section = panel(name);
  const note = section.querySelector('.stale');
  const stale = state && state.stale;
  section.classList.toggle('is-stale', !!stale);
  note.hidden = !stale;
  note.textContent = stale ? (state.data === undefined ? 'Could not read: ' : 'Stale since ' + time(stale.since) + ', showing the last good data: ') + stale.error : '';
}

function renderQueue(state) {
  markStale('queue', state);
  const data = state.data;
  if (!data) return;
  const status = data.status;
  for (const key of ['pending', 'claimed', 'unclaimed', 'done']) document.getElementById('count-' + key).textContent = number(status[key]);
  const notes = [];
  if (!status.todoExists) notes.push('no queue file yet (relay init)');
  if (status.overlap) notes.push(number(status.overlap) + ' URLs in both queues');
  if (status.duplicates) notes.push(number(status.duplicates) + ' duplicate lines');
  if (status.syntaxProblems) notes.push(number(status.syntaxProblems) + ' lines that are not items');
  if (data.undated) notes.push(number(data.undated) + ' done URLs without a date the burn-down can place');
  document.getElementById('queue-notes').textContent = notes.join(' · ');
  renderBurndown(data.burndown);
}
function renderBurndown(points) {
  const box = document.getElementById('burndown');
  box.replaceChildren();
  if (!points || points.length < 2) { box.append(el('p', { class: 'muted' }, 'No history yet: the burn-down needs completion dates or run records.')); return; }
  const width = 800, height = 220, left = 50, bottom = 20, top = 10;
  const times = points.map((point) => Date.parse(point.t));
  const t0 = times[0], t1 = Math.max(times[times.length - 1], t0 + 1);
  const max = Math.max(1, ...points.map((point) => Math.max(point.pending, point.done, point.claimed)));
  const x = (t) => left + (width - left - 10) * (t - t0) / (t1 - t0);
  const y = (v) => top + (height - top - bottom) * (1 - v / max);
  const chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'burn-down' });
  chart.append(svg('line', { x1: left, y1: y(0), x2: width - 10, y2: y(0), style: 'stroke:var(--line)' }));
  for (const key of ['pending', 'claimed', 'done']) {
    const path = points.map((point, index) => x(times[index]).toFixed(1) + ',' + y(point[key]).toFixed(1)).join(' ');
    chart.append(svg('polyline', { points: path, fill: 'none', style: 'stroke:var(--' + key + ')', 'stroke-width': 2, 'data-series': key }));
  }
  const label = (text, attrs) => { const node = svg('text', attrs); node.textContent = text; return node; };
  chart.append(label(number(max), { x: 4, y: top + 10 }), label('0', { x: 4, y: y(0) }));
  chart.append(label(time(points[0].t), { x: left, y: height - 4 }), label(time(points[points.length - 1].t), { x: width - 10, y: height - 4, 'text-anchor': 'end' }));
  box.append(chart, el('div', { class: 'legend muted' }, ...['pending', 'claimed', 'done'].map((key) => el('span', {}, el('i', { class: 'sw', style: 'background:var(--' + key + ')' }), key))));
}
function renderClaims(state) {
  markStale('claims', state);
  markStale('stale', state);
  const data = state.data;
  if (!data) return;
  document.getElementById('count-stale').textContent = number(data.staleTotal);
  const claims = body('claims');
  if (data.agents.length === 0) claims.append(el('p', { class: 'muted' }, 'No claims.'));
  else {
    const top = Math.max(...data.agents.map((agent) => agent.claims));
    claims.append(table(['agent', 'claims', 'stale', ''], data.agents.map((agent) => el('tr', {},
      el('td', {}, agent.agent), el('td', { class: 'n' }, number(agent.claims)), el('td', { class: 'n' }, agent.stale ? number(agent.stale) : ''),
      el('td', { style: 'width:40%' }, el('div', { class: 'bar' + (agent.stale ? ' stale' : ''), style: 'width:' + Math.round(100 * agent.claims / top) + '%' }))))));
    claims.append(more(data.agents.length, data.agentsTotal, 'agents'));
  }
  const stale = body('stale');
  if (data.stale.length === 0) stale.append(el('p', { class: 'muted' }, 'None older than ' + data.ttlHours + ' h.'));
  else {
    stale.append(el('p', { class: 'muted' }, 'Older than ' + data.ttlHours + ' h: relay claim --steal-stale, or relay release --force URL.'));
    stale.append(table(['line', 'URL', 'agent', 'claimed at'], data.stale.map((claim) => el('tr', {}, el('td', { class: 'n' }, claim.line), el('td', {}, claim.url), el('td', {}, claim.agent), el('td', {}, claim.at ? time(claim.at) : '(no time)')))));
    stale.append(more(data.stale.length, data.staleTotal, 'stale claims'));
  }
}
function renderRuns(state) {
  markStale('runs', state);
  const data = state.data;
  if (!data) return;
  const box = body('runs');
  if (data.runs.length === 0) { box.append(el('p', { class: 'muted' }, 'No runs yet (relay run).')); return; }
  for (const run of data.runs) {
    const totals = run.totals;
    const settings = Object.entries(run.settings).map(([key, value]) => key + ' ' + value).join(', ');
    const section = el('div', { class: 'run', 'data-run': run.run },
      el('h3', {}, run.run, ' ', el('span', { class: 'muted' }, settings)),
      el('p', { class: 'muted' }, number(totals.sessions) + ' sessions: ', el('span', { class: 'st-alive' }, number(totals.alive) + ' alive'), ', ',
        el('span', { class: 'st-succeeded' }, number(totals.succeeded) + ' done'), ', ', el('span', { class: 'st-failed' }, number(totals.failed) + ' failed'),
        totals.lost ? el('span', { class: 'st-lost' }, ', ' + number(totals.lost) + ' lost (relay run resume ' + run.run + ')') : null,
        ' · ' + number(totals.urls_done) + ' URLs done · ' + money(totals.cost_usd) + ' · ' + number(totals.turns) + ' turns'));
    for (const problem of run.problems) section.append(el('p', { class: 'stale' }, problem));
    if (run.sessions.length > 0) section.append(table(['session', 'agent', 'role', 'status', 'cost', 'turns', 'URLs'], run.sessions.map((session) => el('tr', {},
      el('td', {}, el('code', {}, session.session_id.slice(0, 8)), session.attempt > 1 ? ' (try ' + session.attempt + ')' : ''),
      el('td', {}, session.agent || ''), el('td', {}, (session.role || '') + (session.wave ? ' w' + session.wave : '') + (session.stage ? ' ' + session.stage : '')),
      el('td', { class: 'st-' + session.status, title: session.reason || '' }, session.status === 'succeeded' ? 'done' : session.status),
      el('td', { class: 'n' }, money(session.cost_usd)), el('td', { class: 'n' }, number(session.turns)),
      el('td', {}, session.urls.join(' '), session.urlsTotal > session.urls.length ? ' … ' + (session.urlsTotal - session.urls.length) + ' more' : '')))));
    section.append(more(run.sessions.length, run.sessionsTotal, 'sessions'));
    box.append(section);
  }
  box.append(more(data.runs.length, data.runsTotal, 'runs'));
}
function renderWaves(state) {
  markStale('waves', state);
  const data = state.data;
  if (!data) return;
  const box = body('waves');
  if (data.waves.length === 0) { box.append(el('p', { class: 'muted' }, 'No discovery waves.')); return; }
  if (data.gaps.length) box.append(el('p', { class: 'stale' }, 'Missing waves: ' + data.gaps.join(', ')));
  const top = Math.max(1, ...data.waves.map((wave) => wave.files));
  box.append(table(['wave', 'notes', ''], data.waves.slice().reverse().map((wave) => el('tr', {}, el('td', {}, 'wave-' + wave.wave), el('td', { class: 'n' }, number(wave.files)),
    el('td', { style: 'width:50%' }, el('div', { class: 'bar', style: 'width:' + Math.round(100 * wave.files / top) + '%' }))))));
  box.append(more(data.waves.length, data.wavesTotal, 'waves'));
}
function renderVerdicts(state) {
  markStale('verdicts', state);
  const data = state.data;
  if (!data) return;
  const box = body('verdicts');
  box.append(el('p', { class: 'muted' }, number(data.drafts) + ' drafts, ' + number(data.finals) + ' finals, ' + number(data.approved) + ' approved; ' + number(data.waitingTotal) + ' waiting.'));
  if (data.waiting.length) box.append(table(['draft', 'why'], data.waiting.map((item) => el('tr', {}, el('td', {}, item.draft), el('td', {}, item.why)))));
  box.append(more(data.waiting.length, data.waitingTotal, 'drafts'));
}
function renderLessons(state) {
  markStale('lessons', state);
  const data = state.data;
  if (!data) return;
  const box = body('lessons');
  if (data.postmortems === 0) { box.append(el('p', { class: 'muted' }, 'No postmortems yet.')); return; }
  box.append(el('p', { class: 'muted' }, 'Prevention lines of the newest ' + data.read + ' of ' + number(data.postmortems) + ' postmortems.'));
  box.append(el('ul', {}, ...data.lessons.map((lesson) => el('li', {}, el('span', { class: 'muted' }, lesson.postmortem + ': '), lesson.lesson))));
}
function renderLint(state) {
  markStale('lint', state);
  const box = body('lint');
  const data = state.data;
  if (!data) { if (!state.stale) box.append(el('p', { class: 'muted' }, 'Linting…')); return; }
  box.append(el('p', { id: 'lint-summary' }, number(data.errorCount) + ' errors, ' + number(data.warningCount) + ' warnings in ' + number(data.filesWithProblems) + ' files',
    el('span', { class: 'muted' }, ' (as of ', el('span', { id: 'lint-age', 'data-at': data.at }, age(data.at)), ', took ' + number(data.durationMs) + ' ms)')));
  if (data.problems.length) box.append(table(['file', 'severity', 'rule', 'message'], data.problems.map((problem) => el('tr', {},
    el('td', {}, problem.file + ':' + problem.line + ':' + problem.column), el('td', { class: 'sev-' + problem.severity }, problem.severity), el('td', {}, problem.ruleId), el('td', {}, problem.message)))));
  box.append(more(data.problems.length, data.errorCount + data.warningCount, 'problems'));
}
function render(snapshot) {
  document.getElementById('root').textContent = snapshot.root + ' · ' + snapshot.version;
  document.getElementById('generated').textContent = 'updated ' + time(snapshot.generated);
  document.body.dataset.revision = snapshot.revision;
  const panels = snapshot.panels;
  renderQueue(panels.queue); renderClaims(panels.claims); renderRuns(panels.runs); renderWaves(panels.waves);
  renderVerdicts(panels.verdicts); renderLessons(panels.lessons); renderLint(panels.lint);
}
render(JSON.parse(document.getElementById('state').textContent));
// The lint's result is shown while the next one runs: its age says how old it is.
function age(iso) { const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)); return seconds < 60 ? seconds + ' s ago' : Math.round(seconds / 60) + ' min ago'; }
setInterval(() => { const node = document.getElementById('lint-age'); if (node) node.textContent = age(node.dataset.at); }, 1000);
// Follows the stream; when it fails (the dashboard stopped, or it is at its limit of pages and
// answered 503, after which EventSource gives up) it connects again, waiting twice as long each time.
const live = document.getElementById('live');
let wait = 1;
function follow() {
  const events = new EventSource('/events');
  events.addEventListener('snapshot', (event) => render(JSON.parse(event.data)));
  events.onopen = () => { wait = 1; live.textContent = 'live'; live.classList.remove('off'); };
  events.onerror = () => {
    events.close();
    live.textContent = 'reconnecting in ' + wait + ' s'; live.classList.add('off');
    setTimeout(follow, wait * 1000);
    wait = Math.min(wait * 2, 60);
  };
}
follow();
`;
