// Bundles the CLIs and the hook entry points into one set of committed ESM files under dist/
// (the plugin's plugin/dist is a link to it). Shared code goes to dist/chunks/ (esbuild code
// splitting), so each entry loads only what it imports; what only some runs need (the Markdown
// tree parser, fast-glob, the engine for a hook) is behind a dynamic import and loads when needed.
// The output is deterministic: CI rebuilds and checks that git sees no change.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const entryPoints = {
  relay: 'src/cli/relay.ts',
  'protocol-lint': 'src/cli/protocol-lint.ts',
  'hooks/session-start': 'src/hooks/session-start.ts',
  'hooks/post-tool-use': 'src/hooks/post-tool-use.ts',
  'hooks/stop': 'src/hooks/stop.ts',
};
for (const [name, file] of Object.entries(entryPoints)) {
  if (!existsSync(file)) delete entryPoints[name];
}

// js-yaml 3 (gray-matter's YAML engine) loads esprima at run time, through a require esbuild
// cannot see, to support `!!js/function` tags. relay reads YAML with the core schema and
// never runs front matter, so the bundle never loads esprima (it cost ~10 ms a run when a
// node_modules/ beside dist/ had it).
const noEsprima = {
  name: 'no-esprima',
  setup(builder) {
    builder.onLoad({ filter: /js-yaml[\\/]lib[\\/]js-yaml[\\/]type[\\/]js[\\/]function\.js$/ }, async (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes("_require('esprima')")) throw new Error(`${args.path}: the esprima require moved; update scripts/build.mjs`);
      return { contents: source.replace("_require('esprima')", 'undefined'), loader: 'js' };
    });
  },
};

const shared = {
  write: false,
  bundle: true,
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  minify: true,
  keepNames: false,
  sourcemap: false,
  logLevel: 'warning',
  plugins: [noEsprima],
};

const esm = await build({
  ...shared,
  entryPoints,
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (gray-matter, js-yaml) call require(); give ESM bundles one.
  banner: { js: "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);" },
});
const result = esm;

// Write only what changed and remove stale files afterwards, so processes running the
// bundles while a build happens never find dist/ missing.
const written = new Set();
for (const file of result.outputFiles) {
  const path = relative(process.cwd(), file.path);
  written.add(path);
  mkdirSync(dirname(path), { recursive: true });
  if (existsSync(path) && Buffer.compare(readFileSync(path), Buffer.from(file.contents)) === 0) continue;
  writeFileSync(path, file.contents);
}
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
for (const path of walk('dist')) if (!written.has(path)) rmSync(path);
for (const dir of readdirSync('dist', { withFileTypes: true })) {
  if (dir.isDirectory() && readdirSync(join('dist', dir.name)).length === 0) rmSync(join('dist', dir.name), { recursive: true });
}
