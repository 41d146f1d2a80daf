import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-OBFR7GNB.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-LFZ3JFJC.mjs";import"./chunk-N7UZR44O.mjs";import"./chunk-FSSNHD6B.mjs";import"./chunk-FFYUFERZ.mjs";import"./chunk-K24XVSHQ.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
