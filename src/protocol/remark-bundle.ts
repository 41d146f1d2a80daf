/**
 * unified and remark-parse in one module, built as their own CommonJS file
 * (dist/cjs/remark.cjs) beside protocol-lint's bundle: a third of that bundle, needed only for
 * documents the linear scan cannot read for certain, so it is left out of the code every run
 * reads and compiles (scripts/build.mjs). markdown-tree.ts imports the packages by name.
 */
export { unified } from 'unified';
export { default as remarkParse } from 'remark-parse';
