import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-U5C2ZDRY.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-W44QGBQT.mjs";import"./chunk-HS6NZKQ5.mjs";import"./chunk-37IW7YKY.mjs";import"./chunk-2QQCWTPL.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
