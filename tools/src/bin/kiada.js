#!/usr/bin/env node
// kiada — also installed as kubectl-kiada, so `kubectl kiada <command>` works like a krew plugin.
// This file is plain JavaScript on purpose: it must run far enough on an old Node to say what is needed.
import * as nodeModule from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `kiada needs Node 24 (or 22.18 and later), which run TypeScript directly; this is Node ${process.versions.node}.\n` +
      'Run it through npm, which puts the project\'s Node 24 first on the PATH: `npx kiada …` or `npm start`.\n',
  );
  process.exit(1);
}

// Loading @kubernetes/client-node dominates start-up. `npm install` bundles it into one file
// (tools/scripts/bundle-client-node.js), which loads ~3× faster; it is used only if made from the installed version.
// Node's compile cache trims what is left on later runs.
nodeModule.enableCompileCache?.();
if (!process.env.KIADA_NO_BUNDLE) {
  const { useClientNodeBundle } = await import('../../scripts/bundle-client-node.js');
  useClientNodeBundle();
}
const { main } = await import('../cli.ts');

// exit explicitly: idle keep-alive connections of the API client must not keep the process alive.
process.exit(await main(process.argv.slice(2)));
