import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-PBQTYNGX.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-YOD6CJ3V.mjs";import"./chunk-FCAWAWSF.mjs";import"./chunk-PYJM3NOR.mjs";import"./chunk-2QQCWTPL.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
