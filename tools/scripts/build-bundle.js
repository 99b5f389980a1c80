// The build behind `npm install`'s bundle of the CLI (bundle.js runs it), so that each command loads only what it
// runs, as plain JavaScript:
// - tools/.cache/cli/: the CLI from tools/src/cli.ts, type-stripped, @kubernetes/client-node tree-shaken, split at
//   each command's dynamic import (`kiada --version` loads ~70 kB, `kiada pod-ip` no API model, …). The bin runs
//   it while it matches the sources it was made from (manifest.json; bundled.cjs checks), else the sources as they are.
// - tools/.cache/client-node-<version>.mjs: client-node in one file, for that run from the sources (a resolve hook).
import fs from 'node:fs';
import path from 'node:path';
import * as nodeModule from 'node:module';
import { TOOLS, ROOT, CACHE_DIR, CLI_DIR, clientNodeBundle, sha256 } from './bundled.cjs';

// Resolves packages as the tools package sees them, and client-node's dependencies as client-node sees them.
const require = nodeModule.createRequire(path.join(TOOLS, 'package.json'));
const CLIENT_NODE_PKG = require.resolve('@kubernetes/client-node/package.json');
const fromClientNode = nodeModule.createRequire(CLIENT_NODE_PKG);
const LAZY_MODULE = path.join(TOOLS, 'scripts', 'lazy-module.js');

// CommonJS dependencies of the bundles require Node's built-ins.
const BANNER = "import { createRequire as __kiadaRequire } from 'node:module'; const require = __kiadaRequire(import.meta.url);";
// Native addons stay outside, loaded from node_modules at run time: bundled, bufferutil cannot find its binary and
// ws silently masks every WebSocket byte in JavaScript (port-forward's bulk speed).
const EXTERNAL = ['bufferutil', 'utf-8-validate'];
// What client-node's KubeConfig imports for requests, proxies and cloud logins: each becomes a file of its own
// (lazy-<name>.cjs), required at its first use. undici alone is 1 MB; none is needed to read a kubeconfig.
const LAZY_PACKAGES = ['undici', 'socks', 'socks-proxy-agent', 'hpagent', 'openid-client', 'jsonpath-plus'];
const CLIENT_NODE = /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]dist[\\/]/;
// The commands that only make HTTPS calls (they take an ApiCtx): the bin runs them from fast.cjs, the CLI's
// definitions and these commands in one file, with a V8 code cache made after a run (bundled.cjs: runFast), without
// the split bundle's ~25 chunks and modules to load one by one (bench/README.md).
export const FAST_COMMANDS = ['pod-ip', 'ports', 'logs', 'exec', 'curl-from-pod'];
// Command lines fast.cjs runs too, with the whole program defined: the help, the version and completion come out
// ~6 ms sooner than through the split bundle's chunks (each an ES module to resolve and link).
export const FAST_WHOLE = ['--help', '-h', '--version', 'help', 'completion'];
// cli.ts too, for the lines quick-parse.ts leaves to commander: initialized only for those.
// fast.cjs is one function expression, as Node's CommonJS loader wraps a module, which runFast (bundled.cjs) compiles
// as it is read: wrapped there, each run made a second copy of its ~220 kB to compile (~0.5 ms).
const FAST_WRAPPER = '(function (exports, require, module, __filename, __dirname) {';
// The lab's status: how a command finds the lab when no kubeconfig names a cluster (tools/src/lib/context.ts).
const FAST_MODULES = [...['cli.ts', 'lib/context.ts', 'commands/completion.ts', ...FAST_COMMANDS.map((c) => `commands/${c}.ts`)].map((f) => path.join(TOOLS, 'src', f)), path.join(ROOT, 'lab', 'src', 'control', 'status.ts')];

/**
 * How a module imports a package: the names of `import { a, b as c } from 'pkg'`, '*' for `import * as x from 'pkg'`,
 * else undefined.
 * @param {string} source
 * @param {string} pkg
 * @returns {string[] | '*' | undefined}
 */
