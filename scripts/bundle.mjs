// The daemon bundled (dist/bundle/main.js, and the bcrypt worker's own entry), as CommonJS: a start
// reads a handful of files instead of ~300 modules, which was most of a start on a slow disk or a 9p
// guest (docs/benchmark-findings.md, "one file to start"); and an ES module entry would load node's
// ESM loader, fs/promises and a started threadpool for good, ~0.7 MB of RSS ("the ESM loader").
// koffi stays outside (a native addon); ajv and yaml stay outside because src/config/lazy.ts
// requires them at run time, on first use.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

// fastify's default schema compilers (Ajv, fast-json-stringify): the server passes its own
// (src/server/schema-compilers.ts), so they are left out; a require of one would throw
const defaultCompilersLeftOut = {
  name: 'default-compilers-left-out',
  setup(b) {
    b.onResolve({ filter: /^@fastify\/(ajv-compiler|fast-json-stringify-compiler)$/ }, (a) => ({ path: a.path, namespace: 'left-out' }));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`${a.path} is not in the bundle: the server passes its own schema compilers (src/server/schema-compilers.ts)`)});`,
      loader: 'js',
    }));
  },
};

// fastify's server.js requires node:https, node:http2 and node:dns when it loads, to use them only
// for an https or http2 server or a listen host to resolve: with the TLS stack they pull in, ~2.9 MB
// of RSS (docs/benchmark-findings.md). Each is required on its first use instead.
const lazyServerBuiltins = {
  name: 'lazy-server-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:(https|http2|dns)$/ }, (a) => (a.importer.includes('/node_modules/fastify/') ? { path: a.path, namespace: 'lazy-builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (a) => ({
      contents: `let m; module.exports = new Proxy({}, { get: (_, key) => (m ??= require(${JSON.stringify(a.path)}))[key] });`,
      loader: 'js',
    }));
  },
};

// Loaded for good at start, used only on a path the daemon never takes: pino's transports (a worker
// thread each; the daemon logs to stdout) and commander's executable subcommands (it has none).
// Each stub loads the real module on first use: a constructor for thread-stream, a proxy for child_process.
const lazyUnusedPaths = {
  name: 'lazy-unused-paths',
  setup(b) {
    b.onResolve({ filter: /^thread-stream$/ }, (a) => (a.importer.includes('/node_modules/pino/') ? { path: a.path, namespace: 'lazy-ctor' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-ctor' }, (a) => ({
      contents: `let C; module.exports = function Lazy(...args) { return new (C ??= require(${JSON.stringify(a.path)}))(...args); };`,
      loader: 'js',
      resolveDir: process.cwd(),
    }));
    b.onResolve({ filter: /^node:child_process$/ }, (a) => (a.importer.includes('/node_modules/commander/') ? { path: a.path, namespace: 'lazy-builtin' } : undefined));
  },
};

// an earlier build's files (the ES module chunks of before) would stay beside the new ones, and the package copies the directory whole
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['dist/src/main.js', 'dist/src/config/bcrypt-thread.js'],
  outdir: 'dist/bundle',
  entryNames: '[name]',
  bundle: true,
  platform: 'node',
  // main.ts imports the logger and the daemon lazily (--help, --version and bad flags need neither):
  // in one CommonJS file their modules are still evaluated only on that import
  format: 'cjs',
  target: 'node20',
  external: ['koffi'],
  plugins: [defaultCompilersLeftOut, lazyServerBuiltins, lazyUnusedPaths],
  // the sources' import.meta.url (the package root, createRequire, the worker's file) is the bundle's own
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "'use strict'; const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  legalComments: 'none',
  // V8 holds the bundle's source for good (lazy compilation): without comments and blanks 1.23 MB
  // is 0.83 MB, 0.5 MB of RSS. Names are kept (fastify and avvio name plugins by their functions);
  // positions in a stack map back through the linked source map (node --enable-source-maps).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
// the package is "type": "module"; this marks the bundle's .js files CommonJS (a package.json
// without a name: src/package-root.ts looks past it for the package's own)
writeFileSync('dist/bundle/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);

// V8 keeps each script's source as a string, two bytes a character if one character is not ASCII:
// one arrow in a kept comment doubled the daemon chunk's 1 MB. esbuild escapes strings, not comments.
for (const f of readdirSync('dist/bundle').filter((n) => n.endsWith('.js'))) {
  const text = readFileSync(`dist/bundle/${f}`, 'utf8');
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) {
    process.stderr.write(`bundle: dist/bundle/${f} has a non-ASCII character at ${at} (${JSON.stringify(text.slice(Math.max(0, at - 40), at + 10))}): write it in ASCII in the source\n`);
    process.exit(1);
  }
}
