#!/usr/bin/env -S node --min-semi-space-size=2
// kiada — also installed as kubectl-kiada, so `kubectl kiada <command>` works like a krew plugin.
// This file is plain JavaScript on purpose: it must run far enough on an old Node to say what is needed. CommonJS
// too: with a CommonJS entry Node does not set up its ES module loader for a command that needs none (fast.cjs is a
// vm.Script): ~0.5 ms of each API command's start (bench/README.md). The first line gives V8 a young generation of
// 2 MB (its default, 1 MB, fills as node:tls loads: a scavenge, ~1.5 ms of every API command); `env -S` splits it
// into words (GNU coreutils 8.30 and later, macOS, the BSDs; not busybox: there run `node` with this file).
const [major, minor] = process.versions.node.split('.').map(Number);
// As `engines` says (^22.19.0 || >=24): undici 8, under client-node, needs 22.19.
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `kiada needs Node 24 (or 22.19 and later), which run TypeScript directly; this is Node ${process.versions.node}.\n` +
      '`npm install` put Node 24 in node_modules/.bin: put that first on the PATH (`export PATH=$PWD/node_modules/.bin:$PATH`\n' +
      'in the repository), or run kiada through npm, which does it for its scripts: `npx kiada …`, `npm start`.\n',
  );
  process.exit(1);
}

// `npm install` bundles the CLI (tools/scripts/bundle.js): plain JavaScript, each command loading only what it
// runs. It is used while it matches the sources; else the sources run, with client-node in one file if there is
// one. KIADA_NO_BUNDLE=1 runs the sources with client-node as published.
const argv = process.argv.slice(2);
const bundle = process.env.KIADA_NO_BUNDLE ? undefined : require('../../scripts/bundled.cjs');

async function run() {
  let entry = bundle?.freshCliEntry(undefined, undefined, argv);
  // The commands that only make HTTPS calls run from fast.cjs, with a V8 code cache of its own, unless it finds it
  // needs the whole CLI.
  if (bundle && entry?.endsWith('.cjs')) {
    const code = await bundle.runFast(entry, argv);
    if (code !== undefined) return code;
    entry = bundle.freshCliEntry();
  }
  // For the rest, later runs skip compiling what an earlier one compiled (the cache is keyed by each file's content).
  // Node's default directory is shared by all users: once root made it (`sudo kiada lab up`), no one else can write
  // there; then a directory of one's own.
  const nodeModule = process.getBuiltinModule('node:module');
  const compileCache = nodeModule.enableCompileCache?.();
  if (compileCache?.status === nodeModule.constants.compileCacheStatus.FAILED) {
    nodeModule.enableCompileCache(`${process.getBuiltinModule('node:os').tmpdir()}/node-compile-cache-${process.getuid?.()}`);
  }
  if (bundle && entry) bundle.resolveWithin(entry);
  else bundle?.useClientNodeBundle();
  const { main } = await import(entry ?? '../main.ts');
  return main(argv);
}

// exit explicitly: idle keep-alive connections of the API client must not keep the process alive. An error the
// command did not report (main reports its own) is thrown again, as an uncaught one: Node prints it and exits 1.
run().then(
  (code) => process.exit(code),
  (err) => process.nextTick(() => {
    throw err;
  }),
);
