import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-YNTTFMST.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-53RGBY66.mjs";import"./chunk-FRN6YFFS.mjs";import"./chunk-FSSNHD6B.mjs";import"./chunk-A6PMRP2F.mjs";import"./chunk-K24XVSHQ.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
