// Bundles the CLIs and the hook entry points into committed ESM files under dist/.
// Shared code goes to dist/chunks/ (esbuild code splitting), so a hook loads only what it
// imports; the Markdown tree parser is behind a dynamic import and loads only when needed.
// The output is deterministic: CI rebuilds and checks that git sees no change.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';

const entryPoints = {
  'protocol-lint': 'src/cli/protocol-lint.ts',
  relay: 'src/cli/relay.ts',
  'hooks/session-start': 'src/hooks/session-start.ts',
  'hooks/post-tool-use': 'src/hooks/post-tool-use.ts',
  'hooks/stop': 'src/hooks/stop.ts',
};
for (const [name, file] of Object.entries(entryPoints)) {
  if (!existsSync(file)) delete entryPoints[name];
}

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  minify: true,
  keepNames: false,
  sourcemap: false,
  logLevel: 'warning',
  // CommonJS dependencies (gray-matter, js-yaml) call require(); give ESM bundles one.
  banner: { js: "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);" },
});
