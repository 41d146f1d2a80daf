import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);
var n=Symbol.for("relay.GitError"),r=class extends Error{[n]=!0;static[Symbol.hasInstance](o){return typeof o=="object"&&o!==null&&o[n]===!0}};export{r as a};
