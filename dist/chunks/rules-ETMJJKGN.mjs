import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{b as a,c as b}from"./chunk-7D2R4ROK.mjs";import"./chunk-ZYPNW5YT.mjs";import"./chunk-S3R2JQHX.mjs";import"./chunk-WPM4WA23.mjs";import"./chunk-GWVY3I6W.mjs";export{b as ruleById,a as rules};
