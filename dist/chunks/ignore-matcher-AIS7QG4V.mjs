import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{a}from"./chunk-VPL4XL26.mjs";import"./chunk-PA4SNHSK.mjs";import"./chunk-VRD5SWZG.mjs";import"./chunk-GUFRTAQE.mjs";import"./chunk-PYJM3NOR.mjs";import"./chunk-5UF426KE.mjs";import"./chunk-EIV7IH2F.mjs";import"./chunk-GWVY3I6W.mjs";export{a as ignoreMatcher};
