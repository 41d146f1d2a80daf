import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
import{b as a}from"./chunk-PA4SNHSK.mjs";import{a as o}from"./chunk-HHD6EGUF.mjs";import{d as t}from"./chunk-4T7HHFTX.mjs";import{d as n}from"./chunk-GWVY3I6W.mjs";var e=n(a(),1);function c(r){return r.length===0?o:(0,e.default)([...t,...r],{dot:!0})}export{c as a};
