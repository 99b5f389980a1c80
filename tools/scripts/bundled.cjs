// What the bin asks on every run about the bundles `npm install` made (tools/scripts/bundle.js): is the bundled CLI
// there and made from the sources there are now, and where is client-node in one file. Plain JavaScript, cheap to
// load: Node's built-ins through process.getBuiltinModule (an ESM import of node:fs builds a facade that reads
// fs.promises, which loads readline and streams), a hash only for a file whose mtime moved.
const fs = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');

const TOOLS = path.resolve(__dirname, '..');
const ROOT = path.resolve(TOOLS, '..');
const CACHE_DIR = path.join(TOOLS, '.cache');
const CLI_DIR = path.join(CACHE_DIR, 'cli');

/** @param {string} version the installed @kubernetes/client-node's */
const clientNodeBundle = (version) => path.join(CACHE_DIR, `client-node-${version}.mjs`);

/** @param {Buffer} data */
const sha256 = (data) => process.getBuiltinModule('node:crypto').createHash('sha256').update(data).digest('hex');

/**
 * The bundled CLI's entry URL, if it was made by this Node from the files there are now (each input's size and
 * mtime, else its content hash, as the manifest records them); else undefined. For a command line that starts with
 * one of the commands that only make HTTPS calls, fast.cjs (build-bundle.js: FAST_COMMANDS), checked against its
 * own inputs alone.
 * @param {string[]} [argv] the command line, without node and the bin
 * @returns {string | undefined}
 */
function freshCliEntry(dir = CLI_DIR, root = ROOT, argv = []) {
  try {
    const file = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (manifest.node !== process.versions.node) return undefined;
    const fast = manifest.fast?.commands.includes(argv[0]);
    /** @type {[string, number, number, string][]} */
    const inputs = manifest.inputs;
    let touched = false;
    for (const i of fast && manifest.fast.inputs ? manifest.fast.inputs : inputs.keys()) {
      const input = inputs[i];
      // The manifest's paths are relative with '/', which every platform's fs takes: no path.join to normalize.
      const abs = `${root}/${input[0]}`;
      const st = fs.statSync(abs, { throwIfNoEntry: false });
      if (!st || st.size !== input[1]) return undefined;
      // A checkout or a rebase touches files without changing them: then the content decides, and the new mtime
      // is kept so that the next run need not hash the file again.
      if (st.mtimeMs !== input[2]) {
        if (sha256(fs.readFileSync(abs)) !== input[3]) return undefined;
        input[2] = st.mtimeMs;
        touched = true;
      }
    }
    if (touched) rewrite(file, JSON.stringify(manifest));
    return pathToFileURL(path.join(dir, fast ? manifest.fast.entry : manifest.entry)).href;
  } catch {
    return undefined; // no bundle, or one of another shape
  }
}

/**
 * Replaces a file whole (a reader sees the old or the new one), or leaves it if it cannot (a bundle installed by
 * another user: then only slower).
 * @param {string} file
 * @param {string | Buffer} data
 */
