import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-FTYNB5MX.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-HHD6EGUF.mjs";import"./chunk-4T7HHFTX.mjs";import"./chunk-FSSNHD6B.mjs";import"./chunk-SJTG3GN4.mjs";import"./chunk-IKRKBWSP.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
