import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-G65J6RKG.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-LDJ6LE5M.mjs";import"./chunk-3HZIDGRT.mjs";import"./chunk-4UISW2AI.mjs";import"./chunk-NPTR3MWM.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
