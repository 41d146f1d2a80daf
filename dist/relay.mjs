import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a as te,b as ne,c as S,d as re,e as L,f as I,g as $,h as oe,i as se,l as ae,m as le,n as de,o as ue,p as ce,q as me,r as fe,s as pe}from"./chunks/chunk-PTBNWP6F.mjs";import{a as ee}from"./chunks/chunk-TRJJGLC6.mjs";import{c as E,e as w,h as ie}from"./chunks/chunk-GBM4MYWT.mjs";import{a as W,b as X}from"./chunks/chunk-TGJ4IBPD.mjs";import"./chunks/chunk-S2CGJPXF.mjs";import{a as Z,j as M,l as P}from"./chunks/chunk-NWJIL35N.mjs";import"./chunks/chunk-GWVY3I6W.mjs";import{readFileSync as Ke}from"node:fs";import{dirname as Je,resolve as Ee}from"node:path";import{fileURLToPath as Ve}from"node:url";import{parseArgs as ze}from"node:util";import{existsSync as q,mkdirSync as ge,readdirSync as Ce,readFileSync as he}from"node:fs";import{dirname as Oe,join as b}from"node:path";var T="relay-queue",ye='## Session Protocol\n\nEvery session shares state with the others through the files of this repository.\n\n1. **Get up to speed** before any work: run `relay brief` (the SessionStart hook shows the\n   same briefing), then read the files it points to.\n2. **Take work through the queue**: `relay claim` takes the next pending URL from\n   `urls_todo.md` under a lock; never edit the queue files by hand.\n3. **Finish** with `relay done URL --output PATH` (moves it to `urls_done.md`), or give the\n   URL back with `relay release URL`.\n4. **Log this** before you stop: write your findings under `review/`, and a postmortem\n   (`relay postmortem new "title"`) for anything that went wrong.\n5. Run `protocol-lint` and fix what it reports.\n';function ve(e,n,t){let r=[],o=n.layout;for(let a of[o.plan,o.review,o.discovery,o.postmortems]){let d=b(e,a);q(d)||(ge(d,{recursive:!0}),r.push(`created \`${a}/\``)),Ce(d).length===0&&(I(b(d,".gitkeep"),""),r.push(`created \`${a}/.gitkeep\``))}Q(b(e,o.todo),`${ae}

`)&&r.push(`created \`${o.todo}\``),Q(b(e,o.done),`${le}

`)&&r.push(`created \`${o.done}\``);let s=b(e,o.claudeMd);if(!q(s))ge(Oe(s),{recursive:!0}),Q(s,`# CLAUDE.md

${ye}`)&&r.push(`created \`${o.claudeMd}\``);else{let a=he(s,"utf8");if(!/^#{1,6}[ \t]+Session Protocol\b/im.test(a)){let d=a===""||a.endsWith(`

`)?"":a.endsWith(`
`)?`
`:`

`;L(s,a+d+ye),r.push(`added a Session Protocol section to \`${o.claudeMd}\``)}}let i=b(e,".gitattributes"),l=q(i)?he(i,"utf8"):"",c=[o.todo,o.done].filter(a=>!De(l,a));if(c.length>0){let a=c.map(u=>`${u} merge=${T}
`).join(""),d=l===""||l.endsWith(`
`)?"":`
`;L(i,l+d+a),r.push(`added \`merge=${T}\` for ${c.map(u=>`\`${u}\``).join(" and ")} to \`.gitattributes\``)}if(t.driverCommand!==void 0&&oe(e)){let a=[[`merge.${T}.name`,"relay queue item-level three-way merge"],[`merge.${T}.driver`,t.driverCommand]];for(let[d,u]of a){let g=$(["config","--local","--get",d],e);if(g.ok&&g.stdout.replace(/\n$/,"")===u)continue;let h=$(["config","--local",d,u],e);if(!h.ok)return{ok:!1,error:`Cannot set git config \`${d}\` (${h.error})`,changes:r};r.push(`set git config \`${d}\``)}}return{ok:!0,changes:r}}function Q(e,n){return I(e,n)}function De(e,n){return e.split(/\r?\n/).some(t=>{let[r,...o]=t.trim().split(/\s+/);return(r===n||r===`/${n}`)&&o.includes(`merge=${T}`)})}function Ae(e){return/^[A-Za-z0-9_@%+=:,./-]+$/.test(e)?e:`'${e.replace(/'/g,"'\\''")}'`}function $e(e){return`node ${Ae(e)} merge-driver %O %A %B %P`}import{readFileSync as Re}from"node:fs";import{basename as Ue,dirname as we,join as j,relative as Me,resolve as Pe,sep as _e}from"node:path";function Ne(e){let n=w(e.base),t=w(e.ours),r=w(e.theirs),o=Y(n.items),s=Y(t.items),i=Y(r.items),l=e.doneElsewhere??new Set,c=m=>{if(e.kind==="todo"&&l.has(m))return;let p=o.get(m),y=s.get(m),k=i.get(m),H=p&&B(n.segments,p),x=y&&B(t.segments,y),A=k&&B(r.segments,k);if(H===void 0)return x??A;if(x!==void 0&&A!==void 0)return x===H?A:x;if(e.kind==="todo")return;let F=x??A;return F!==void 0&&F!==H?F:void 0},a=ie(t.segments.length>0?t.segments:r.segments),d=new Map;for(let m of t.items)d.set(m.line,m);let u=[],g=new Set,h=-1;for(let m=0;m<t.segments.length;m++){let p=t.segments[m],y=d.get(m+1);if(!y){u.push(p);continue}if(g.has(y.key))continue;g.add(y.key);let k=c(y.key);k!==void 0&&(u.push(k+p.slice(E(p).length)),h=u.length-1)}let v=[],U=be(n,n.items),D=be(t,t.items),je=new Set(r.items.map(m=>m.line)),z=new Map;for(let m=0;m<r.segments.length;m++){if(je.has(m+1))continue;let p=E(r.segments[m]);if(p.trim()==="")continue;let y=(z.get(p)??0)+1;z.set(p,y),y>(U.get(p)??0)&&y>(D.get(p)??0)&&v.push(p)}for(let m of r.items){if(g.has(m.key))continue;g.add(m.key);let p=c(m.key);p!==void 0&&v.push(p)}if(v.length===0)return u.join("");let _=h===-1?u.length:h+1,N=u[_-1];return N!==void 0&&!N.endsWith(`
`)&&(u[_-1]=N+a),u.splice(_,0,...v.map(m=>m+a)),u.join("")}function He(e){if(e.includes(0))return!1;try{return new TextDecoder("utf-8",{fatal:!0}).decode(e),!0}catch{return!1}}function Y(e){let n=new Map;for(let t of e)n.has(t.key)||n.set(t.key,t);return n}function B(e,n){return E(e[n.line-1])}function be(e,n){let t=new Set(n.map(o=>o.line)),r=new Map;return e.segments.forEach((o,s)=>{if(t.has(s+1))return;let i=E(o);r.set(i,(r.get(i)??0)+1)}),r}function ke(e,n){let t=[];for(let[h,v]of[["base",e.base],["ours",e.ours],["theirs",e.theirs]]){let U;try{U=Re(v)}catch(D){return{ok:!1,reason:`Cannot read the ${h} version \`${v}\` (${D.code??String(D)})`}}if(!He(U))return{ok:!1,reason:`Unexpected binary or non-UTF-8 ${h} version of \`${e.pathname}\`, expected queue text; resolve the conflict by hand`};t.push(U.toString("utf8"))}let[r,o,s]=t,i=Qe(n)??n,l=Pe(i,e.pathname),c=M(we(l)),a=P(c),d=a.ok?a.config.layout:Z,u=Fe(l,c,d,[r,o,s]),g={base:r,ours:o,theirs:s,kind:u};if(u==="todo"){let h=l===j(c,d.todo)?j(c,d.done):j(we(l),Ue(d.done));g.doneElsewhere=We(h,i)}return L(e.ours,Ne(g)),{ok:!0,kind:u}}function Fe(e,n,t,r){if(e===j(n,t.todo))return"todo";if(e===j(n,t.done))return"done";let o=Ue(e).toLowerCase();if(o.includes("done"))return"done";if(o.includes("todo"))return"todo";let s=0,i=0;for(let l of r)for(let c of w(l).items)s++,c.completed!==void 0&&i++;return s>0&&i*2>s?"done":"todo"}function We(e,n){let t=new Set,r=s=>{if(s!==void 0)for(let i of w(s).items)t.add(i.key)};try{r(Re(e,"utf8"))}catch{}let o=Me(n,e).split(_e).join("/");if(!o.startsWith(".."))for(let s of qe(n))r(se(s,o,n));return t}function qe(e){let n=Object.keys(process.env).map(t=>/^GITHEAD_([0-9a-f]{40,64})$/.exec(t)?.[1]).filter(t=>t!==void 0);for(let t of["MERGE_HEAD","REBASE_HEAD","CHERRY_PICK_HEAD"])$(["rev-parse","-q","--verify",t],e).ok&&n.push(t);return n}function Qe(e){let n=$(["rev-parse","--show-toplevel"],e);return n.ok?n.stdout.trim():void 0}import{mkdirSync as Ye}from"node:fs";import{join as xe}from"node:path";var Be={what:"[Description of the issue]",fix:"[Description of the fix]",prevention:"[Prevention steps]"};function Ge(e){let n=e.normalize("NFKD").replace(/[\u0300-\u036f]/g,"").toLowerCase().replace(/[^a-z0-9]+/g,"-").replace(/^-+|-+$/g,"").slice(0,60).replace(/-+$/,"");return n===""?"postmortem":n}function Se(e,n,t){let r=`${n.layout.postmortems}/${t.date}-${Ge(t.title)}.md`,o=[],s=l=>{let c=t[l]?.trim();return c||(o.push(l),Be[l])},i=[`# Postmortem: ${t.title.trim()}`,"",`**Date**: ${t.date}`];return t.session&&i.push(`**Session ID**: ${t.session}`),i.push("","## What Went Wrong","",s("what"),"","## How It Was Fixed","",s("fix"),"","## Prevention","",s("prevention"),""),Ye(xe(e,n.layout.postmortems),{recursive:!0}),I(xe(e,r),i.join(`
`))?{ok:!0,path:r,placeholders:o}:{ok:!1,error:`Unexpected existing \`${r}\`, expected a new file; edit it, or choose another title or \`--date\``}}var C={relay:`Usage: relay [--root DIR] <command> [options]

Fleet-safe state for agent sessions: every write takes a lock shared by all worktrees of
the repository and replaces files atomically.

Commands:
  init                      create the state tree, CLAUDE.md section, .gitattributes, merge driver
  claim [-n N]              take the next N pending URLs (prints one per line)
  done URL...               move URLs to urls_done.md with today's date
  release URL... | --all    give claimed URLs back to the queue
  add URL... | -            add new URLs to urls_todo.md
  status                    counts, claims per agent, stale claims
  brief                     the session briefing (the SessionStart hook shows the same)
  postmortem new "TITLE"    write postmortems/YYYY-MM-DD-slug.md
  merge-driver %O %A %B %P  the git merge driver for the queue files (set up by init)

Global options:
  --root DIR   the state tree's root (default: nearest .protocol-lint.json, else git top, else .)
  -h, --help   help for relay or a command

Exit codes: 0 ok, 1 refused (rejected URLs, missing queue, lock timeout), 2 usage or internal failure.
See docs/relay-cli.md.
`,init:`Usage: relay init [--root DIR]

Creates what is missing and changes nothing else: the plan/, review/, discovery/ and
postmortems/ folders, urls_todo.md and urls_done.md, a "Session Protocol" section in
CLAUDE.md (appended if the file exists without one), the .gitattributes lines that route the
queue files to the merge driver, and, inside git, the local git config of that driver.
Safe to run again; prints each change.
`,claim:`Usage: relay claim [-n N] [--agent ID] [--steal-stale] [--ttl-hours H] [--json]

Takes the next N (default 1) pending, unclaimed URLs in file order, marks each
"(claimed by ID at TIMESTAMP)" in urls_todo.md, and prints one URL per line.
Nothing to claim is not an error: exit 0 with no output and a note on stderr.

  -n, --count N     how many URLs to take (1-10000)
  --agent ID        who claims (default: $RELAY_AGENT, the Claude session id, else pid-PID@HOST)
  --steal-stale     also take URLs whose claim is older than the TTL
  --ttl-hours H     claim TTL (default: queue-stale-claim's ttlHours in the config, else 24)
  --json            print [{"url","agent","at","line","stolenFrom"?}]
`,done:`Usage: relay done URL... [--agent ID] [--output PATH] [--json]
       relay done - < urls.txt

Moves each URL from urls_todo.md to urls_done.md as
"(completed YYYY-MM-DD, by ID, output PATH)". A URL that was not pending is recorded as done
too; one already done is left alone (and removed from urls_todo.md if still there).
Rejected URLs (not a URL, listed twice) are listed on stderr and give exit 1.

  --agent ID        who completed them (default as for claim)
  --output PATH     the file the work produced (no spaces, commas, semicolons or parentheses)
  --json            print {"completed":[...],"rejected":[...]}
`,release:`Usage: relay release URL... [--agent ID] [--force] [--json]
       relay release --all [--agent ID]

Removes the claim from pending URLs so they can be claimed again. Another agent's claim is
refused unless --force. --all releases every claim the agent holds.
`,add:`Usage: relay add URL... [--json]
       relay add - < urls.txt

Appends new URLs to urls_todo.md. URLs already pending or done (compared after
normalisation) are rejected and listed on stderr with exit 1; the others are still added.
With "-", reads URLs from stdin: one per line, "- URL" list lines accepted, "#" lines skipped.
`,status:`Usage: relay status [--ttl-hours H] [--json]

Counts pending (claimed, unclaimed) and done URLs, claims per agent, and stale claims.
Reads without the lock.
`,brief:`Usage: relay brief [--budget CHARS]

Prints the session briefing: the same text the SessionStart hook injects
(default budget ${W} characters).
`,postmortem:`Usage: relay postmortem new "TITLE" [--date YYYY-MM-DD] [--session ID]
                              [--what TEXT] [--fix TEXT] [--prevention TEXT] [--json]

Writes postmortems/DATE-slug.md in the protocol template. Sections not given get
placeholders that protocol-lint reports (postmortem-placeholder) until they are written.
Refuses to overwrite an existing file (exit 1). Prints the new file's path.
  --date      default: today (UTC)
  --session   default: $CLAUDE_SESSION_ID when set, else no Session ID line
`,"merge-driver":`Usage: relay merge-driver BASE OURS THEIRS PATH

Called by git as "merge.relay-queue.driver" (relay init sets it up). Merges the queue files
item by item into OURS and exits 0; exits 1 (a conflict git marks) only for binary or
non-UTF-8 input. See docs/sharing-through-git.md.
`},Le=new Set(["init","claim","done","release","add","status","brief","postmortem","merge-driver","help"]);async function Xe(e){let n,t=0;for(;t<e.length;t++){let u=e[t];if(u==="--root"){let g=e[t+1];if(g===void 0)return f("relay","Missing a directory after `--root`");n=g,t++}else if(u.startsWith("--root="))n=u.slice(7);else{if(u==="-h"||u==="--help")return{code:0,stdout:C.relay};break}}let r=e[t];if(r===void 0)return f("relay","Missing a command");if(!Le.has(r))return f("relay",`Unknown command \`${r}\`, expected one of ${[...Le].map(u=>`\`${u}\``).join(", ")}`);if(r==="help"){let u=e[t+1];return{code:0,stdout:C[u??"relay"]??C.relay}}let o=e.slice(t+1);if(r==="merge-driver")return ft(o);let s=nt(r,o);if("code"in s)return s;let{values:i,positionals:l}=s;if(i.help)return{code:0,stdout:C[r]};typeof i.root=="string"&&(n=i.root);let c=n===void 0?M(process.cwd()):Ee(n),a=P(c);if(!a.ok)return{code:2,stderr:`relay: ${a.error}
`};let d={root:c,config:a.config,values:i,positionals:l};switch(r){case"init":return rt(d);case"claim":return st(d);case"done":return it(d);case"release":return at(d);case"add":return lt(d);case"status":return dt(d);case"brief":return ct(d);default:return mt(d)}}var Ze={root:{type:"string"},help:{type:"boolean",short:"h"}},G={agent:{type:"string"}},R={json:{type:"boolean"}},Ie={"ttl-hours":{type:"string"}},et={init:{},claim:{...G,...R,...Ie,count:{type:"string",short:"n"},"steal-stale":{type:"boolean"}},done:{...G,...R,output:{type:"string"}},release:{...G,...R,all:{type:"boolean"},force:{type:"boolean"}},add:{...R},status:{...R,...Ie},brief:{budget:{type:"string"}},postmortem:{...R,date:{type:"string"},session:{type:"string"},what:{type:"string"},fix:{type:"string"},prevention:{type:"string"}}},tt=new Set(["done","release","add","postmortem"]);function nt(e,n){try{let{values:t,positionals:r}=ze({args:n,options:{...Ze,...et[e]},allowPositionals:!0,strict:!0});return!tt.has(e)&&r.length>0&&!t.help?f(e,`Unexpected argument \`${r[0]}\`, expected options only`):{values:t,positionals:r}}catch(t){if((t.code??"").startsWith("ERR_PARSE_ARGS"))return f(e,t.message.replace(/\.$/,""));throw t}}function f(e,n){let t=e==="relay"?"relay --help":`relay ${e} --help`;return{code:2,stderr:`relay: ${n}; see \`${t}\`
`}}function O(e){return{code:1,stderr:`relay: ${e.error}
`}}function K(e,n){let t=e.values.agent;return typeof t!="string"?ne():te(t)?t:f(n,`Unexpected agent id \`${t}\`, expected one word without spaces, commas, semicolons or parentheses`)}function Te(e,n){let t=e.values["ttl-hours"];if(typeof t!="string")return de(e.config);let r=Number(t);return!Number.isFinite(r)||r<=0?f(n,`Unexpected \`--ttl-hours ${t}\`, expected a positive number of hours`):r}function rt(e){let n=ve(e.root,e.config,{driverCommand:$e(ot())}),t=n.changes.map(r=>`${r}
`).join("");return n.ok?{code:0,stdout:t===""?"":t,stderr:t===""?`relay: \`${e.root}\` is already set up; nothing to change
`:""}:{code:1,stdout:t,stderr:`relay: ${n.error}
`}}function ot(){let e=Ve(import.meta.url);return e.endsWith(".ts")?Ee(Je(e),"../../dist/relay.mjs"):e}function st(e){let n=K(e,"claim");if(typeof n!="string")return n;let t=Te(e,"claim");if(typeof t!="number")return t;let r=typeof e.values.count=="string"?e.values.count:"1",o=Number(r);if(!/^\d+$/.test(r)||o<1||o>1e4)return f("claim",`Unexpected \`-n ${r}\`, expected a whole number from 1 to 10000`);let s=ue(e.root,e.config,{count:o,agent:n,now:S(),ttlHours:t,stealStale:e.values["steal-stale"]===!0});if(!s.ok)return O(s);let i="";for(let l of s.claimed)l.stolenFrom!==void 0&&(i+=`relay: took over \`${l.url}\` from \`${l.stolenFrom}\`, whose claim was older than ${t} h
`);if(s.claimed.length===0&&(i+=s.stale>0?`relay: nothing to claim; ${s.stale} pending URLs have claims older than ${t} h, \`relay claim --steal-stale\` takes them
`:`relay: nothing to claim in \`${e.config.layout.todo}\`; every pending URL is claimed or the queue is empty
`),e.values.json){let l=s.claimed.map(({key:c,...a})=>a);return{code:0,stdout:JSON.stringify(l)+`
`,stderr:i}}return{code:0,stdout:s.claimed.map(l=>`${l.url}
`).join(""),stderr:i}}function J(e){let n=[];for(let t of e.positionals){if(t!=="-"){n.push(t);continue}for(let r of Ke(0,"utf8").split(/\r?\n/)){let o=r.trim().replace(/^[-*+]\s+/,"");o===""||o.startsWith("#")||n.push(o.split(/\s+/)[0])}}return n}function V(e,n){return n.map(t=>`relay ${e}: rejected \`${t.url}\`: ${t.reason}
`).join("")}function it(e){let n=K(e,"done");if(typeof n!="string")return n;let t=e.values.output;if(typeof t=="string"&&!/^[^\s,;()]+$/.test(t))return f("done",`Unexpected output path \`${t}\`, expected a path without spaces, commas, semicolons or parentheses`);if(e.positionals.length===0)return f("done","Missing URLs, expected `relay done URL...` or `relay done -` with URLs on stdin");let r=J(e);if(r.length===0)return{code:0,stderr:`relay done: no URLs on stdin; nothing to do
`};let o={urls:r,agent:n,now:S()};typeof t=="string"&&(o.output=t);let s=ce(e.root,e.config,o);if(!s.ok)return O(s);let i="";for(let a of s.completed)a.status==="already-done"&&(i+=`relay done: \`${a.url}\` was already done; left as it is
`),a.status==="completed-not-pending"&&(i+=`relay done: \`${a.url}\` was not pending; recorded as done
`),a.claimedBy!==void 0&&(i+=`relay done: \`${a.url}\` was claimed by \`${a.claimedBy}\`, not \`${n}\`
`);i+=V("done",s.rejected);let l=s.rejected.length>0?1:0;if(e.values.json)return{code:l,stdout:JSON.stringify({completed:s.completed.map(({key:a,...d})=>d),rejected:s.rejected})+`
`,stderr:i};let c=s.completed.filter(a=>a.status!=="already-done").map(a=>`${a.url}
`).join("");return{code:l,stdout:c,stderr:i}}function at(e){let n=K(e,"release");if(typeof n!="string")return n;let t=e.values.all===!0;if(e.positionals.length===0&&!t)return f("release","Missing URLs, expected `relay release URL...` or `relay release --all`");let r=J(e),o=me(e.root,e.config,{urls:r,all:t,agent:n,force:e.values.force===!0});if(!o.ok)return O(o);let s="";for(let c of o.released)c.status==="not-claimed"&&(s+=`relay release: \`${c.url}\` was not claimed; left as it is
`);t&&o.released.length===0&&(s+=`relay release: \`${n}\` holds no claims
`),s+=V("release",o.rejected);let i=o.rejected.length>0?1:0;if(e.values.json)return{code:i,stdout:JSON.stringify({released:o.released.map(({key:c,...a})=>a),rejected:o.rejected})+`
`,stderr:s};let l=o.released.filter(c=>c.status==="released").map(c=>`${c.url}
`).join("");return{code:i,stdout:l,stderr:s}}function lt(e){if(e.positionals.length===0)return f("add","Missing URLs, expected `relay add URL...` or `relay add -` with URLs on stdin");let n=J(e);if(n.length===0)return{code:0,stderr:`relay add: no URLs on stdin; nothing to do
`};let t=fe(e.root,e.config,{urls:n});if(!t.ok)return O(t);let r=V("add",t.rejected),o=t.rejected.length>0?1:0;return e.values.json?{code:o,stdout:JSON.stringify({added:t.added,rejected:t.rejected})+`
`,stderr:r}:{code:o,stdout:t.added.map(s=>`${s}
`).join(""),stderr:r}}function dt(e){let n=Te(e,"status");if(typeof n!="number")return n;let t=pe(e.root,e.config,{now:S(),ttlHours:n});if(!t.ok)return O(t);if(e.values.json){let{ok:r,...o}=t;return{code:0,stdout:JSON.stringify(o,null,2)+`
`}}return{code:0,stdout:ut(t,e.config)}}function ut(e,n){let t=[];e.todoExists||t.push(`no \`${n.layout.todo}\` yet; run \`relay init\``),t.push(`pending  ${e.pending} (${e.claimed} claimed, ${e.unclaimed} unclaimed)`),t.push(`done     ${e.done}`);let r=Object.entries(e.claimsByAgent).sort((s,i)=>i[1]-s[1]||(s[0]<i[0]?-1:1));if(r.length>0&&t.push(`claims   ${r.map(([s,i])=>`${s} ${i}`).join(", ")}`),e.staleClaims.length>0){t.push(`stale    ${e.staleClaims.length} claims older than ${e.ttlHours} h (\`relay claim --steal-stale\` or \`relay release --force URL\`):`);for(let s of e.staleClaims.slice(0,20))t.push(`  ${n.layout.todo}:${s.line}  ${s.url}  ${s.agent}${s.at?` at ${s.at}`:" (no time)"}`);e.staleClaims.length>20&&t.push(`  \u2026 and ${e.staleClaims.length-20} more (\`relay status --json\` lists all)`)}e.next.length>0&&t.push(`next     ${e.next.join(`
         `)}`);let o=[];return e.overlap>0&&o.push(`${e.overlap} URLs in both queues (done wins)`),e.duplicates>0&&o.push(`${e.duplicates} duplicate lines`),e.syntaxProblems>0&&o.push(`${e.syntaxProblems} lines that are not queue items`),o.length>0&&t.push(`problems ${o.join(", ")}; run \`protocol-lint --fix\``),t.join(`
`)+`
`}function ct(e){let n=typeof e.values.budget=="string"?e.values.budget:String(W),t=Number(n);if(!/^\d+$/.test(n)||t<200)return f("brief",`Unexpected \`--budget ${n}\`, expected a whole number of characters, at least 200`);let r=X(e.root,e.config,{budget:t});return{code:0,stdout:r.endsWith(`
`)?r:`${r}
`}}function mt(e){let[n,t,...r]=e.positionals;if(n!=="new")return f("postmortem",n===void 0?'Missing `new`, expected `relay postmortem new "TITLE"`':`Unknown action \`${n}\`, expected \`new\``);if(t===void 0||t.trim()==="")return f("postmortem",'Missing a title, expected `relay postmortem new "TITLE"`');if(r.length>0)return f("postmortem",`Unexpected argument \`${r[0]}\`; quote a title with spaces`);if(/[\r\n]/.test(t))return f("postmortem","Unexpected line break in the title, expected one line");let o=typeof e.values.date=="string"?e.values.date:re(S());if(!ee(o))return f("postmortem",`Unexpected \`--date ${o}\`, expected a real calendar day as YYYY-MM-DD`);let s=typeof e.values.session=="string"?e.values.session:process.env.CLAUDE_SESSION_ID,i={title:t,date:o};s&&(i.session=s);for(let d of["what","fix","prevention"]){let u=e.values[d];typeof u=="string"&&(i[d]=u)}let l=Se(e.root,e.config,i);if(!l.ok)return{code:1,stderr:`relay postmortem: ${l.error}
`};let c={what:"What Went Wrong",fix:"How It Was Fixed",prevention:"Prevention"},a=l.placeholders.length===0?"":`relay postmortem: fill in ${l.placeholders.map(d=>`\`## ${c[d]}\``).join(", ")} in \`${l.path}\`; protocol-lint reports the placeholders until then
`;return e.values.json?{code:0,stdout:JSON.stringify({path:l.path,placeholders:l.placeholders})+`
`,stderr:a}:{code:0,stdout:`${l.path}
`,stderr:a}}function ft(e){if(e[0]==="-h"||e[0]==="--help")return{code:0,stdout:C["merge-driver"]};if(e.length!==4)return f("merge-driver",`Unexpected ${e.length} arguments, expected 4: \`%O %A %B %P\``);let[n,t,r,o]=e,s=ke({base:n,ours:t,theirs:r,pathname:o},process.cwd());return s.ok?{code:0}:{code:1,stderr:`relay merge-driver: ${s.reason}
`}}async function pt(){let e;try{e=await Xe(process.argv.slice(2))}catch(n){e={code:2,stderr:`relay: internal error, please report it: ${n instanceof Error?n.stack??n.message:String(n)}
`}}e.stdout&&process.stdout.write(e.stdout),e.stderr&&process.stderr.write(e.stderr),process.exitCode=e.code}await pt();
