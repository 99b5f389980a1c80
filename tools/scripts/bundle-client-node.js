// Bundles @kubernetes/client-node into one file, run by `npm install` (the root `prepare` script).
// Why: loading the package as published means ~1000 ES modules and costs ~0.25 s at every start of the CLI;
// one bundled file loads in a fraction of that. The bin uses the bundle only when it was made from the
// installed version (the file name carries it); without it, the CLI works the same, only slower to start.
// Plain JavaScript on purpose: `npm install` may run it on an old Node (say 20, without the node@24
// devDependency under --omit=dev), where it must say so and succeed rather than fail the install.
import fs from 'node:fs';
import path from 'node:path';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';

const TOOLS = path.resolve(import.meta.dirname, '..');
// Resolves packages as the tools package sees them.
const require = nodeModule.createRequire(path.join(TOOLS, 'package.json'));
const CACHE_DIR = path.join(TOOLS, '.cache');

/** @param {string} version */
export function bundlePath(version) {
  return path.join(CACHE_DIR, `client-node-${version}.mjs`);
}

function installedVersion() {
  return JSON.parse(fs.readFileSync(require.resolve('@kubernetes/client-node/package.json'), 'utf8')).version;
}

/** Makes `import … from '@kubernetes/client-node'` load the bundle, if there is one for the installed version. */
export function useClientNodeBundle() {
  try {
    const file = bundlePath(installedVersion());
    if (!nodeModule.registerHooks || !fs.existsSync(file)) return false;
    const url = pathToFileURL(file).href;
    nodeModule.registerHooks({ resolve: (specifier, context, next) => (specifier === '@kubernetes/client-node' ? { url, format: 'module', shortCircuit: true } : next(specifier, context)) });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const version = installedVersion();
  const out = bundlePath(version);
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.log('kiada: esbuild is not installed; the CLI loads @kubernetes/client-node unbundled (slower start).');
    return 0;
  }
  fs.rmSync(CACHE_DIR, { recursive: true, force: true });
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  await esbuild.build({
    entryPoints: [require.resolve('@kubernetes/client-node')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: `${out}.tmp`,
    minifySyntax: true,
    minifyWhitespace: true,
    logLevel: 'warning',
    // Native addons stay outside, loaded from node_modules at run time: bundled, bufferutil cannot find its
    // binary and ws silently masks every WebSocket byte in JavaScript (port-forward's bulk speed).
    external: ['bufferutil', 'utf-8-validate'],
    // Some of its dependencies are CommonJS and require Node's built-ins.
    banner: { js: "import { createRequire as __kiadaRequire } from 'node:module'; const require = __kiadaRequire(import.meta.url);" },
  });
  fs.renameSync(`${out}.tmp`, out); // whole or not at all: the bin never sees half a file
  console.log(`kiada: bundled @kubernetes/client-node ${version} for a fast start (${path.relative(process.cwd(), out)})`);
  return 0;
}

if (path.resolve(process.argv[1] ?? '') === import.meta.filename) {
  // Never fail an install over this: the CLI works without the bundle.
  process.exitCode = await main().catch((err) => {
    console.log(`kiada: could not bundle @kubernetes/client-node (${err.message}); the CLI loads it unbundled.`);
    return 0;
  });
}
