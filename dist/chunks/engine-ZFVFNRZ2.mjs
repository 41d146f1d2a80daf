import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{c as a,d as b}from"./chunk-G6JNIAIK.mjs";import"./chunk-GCCAXMQP.mjs";import"./chunk-GLUY2W5N.mjs";import"./chunk-IUZNDAFW.mjs";import"./chunk-GWVY3I6W.mjs";export{a as DOCS_BASE,b as lint};
