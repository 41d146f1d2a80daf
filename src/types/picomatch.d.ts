// picomatch ships no types; this is the one call relay makes (src/lint/path-filter.ts).
declare module 'picomatch' {
  function picomatch(patterns: string | readonly string[], options?: { dot?: boolean }): (path: string) => boolean;
  export default picomatch;
}
