// The lab's daemon: `kiada lab up` starts it detached; it runs the cluster until SIGTERM/SIGINT, then removes
// everything it made. Its state file appears only once the API answers and every node is Ready.
import { parseArgs } from 'node:util';
import { startLab } from './lab.ts';
import { labPaths, validateId } from './paths.ts';
import { writeState } from './state.ts';
import fs from 'node:fs';

const { values } = parseArgs({ options: { id: { type: 'string' }, kubeconfig: { type: 'string' } } });
const id = validateId(values.id ?? 'lab');
const paths = labPaths(id, values.kubeconfig);

const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);

async function main() {
  fs.mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const lab = await startLab({ id, home: paths.home, kubeconfig: paths.kubeconfig, log });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the lab`);
    fs.rmSync(paths.state, { force: true });
    await lab.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  writeState(paths.state, {
    id,
    pid: process.pid,
    port: lab.port,
    kubeconfig: paths.kubeconfig,
    home: paths.home,
    startedAt: new Date().toISOString(),
    nodes: lab.nodes,
  });
  log(`ready: API on https://127.0.0.1:${lab.port}, kubeconfig ${paths.kubeconfig}`);
}

main().catch((err) => {
  log(`failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
