import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-SARX547D.mjs";import"./chunk-GWVY3I6W.mjs";export{a as formatClaude};