function importsOf(source, pkg) {
  if (new RegExp(`import\\s*\\*\\s*as\\s+\\w+\\s+from\\s*['"]${pkg}['"]`).test(source)) return '*';
  const m = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*['"]${pkg}['"]`).exec(source);
  return m?.[1].split(',').map((s) => s.trim().split(/\s+as\s+/)[0]).filter(Boolean);
}

/**
 * lazyObject's arguments after `load` for a module: its property names, those of its functions, whether it says
 * it was an ES module.
 * @param {any} m
 */
const lazyArgs = (m) => {
  const keys = Object.getOwnPropertyNames(m);
  // Read as descriptors: getters (fs.F_OK …) warn of deprecation when read.
  const functions = keys.filter((k) => typeof Object.getOwnPropertyDescriptor(m, k)?.value === 'function');
  return [keys, functions, !!m.__esModule].map((a) => JSON.stringify(a)).join(', ');
};

/**
 * What makes the CLI bundle load less, each measured (bench/README.md):
 * - client-node's files have no side effects but its polyfill: unused API groups and models are left out, and
 *   KubeConfig takes the two functions it needs from the generated client without its index (through the index,
 *   esbuild's code splitting loads every API group with KubeConfig);
 * - LAZY_PACKAGES load at their first use (lazy-module.js stands in for what client-node imports from them);
 * - Node's built-ins come through process.getBuiltinModule, loaded at first use: an ESM import of node:http builds
 *   a facade that reads every export (http's WebSocket getter loads Node's own undici, ~20 ms), and esbuild's
 *   interop would read every property descriptor (util's load parseArgs, diff, worker_threads …);
 * - import.meta in our sources still names the source file (the lab finds its daemon and agent beside it).
 * @param {string} outdir where the bundle will be (import.meta of our sources is made relative to it)
 * @param {string} lazyDir where the lazy packages were just built (their keys are read there)
 * @returns {import('esbuild').Plugin}
 */
function cliPlugin(outdir, lazyDir) {
  return {
    name: 'kiada-cli',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'resolved') return undefined;
        if (/^\.\/lazy-[\w-]+\.cjs$/.test(args.path)) return { path: args.path, external: true };
        if (nodeModule.isBuiltin(args.path)) return { path: args.path.replace(/^(node:)?/, 'node:'), namespace: 'builtin' };
        if (LAZY_PACKAGES.includes(args.path) && CLIENT_NODE.test(args.importer)) {
          const names = importsOf(await fs.promises.readFile(args.importer, 'utf8'), args.path);
          // One stand-in per importer: each imports names of its own.
          if (names) return { path: `${args.path}?${path.basename(args.importer)}`, namespace: 'lazy-package', pluginData: { pkg: args.path, names } };
        }
        if (args.path === './gen/index.js' && /[\\/]dist[\\/]config\.js$/.test(args.importer) && CLIENT_NODE.test(args.importer)) {
          return { path: 'gen', namespace: 'config-gen', pluginData: path.dirname(args.importer) };
        }
        const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolved' });
        if (r.errors.length || !CLIENT_NODE.test(r.path) || /polyfill\.js$/.test(r.path)) return r;
        return { ...r, sideEffects: false };
      });
      build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
        const id = JSON.stringify(args.path);
        const m = process.getBuiltinModule(args.path);
        // A function (events, stream, module …) or the process object is used as it is.
        const contents = typeof m !== 'object' || args.path === 'node:process'
          ? `module.exports = process.getBuiltinModule(${id});`
          : `module.exports = require(${JSON.stringify(LAZY_MODULE)}).lazyObject(() => process.getBuiltinModule(${id}), ${lazyArgs(m)});`;
        return { contents, loader: 'js', resolveDir: TOOLS };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-package' }, ({ pluginData: { pkg, names } }) => {
        const load = `() => require('./lazy-${pkg}.cjs')`;
        const m = names === '*' && requireLazy(lazyDir, pkg);
        const contents = m
          ? `module.exports = require(${JSON.stringify(LAZY_MODULE)}).lazyObject(${load}, ${lazyArgs(m)});`
          : `import { lazyFunction } from ${JSON.stringify(LAZY_MODULE)}; const load = ${load};\n` +
            names.map((/** @type {string} */ n) => `export const ${n} = lazyFunction(() => load().${n});`).join('\n');
        return { contents, loader: 'js', resolveDir: TOOLS };
      });
      build.onLoad({ filter: /.*/, namespace: 'config-gen' }, (args) => ({
        resolveDir: args.pluginData,
        loader: 'js',
        contents: "export { createConfiguration } from './gen/configuration.js'; export { ServerConfiguration } from './gen/servers.js';",
      }));
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (/[\\/]node_modules[\\/]/.test(args.path)) return undefined;
        const source = path.relative(outdir, args.path).split(path.sep).join('/');
        const url = `new URL(${JSON.stringify(source)}, import.meta.url)`;
        const text = (await fs.promises.readFile(args.path, 'utf8'))
          .replaceAll('import.meta.url', `${url}.href`)
          .replaceAll('import.meta.filename', `process.getBuiltinModule('node:url').fileURLToPath(${url})`)
          .replaceAll('import.meta.dirname', `process.getBuiltinModule('node:path').dirname(process.getBuiltinModule('node:url').fileURLToPath(${url}))`);
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

