// `npm install` runs this (the root prepare script): it bundles the CLI for a fast start (build-bundle.js says how).
// Plain JavaScript that never fails an install: on a Node older than the CLI needs (say 20, under --omit=dev without
// the node@24 devDependency), without esbuild, or on any error, it says so, and the CLI runs from its sources, only
// slower to start. Nothing else is loaded before the version is known.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  console.log(`kiada: not bundling the CLI on Node ${process.versions.node} (kiada runs on 22.19 and later); it runs from its sources.`);
} else {
  process.exitCode = await import('./build-bundle.js')
    .then((build) => build.main())
    .catch((err) => {
      console.log(`kiada: could not bundle the CLI (${err.message}); it runs from its sources.`);
      return 0;
    });
}