function rewrite(file, data) {
  const tmp = `${file}.${process.pid}`;
  try {
    // A new file only (O_EXCL): never through something already at that name, a link planted there included.
    fs.writeFileSync(tmp, data, { flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing was written
    }
  }
}

/**
 * The bundle's files import each other as `./chunk-X.js`: resolved here as the file beside the importer, an ES
 * module. Node's own resolution stats and realpaths each file and looks up the package.json that says ESM: ~8 ms of
 * CPU for the ~25 files `kiada pod-ip` loads.
 * @param {string} entry the bundle's entry URL (freshCliEntry)
 */
function resolveWithin(entry) {
  const dir = entry.slice(0, entry.lastIndexOf('/') + 1);
  process.getBuiltinModule('node:module').registerHooks?.({
    resolve: (specifier, context, next) =>
      specifier.startsWith('./') && specifier.endsWith('.js') && context.parentURL?.startsWith(dir)
        ? { url: dir + specifier.slice(2), format: 'module', shortCircuit: true }
        : next(specifier, context),
  });
}

/** Makes `import … from '@kubernetes/client-node'` load the one-file bundle, if there is one for the installed version. */
function useClientNodeBundle() {
  try {
    const nodeModule = process.getBuiltinModule('node:module');
    const require = nodeModule.createRequire(path.join(TOOLS, 'package.json'));
    const version = JSON.parse(fs.readFileSync(require.resolve('@kubernetes/client-node/package.json'), 'utf8')).version;
    const file = clientNodeBundle(version);
    if (!nodeModule.registerHooks || !fs.existsSync(file)) return false;
    const url = pathToFileURL(file).href;
    nodeModule.registerHooks({ resolve: (specifier, context, next) => (specifier === '@kubernetes/client-node' ? { url, format: 'module', shortCircuit: true } : next(specifier, context)) });
    return true;
  } catch {
    return false;
  }
}

/**
 * This user's cache directory for fast.cjs's code caches ($XDG_CACHE_HOME/kiada, else ~/.cache/kiada): a code cache
 * is code, so never one from a directory another user can write to (as Node's compile cache directory in /tmp,
 * shared by all users). Made 0700; undefined when it is not this user's alone, or cannot be made (then no cache:
 * only slower).
 * @returns {string | undefined}
 */
function privateCacheDir() {
  const uid = process.getuid?.();
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME && path.join(process.env.HOME, '.cache'));
  if (uid === undefined || !base) return undefined; // Windows, or no home
  const dir = path.join(base, 'kiada');
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  const st = fs.lstatSync(dir);
  return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : undefined;
}

/**
 * Runs fast.cjs's main(argv) (build-bundle.js: FAST_COMMANDS) as a vm.Script with a V8 code cache made after a run,
 * which holds the functions that ran: Node's compile cache holds only what V8 compiles before running (the top
 * level), and compiling commander's methods, the kubeconfig's parser and the command on every run cost ~6 ms. The
 * cache is a file per command in privateCacheDir(), made anew when V8 rejects it (another Node, another fast.cjs).
 * The exit code; undefined when fast.cjs met what only the whole CLI has (then nothing was printed).
 * @param {string} entry fast.cjs's URL (freshCliEntry)
 * @param {string[]} argv
 * @returns {Promise<number | undefined>}
 */
async function runFast(entry, argv) {
  const file = process.getBuiltinModule('node:url').fileURLToPath(entry);
  const vm = process.getBuiltinModule('node:vm');
  // One file per bundle directory (a checkout elsewhere has its own), Node and command (each runs functions of its
  // own; the first word is one of the manifest's commands).
  let id = 0;
  for (const c of file) id = (Math.imul(id, 31) + c.charCodeAt(0)) | 0;
  const cacheDir = privateCacheDir();
  const cacheFile = cacheDir && path.join(cacheDir, `fast-${(id >>> 0).toString(16)}-${process.versions.node}-${argv[0]}.cache`);
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // none yet
  }
  // latin1: the bundle is ASCII (build-bundle.js: charset), which this reads without UTF-8's decoding.
  const script = new vm.Script(fs.readFileSync(file, 'latin1'), { filename: file, cachedData });
  const module = /** @type {{ exports: any }} */ ({ exports: {} });
  script.runInThisContext()(module.exports, process.getBuiltinModule('node:module').createRequire(file), module, file, path.dirname(file));
  let code;
  try {
    code = await module.exports.main(argv, argv[0]); // the first word is the command (freshCliEntry)
  } catch (err) {
    if (/** @type {{ kiadaFullCli?: boolean }} */ (err)?.kiadaFullCli) return undefined;
    throw err;
  }
  // Whole or not at all, whoever else runs kiada now.
  if (cacheFile && (!cachedData || script.cachedDataRejected)) rewrite(cacheFile, script.createCachedData());
  return code;
}

module.exports = { TOOLS, ROOT, CACHE_DIR, CLI_DIR, clientNodeBundle, sha256, freshCliEntry, resolveWithin, useClientNodeBundle, privateCacheDir, runFast };