/**
 * For fast.cjs: the CLI with its dynamic imports of FAST_MODULES inlined, and every other one — another command's
 * module, client-node's KubeConfig for a kubeconfig kubeconfig.ts leaves to it, the lab's control module when no
 * kubeconfig is found — a module that throws an error marked kiadaFullCli: main() passes it on, before anything was
 * printed, and the bin runs the whole CLI (cli.js) instead.
 * @returns {import('esbuild').Plugin}
 */
function fastPlugin() {
  return {
    name: 'kiada-fast',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData === 'resolved') return undefined;
        const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'resolved' });
        if (r.errors.length || FAST_MODULES.includes(r.path)) return undefined;
        return { path: r.path, namespace: 'not-fast' };
      });
      build.onLoad({ filter: /.*/, namespace: 'not-fast' }, (args) => ({
        loader: 'js',
        contents: `throw Object.assign(new Error(${JSON.stringify(`kiada: ${path.relative(ROOT, args.path)} is not in fast.cjs`)}), { kiadaFullCli: true });`,
      }));
    },
  };
}

/**
 * A lazy package as built, loaded here to read its keys.
 * @param {string} dir
 * @param {string} pkg
 */
const requireLazy = (dir, pkg) => nodeModule.createRequire(import.meta.url)(path.join(dir, `lazy-${pkg}.cjs`));

