import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
function u(o){let e=/^(\d{4})-(\d{2})-(\d{2})$/.exec(o);if(!e)return!1;let[a,n,r]=[Number(e[1]),Number(e[2]),Number(e[3])],t=new Date(Date.UTC(a,n-1,r));return t.getUTCFullYear()===a&&t.getUTCMonth()===n-1&&t.getUTCDate()===r}export{u as a};
