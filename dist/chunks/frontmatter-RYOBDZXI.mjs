import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{b as a}from"./chunk-VNB7OUIP.mjs";import"./chunk-GWVY3I6W.mjs";export{a as readFrontMatter};
