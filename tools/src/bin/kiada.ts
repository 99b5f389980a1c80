#!/usr/bin/env node
// kiada — also installed as kubectl-kiada, so `kubectl kiada <command>` works like a krew plugin.
import { enableCompileCache } from 'node:module';

// Loading @kubernetes/client-node dominates start-up (~0.3 s); Node's compile cache trims it on later runs.
enableCompileCache?.();
const { main } = await import('../cli.ts');

// exit explicitly: idle keep-alive connections of the API client must not keep the process alive.
process.exit(await main(process.argv.slice(2)));
