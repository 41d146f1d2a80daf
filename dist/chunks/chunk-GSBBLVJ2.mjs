import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a as o}from"./chunk-PXHMN5FQ.mjs";import{fileURLToPath as t}from"node:url";async function i(){return o(t(new URL("../cjs/hook-lint.cjs",import.meta.url)),"hook")}export{i as a};
