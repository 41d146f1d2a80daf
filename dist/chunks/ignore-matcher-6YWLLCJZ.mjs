import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-IOBLLXBL.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-URCO5Q7C.mjs";import"./chunk-3H3IFEMO.mjs";import"./chunk-4UISW2AI.mjs";import"./chunk-2QQCWTPL.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
