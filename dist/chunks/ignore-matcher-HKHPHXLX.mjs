import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-ENJ22KD2.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-VOI5JJS7.mjs";import"./chunk-LDAAYAQK.mjs";import"./chunk-FSSNHD6B.mjs";import"./chunk-BDYKRQSK.mjs";import"./chunk-IKRKBWSP.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
