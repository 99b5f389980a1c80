// Stand-ins the CLI bundle (tools/scripts/build-bundle.js) puts where a module is imported but often not used: the module
// loads when a property is first read, or the class first constructed or called, not when the importer loads.

/**
 * A module object (node:child_process, openid-client, …) that loads on first use. esbuild's ESM interop lists its
 * keys and asks for each property's descriptor when a module imports it: with the keys known at build time, that
 * loads nothing (and asked directly, some of Node's built-ins load more of Node for a descriptor: util.parseArgs,
 * fs.Dir, buffer.File …). Property values are read from the module itself, at use; until it is loaded, a function
 * is a lazyFunction (client-node's KubeConfig keeps child_process.spawnSync, for exec logins, when it is made).
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
  const stubs = new Map(functions.map((k) => [k, lazyFunction(() => mod()[k])]));
  return new Proxy(
    {},
    {
      get: (_, k) => (m ? m[k] : k === '__esModule' ? esModule : (stubs.get(/** @type {string} */ (k)) ?? mod()[k])),
      set: (_, k, v) => Reflect.set(mod(), k, v),
      has: (_, k) => known.has(/** @type {string} */ (k)) || k in mod(),
      ownKeys: () => (m ? Reflect.ownKeys(m) : keys),
      // A configurable own property of the (empty) target, as proxies may report; its value is read through get.
      getOwnPropertyDescriptor: (_, k) => (known.has(/** @type {string} */ (k)) || (m && Object.hasOwn(m, k)) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined),
      defineProperty: (_, k, d) => Reflect.defineProperty(mod(), k, d),
      deleteProperty: (_, k) => Reflect.deleteProperty(mod(), k),
      getPrototypeOf: () => Object.prototype,
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