// Paths in the metafile are relative to the repository's root, wherever the script runs from.
const COMMON = /** @type {const} */ ({ absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node22', charset: 'ascii', minifySyntax: true, minifyWhitespace: true, logLevel: 'warning', metafile: true, external: EXTERNAL });

/** @param {typeof import('esbuild')} esbuild */
async function bundleCli(esbuild) {
  const tmp = `${CLI_DIR}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  // The lazily required packages, CommonJS as they are (their require() of built-ins needs no interop).
  const lazy = await esbuild.build({
    ...COMMON,
    entryPoints: Object.fromEntries(LAZY_PACKAGES.map((pkg) => [`lazy-${pkg}`, fromClientNode.resolve(pkg)])),
    format: 'cjs',
    outdir: tmp,
    outExtension: { '.js': '.cjs' },
  });
  const cli = await esbuild.build({
    ...COMMON,
    entryPoints: { cli: path.join(TOOLS, 'src', 'main.ts') },
    splitting: true,
    format: 'esm',
    outdir: tmp,
    banner: { js: BANNER },
    plugins: [cliPlugin(CLI_DIR, tmp)],
  });
  // CommonJS, for vm.Script (an ES module's code cache cannot be made after it ran); import.meta.url from __filename.
  const fast = await esbuild.build({
    ...COMMON,
    entryPoints: { fast: path.join(TOOLS, 'src', 'main.ts') },
    format: 'cjs',
    outdir: tmp,
    outExtension: { '.js': '.cjs' },
    define: { 'import.meta.url': '__kiadaUrl' },
    banner: { js: `${FAST_WRAPPER}const __kiadaUrl = require('node:url').pathToFileURL(__filename).href;` },
    footer: { js: '\n})' },
    plugins: [fastPlugin(), cliPlugin(CLI_DIR, tmp)],
  });
  // Which input went into which file: for the tests of what a command loads (tools/test/startup.test.ts), and for
  // the question of why a command loads something. The bin never reads it.
  const metafile = { inputs: { ...cli.metafile.inputs, ...fast.metafile.inputs }, outputs: { ...cli.metafile.outputs, ...fast.metafile.outputs } };
  fs.writeFileSync(path.join(tmp, 'metafile.json'), JSON.stringify(metafile));
  // Inputs: our sources and the package.json of every package bundled (an update changes its version).
  const SCRIPTS = ['bundle.js', 'build-bundle.js', 'lazy-module.js'].map((f) => path.join(TOOLS, 'scripts', f));
  /** @param {string[]} bundled the metafile's inputs */
  const filesOf = (bundled) => {
    const files = new Set(SCRIPTS);
    for (const input of bundled) {
      if (/^[\w-]+:/.test(input)) continue; // builtin:…, lazy-package:…
      const abs = path.resolve(ROOT, input);
      const pkg = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(abs);
      files.add(pkg ? path.join(pkg[1], 'package.json') : abs);
    }
    return files;
  };
  const all = [...filesOf([...Object.keys(metafile.inputs), ...Object.keys(lazy.metafile.inputs)])].sort();
  const inputs = all.map((file) => {
    const st = fs.statSync(file);
    return [path.relative(ROOT, file).split(path.sep).join('/'), st.size, st.mtimeMs, sha256(fs.readFileSync(file))];
  });
  // fast.cjs is checked against its own inputs alone (indexes into inputs): a third fewer files to stat.
  const fastFiles = filesOf(Object.keys(fast.metafile.inputs));
  const fastInputs = all.flatMap((file, i) => (fastFiles.has(file) ? [i] : []));
  // Built for this Node: the built-ins' property names are this Node's.
  fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify({ entry: 'cli.js', fast: { entry: 'fast.cjs', commands: [...FAST_COMMANDS, ...FAST_WHOLE], inputs: fastInputs }, node: process.versions.node, inputs }));
  fs.rmSync(CLI_DIR, { recursive: true, force: true });
  fs.renameSync(tmp, CLI_DIR); // whole or not at all: the bin never sees half a bundle
  const outputs = [...Object.values(metafile.outputs), ...Object.values(lazy.metafile.outputs)];
  return `${outputs.length} files, ${(outputs.reduce((n, o) => n + o.bytes, 0) / 1e6).toFixed(1)} MB`;
}

/** @param {typeof import('esbuild')} esbuild */
async function bundleClientNode(esbuild) {
  const out = clientNodeBundle(JSON.parse(fs.readFileSync(CLIENT_NODE_PKG, 'utf8')).version);
  for (const f of fs.readdirSync(CACHE_DIR)) if (f.startsWith('client-node-')) fs.rmSync(path.join(CACHE_DIR, f), { force: true });
  await esbuild.build({ ...COMMON, entryPoints: [require.resolve('@kubernetes/client-node')], format: 'esm', outfile: `${out}.tmp`, banner: { js: BANNER } });
  fs.renameSync(`${out}.tmp`, out); // whole or not at all
}

/** Builds both bundles; without esbuild (an install with --omit=dev), says so. */
export async function main() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.log('kiada: esbuild is not installed; the CLI runs from its sources (slower start).');
    return 0;
  }
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const cli = await bundleCli(esbuild);
  await bundleClientNode(esbuild);
  console.log(`kiada: bundled the CLI for a fast start (${path.relative(process.cwd(), CLI_DIR)}: ${cli})`);
  return 0;
}
