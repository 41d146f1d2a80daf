import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-4O7RT7HR.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-LDZ7FGNW.mjs";import"./chunk-S5B77BIW.mjs";import"./chunk-4UISW2AI.mjs";import"./chunk-2QQCWTPL.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
