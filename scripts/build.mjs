// Bundles the CLIs and the hook entry points into committed ESM files under dist/.
// Shared code goes to dist/chunks/ (esbuild code splitting), so a hook loads only what it
// imports; the Markdown tree parser is behind a dynamic import and loads only when needed.
// protocol-lint is CommonJS: its CLI is one file, dist/cjs/lint-cli.cjs, which its small first
// module (dist/protocol-lint.cjs) runs through V8's code cache (src/cli/cached-bundle.ts); the
// first module knows the bundle by its content hash, so a cache never outlives its bundle.
// The output is deterministic: CI rebuilds and checks that git sees no change.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const entryPoints = {
  relay: 'src/cli/relay.ts',
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

// Code some runs never need is kept out of the CLI bundle that every run reads and V8 caches,
// in CommonJS files of their own, required when first needed: the Markdown tree parser (a
// third of the CLI; only documents the linear scan cannot read for certain need it;
// src/protocol/remark-bundle.ts) and fast-glob (only runs that walk folders need it).
const apart = {
  unified: "{ unified: require('./remark.cjs').unified }",
  'remark-parse': "require('./remark.cjs').remarkParse",
  'fast-glob': "require('./fast-glob.cjs')",
};
const keepApart = {
  name: 'keep-apart',
  setup(builder) {
    builder.onResolve({ filter: /^(unified|remark-parse|fast-glob)$/ }, (args) => ({ path: args.path, namespace: 'apart' }));
    builder.onLoad({ filter: /.*/, namespace: 'apart' }, (args) => ({ contents: `module.exports = ${apart[args.path]};`, loader: 'js' }));
    builder.onResolve({ filter: /^\.\/(remark|fast-glob)\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};
const cli = await build({
  ...shared,
  entryPoints: { 'cjs/lint-cli': 'src/cli/lint-cli.ts', 'cjs/hook-lint': 'src/hooks/hook-lint.ts', 'cjs/session-start': 'src/hooks/session-start-hook.ts' },
  outdir: 'dist',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  plugins: [...shared.plugins, keepApart],
});
const remark = await build({
  ...shared,
  entryPoints: { 'cjs/remark': 'src/protocol/remark-bundle.ts', 'cjs/fast-glob': 'node_modules/fast-glob/out/index.js' },
  outdir: 'dist',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
});
// The bundles are read as latin1 (src/cli/cached-bundle.ts), exact only for ASCII.
for (const bundle of cli.outputFiles) {
  const nonAscii = bundle.contents.findIndex((byte) => byte > 0x7f);
  if (nonAscii !== -1) throw new Error(`${bundle.path} has a non-ASCII byte at ${nonAscii}: write it as an escape in the source`);
}

const launcher = await build({
  ...shared,
  entryPoints: { 'protocol-lint': 'src/cli/protocol-lint.ts' },
  outdir: 'dist',
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { __LINT_CLI_BUNDLED__: 'true' },
});

const esm = await build({
  ...shared,
  entryPoints,
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  define: { __HOOK_LINT_BUNDLED__: 'true' },
  // CommonJS dependencies (gray-matter, js-yaml) call require(); give ESM bundles one.
  banner: { js: "import { createRequire as __relayCreateRequire } from 'node:module'; const require = __relayCreateRequire(import.meta.url);" },
});
const result = { outputFiles: [...cli.outputFiles, ...remark.outputFiles, ...launcher.outputFiles, ...esm.outputFiles] };

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
