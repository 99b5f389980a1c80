#!/usr/bin/env node
// kiada — also installed as kubectl-kiada, so `kubectl kiada <command>` works like a krew plugin.
import { main } from '../cli.ts';

// exit explicitly: idle keep-alive connections of the API client must not keep the process alive.
process.exit(await main(process.argv.slice(2)));
