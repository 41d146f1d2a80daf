import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a as p}from"./chunk-R6XOUNU5.mjs";import{b as I}from"./chunk-CRP64Q65.mjs";import{a as l}from"./chunk-IKRKBWSP.mjs";import{spawnSync as O}from"node:child_process";import{createHash as z,randomBytes as A}from"node:crypto";import{spawnSync as N}from"node:child_process";function R(t,i,n={}){let e=N("git",t,{cwd:i,encoding:"utf8",input:n.input??"",env:{...process.env,GIT_TERMINAL_PROMPT:"0",...n.env},maxBuffer:268435456});if(e.error)return{code:-1,stdout:"",stderr:e.error.code==="ENOENT"?"git is not installed":String(e.error.message)};let r={code:e.status??-1,stdout:e.stdout??"",stderr:e.stderr??""};return l("git",()=>`git ${t.join(" ")} -> ${r.code}${r.code===0?"":`: ${$(r.stderr)}`}`),r}function $(t){return(t.split(`
`).map(n=>n.trim()).find(n=>n!==""&&!n.startsWith("hint:"))??"").replace(/^(fatal|error):\s*/,"")}var B={GIT_AUTHOR_NAME:"relay",GIT_AUTHOR_EMAIL:"relay@localhost",GIT_COMMITTER_NAME:"relay",GIT_COMMITTER_EMAIL:"relay@localhost"};var h="refs/relay/claims/",C="refs/relay/ids/",y=4096,E=300,j=/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;function b(t){return h+z("sha256").update(t,"utf8").digest("hex")}function Y(t,i){return`${C}${t}/${i}`}function J(t,i){let n=t.slice(`${C}${i}/`.length);return/^[0-9]{1,9}$/.test(n)?Number(n):void 0}function G(t){let i=t.replace(j,"");return i.length>E?i.slice(0,E-1)+"\u2026":i}function q(t){return`relay ${t.state} ${t.url}

url: ${t.url}
agent: ${t.agent}
host: ${t.host}
run: ${t.run}
at: ${t.at}
nonce: ${T()}
`}function K(t,i,n){return`relay id ${t} ${i}

agent: ${n.agent}
host: ${n.host}
run: ${n.run}
at: ${n.at}
nonce: ${T()}
`}function T(){return A(8).toString("hex")}function S(t,i){let n=/^relay (claim|done) /.exec(t);if(!n)return;let e=new Map;for(let g of t.split(`
`)){let c=/^([a-z]+): ?(.*)$/.exec(g);c&&!e.has(c[1])&&e.set(c[1],c[2])}let r=e.get("url"),a=e.get("agent");if(r===void 0||a===void 0)return;let u=p(r);if(!u.ok||b(u.key)!==i)return;let o=g=>G(e.get(g)??"");return{state:n[1],url:r,agent:o("agent"),host:o("host"),run:o("run"),at:o("at")}}var x=new Map;function _(t,i){let n=R(["for-each-ref","--format=%(objectname) %(objecttype) %(objectsize) %(refname)",...i],t);if(n.code!==0)return{ok:!1,error:`Cannot read the refs here: ${$(n.stderr)}`};let e=new Map;for(let r of n.stdout.split(`
`)){let[a,u,o,g]=r.split(" ");g!==void 0&&(e.set(g,a),x.set(a,`${a} ${u} ${o}`))}return e}function w(t,i,n){let e=new Map;for(let s of n)i.has(s)&&e.set(i.get(s),void 0);let r=()=>new Map(n.map(s=>[s,i.has(s)?e.get(i.get(s)):void 0]));if(e.size===0)return r();let a=[...e.keys()].filter(s=>!x.has(s)),u=a.length===0?"":R(["cat-file","--batch-check"],t,{input:a.join(`
`)+`
`}).stdout,o=[...[...e.keys()].map(s=>x.get(s)??""),...u.split(`
`)].map(s=>s.split(" ")).filter(([s,d,m])=>d==="commit"&&Number(m)<=y&&e.has(s));if(o.length<e.size&&l("claims",()=>`${e.size-o.length} refs hold no record (missing, not a commit, or over ${y} bytes); skipped`),o.length===0)return r();let c=O("git",["cat-file","--batch"],{cwd:t,input:o.map(([s])=>s).join(`
`)+`
`,maxBuffer:(y+128)*o.length+65536}).stdout??Buffer.alloc(0),f=0;for(let[s]of o){let d=c.indexOf(10,f);if(d===-1)break;let m=Number(c.subarray(f,d).toString("latin1").split(" ")[2]),M=c.subarray(d+1,d+1+m).toString("utf8");f=d+2+m;let k=M.indexOf(`

`);e.set(s,k===-1?"":M.slice(k+2))}return r()}function L(t,i,n){let e=i??t.list([`${h}*`]);if(!(e instanceof Map))return e;let r=n&&[...n],a=r&&r.length<e.size?new Set(r.map(b)):void 0,u=[...e.keys()].filter(f=>f.startsWith(h)&&(!a||a.has(f))).sort(),o=t.read(e,u),g=[],c=[];for(let f of u){let s=o.get(f)===void 0?void 0:S(o.get(f),f);s===void 0?c.push(f):g.push({...s,ref:f,id:e.get(f),key:p(s.url).key})}return c.length>0&&l("claims",()=>`${c.length} foreign refs${t.where} skipped: ${c.slice(0,5).join(", ")}`),{ok:!0,entries:g,foreign:c}}function nt(t,i){if(I(t)===void 0)return;let n=L({where:"",list:r=>_(t,r),read:(r,a)=>w(t,r,a)},void 0,i);if(!n.ok){l("claims",`reading the claims here: ${n.error}`);return}let e={claimed:new Map,completed:new Set,foreign:n.foreign.length};for(let r of n.entries)r.state==="done"?e.completed.add(r.key):e.claimed.set(r.key,r.at?{agent:r.agent,at:r.at}:{agent:r.agent});return e}export{R as a,$ as b,B as c,h as d,C as e,b as f,Y as g,J as h,G as i,q as j,K as k,S as l,_ as m,w as n,L as o,nt as p};
