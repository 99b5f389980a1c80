// The lab's daemon: `kiada lab up` starts it detached; it runs the cluster until SIGTERM/SIGINT, then removes
// everything it made. It first claims its id in the registry (/run/kiada/<id>/owner.json: refused if a live
// daemon owns it), so the id's leftover namespaces are then its own to clean; the record says ready only once the
// API answers and every node is Ready.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startLab } from './lab.ts';
import { validateId } from './paths.ts';
import { DEFAULT_HOST, parseListen, serverUrl } from './listen.ts';
import { processIdentity } from './proc.ts';
import { claimOwner, daemonCompileCache, releaseOwner, socketsDir, updateOwner, type OwnerRecord } from './registry.ts';
import { cleanupLeftovers, labNamespaces } from './net/index.ts';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    home: { type: 'string' },
    kubeconfig: { type: 'string' },
    listen: { type: 'string' },
    uid: { type: 'string' },
    gid: { type: 'string' },
    user: { type: 'string' },
    'ready-fd': { type: 'string' },
  },
});

const log = (msg: string) => {
  try {
    process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
  } catch {
    /* a full disk must not take the lab down either */
  }
};
const describe = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));

// The last resort: whatever a bug lets escape (a throw in a callback, a promise nobody awaited) is logged with its
// stack and the lab keeps serving. The causes are fixed where they arise; this only keeps the cluster up meanwhile.
process.on('uncaughtException', (err) => log(`uncaught exception (the lab keeps running): ${describe(err)}`));
process.on('unhandledRejection', (reason) => log(`unhandled rejection (the lab keeps running): ${describe(reason)}`));

const id = validateId(values.id ?? '');
// --listen as `lab up` checked it; parsed again, so the daemon never binds what the CLI would refuse.
let listen = { host: DEFAULT_HOST, port: 0 };
try {
  if (values.listen) listen = parseListen(values.listen);
} catch (err) {
  log((err as Error).message);
  process.exit(2);
}
const owner = { uid: Number(values.uid), gid: Number(values.gid), name: values.user ?? '' };
if (!values.home || !values.kubeconfig || !Number.isSafeInteger(owner.uid) || !Number.isSafeInteger(owner.gid) || !owner.name) {
  log('usage: daemon.ts --id ID --home DIR --kubeconfig FILE --uid N --gid N --user NAME (started by `kiada lab up`)');
  process.exit(2);
}

/** `--ready-fd N` (lab up's pipe): one line once the record says ready, then closed; nobody reading is no failure. */
function tellReady() {
  const fd = Number(values['ready-fd']);
  if (!values['ready-fd'] || !Number.isSafeInteger(fd) || fd < 3) return;
  try {
    fs.writeSync(fd, 'ready\n');
  } catch {
    /* lab up has gone: it reads the record anyway */
  }
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
}

async function main() {
  const me = processIdentity(process.pid)!;
  let record: OwnerRecord = {
    id,
    pid: me.pid,
    startTime: me.startTime,
    cmdline: me.cmdline,
    user: owner,
    stateDir: values.home!,
    kubeconfig: values.kubeconfig!,
    host: listen.host,
    port: 0,
    startedAt: new Date().toISOString(),
    ready: false,
    nodes: [],
  };
  const other = claimOwner(record);
  if (other) {
    log(`refused: the lab "${id}" is already running for ${other.user.name} (pid ${other.pid}, state in ${other.stateDir})`);
    process.exit(3);
  }
  try {
    // Ours now: what a daemon of this id left behind (it was SIGKILLed, the machine lost power) goes first.
    const leftovers = await labNamespaces(id);
    if (leftovers.length > 0) log(`removing leftovers of an earlier run: ${leftovers.join(' ')}`);
    await cleanupLeftovers(id);
    const lab = await startLab({ id, socketDir: socketsDir(id), kubeconfig: record.kubeconfig, owner, log, cacheDir: daemonCompileCache(), ...listen });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping the lab`);
      await lab.stop();
      releaseOwner(record);
      log('stopped');
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    record = {
      ...record,
      port: lab.port,
      ready: true,
      nodes: lab.nodes.map((n) => {
        const agent = processIdentity(n.agentPid);
        return { name: n.name, netns: n.netns, agentPid: n.agentPid, agentStartTime: agent?.startTime ?? '', agentCmdline: agent?.cmdline ?? [] };
      }),
    };
    updateOwner(record);
    tellReady();
    log(`ready: API on ${serverUrl(lab.host, lab.port)}, kubeconfig ${record.kubeconfig}`);
  } catch (err) {
    releaseOwner(record);
    throw err;
  }
  // For the test of the safety net only: one throw nobody catches and one rejection nobody handles.
  if (process.env.KIADA_LAB_INJECT_FAULTS === '1') {
    setTimeout(() => {
      throw new Error('injected uncaught exception (KIADA_LAB_INJECT_FAULTS)');
    }, 10);
    void Promise.reject(new Error('injected unhandled rejection (KIADA_LAB_INJECT_FAULTS)'));
  }
}

main().catch((err) => {
  log(`failed: ${describe(err)}`);
  process.exit(1);
});
