// Stand-ins the CLI bundle (tools/scripts/build-bundle.js) puts where a module is imported but often not used: the module
// loads when a property is first read, or the class first constructed or called, not when the importer loads.

/**
 * A module object (node:child_process, openid-client, …) that loads on first use. esbuild's ESM interop (__toESM)
 * makes an importer's view of a CommonJS module as an object inheriting from the module's prototype, then copies
 * the module's own properties onto it one by one: this stand-in has none of its own (nothing to copy: the copying
 * of each built-in's ~100 keys through a proxy's traps cost ~0.2 ms a module at start-up), and its prototype is a
 * view that reads each value from the module itself, at use. Until the module is loaded, a function is a
 * lazyFunction (client-node's KubeConfig keeps child_process.spawnSync, for exec logins, when it is made); asked
 * for a property's descriptor, it loads nothing (some of Node's built-ins load more of Node for one: util.parseArgs,
 * fs.Dir, buffer.File …).
 * @param {() => any} load
 * @param {string[]} keys its property names, as the bundle was built
 * @param {string[]} functions those whose values are functions
 * @param {boolean} esModule whether it says it was an ES module (esbuild's interop asks before anything is used)
 */
export function lazyObject(load, keys, functions, esModule) {
  /** @type {any} */
  let m;
  const mod = () => (m ??= load());
  const known = new Set(keys);
  const isFunction = new Set(functions);
  // Each function's stand-in made when first asked for: node:fs alone has ~100 (~0.5 ms and ~100 kB made at start).
  /** @type {Map<string | symbol, any>} */
  const stubs = new Map();
  const stub = (/** @type {string | symbol} */ k) => {
    if (!isFunction.has(/** @type {string} */ (k))) return undefined;
    let s = stubs.get(k);
    if (!s) stubs.set(k, (s = lazyFunction(() => mod()[k])));
    return s;
  };
  // A name the module did not have when the bundle was built (by this Node: bundled.cjs checks) is not loaded
  // for: a feature test like ws's `const { websocketMask } = require('http')` (a later Node's) reads undefined, or
  // Object.prototype's, as the module would give; exec's start loaded node:http for it (~1.3 ms).
  const absent = (/** @type {string | symbol} */ k) => typeof k === 'string' && !known.has(k);
  const get = (/** @type {string | symbol} */ k) =>
    m ? m[k] : k === '__esModule' ? esModule : (stub(k) ?? (absent(k) ? /** @type {any} */ (Object.prototype)[k] : mod()[k]));
  const has = (/** @type {string | symbol} */ k) => known.has(/** @type {string} */ (k)) || (m || !absent(k) ? k in mod() : k in Object.prototype);
  const view = new Proxy({}, { get: (_, k) => get(k), has: (_, k) => has(k), getPrototypeOf: () => Object.prototype });
  return new Proxy(
    {},
    {
      get: (_, k) => get(k),
      set: (_, k, v) => Reflect.set(mod(), k, v),
      has: (_, k) => has(k),
      ownKeys: () => (m ? Reflect.ownKeys(m) : []),
      // A configurable own property of the (empty) target, as proxies may report; its value is read through get.
      getOwnPropertyDescriptor: (_, k) => (known.has(/** @type {string} */ (k)) || (m && Object.hasOwn(m, k)) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined),
      defineProperty: (_, k, d) => Reflect.defineProperty(mod(), k, d),
      deleteProperty: (_, k) => Reflect.deleteProperty(mod(), k),
      getPrototypeOf: () => view,
    },
  );
}

/**
 * A class or function of a module that loads on first use: construct it (also as a base class), call it, read its
 * static members.
 * @param {() => any} load
 */
export function lazyFunction(load) {
  /** @type {any} */
  let f;
  const get = () => (f ??= load());
  /** @type {any} */
  const proxy = new Proxy(function () {}, {
    get: (_, k) => get()[k],
    has: (_, k) => k in get(),
    apply: (_, self, args) => Reflect.apply(get(), self, args),
    construct: (_, args, newTarget) => /** @type {object} */ Reflect.construct(get(), args, newTarget === proxy ? get() : newTarget),
    getPrototypeOf: () => Object.getPrototypeOf(get()),
  });
  return proxy;
}
