// The client side of agent.mjs: start an agent in a namespace, and ask it for connections; each comes back as the
// connected socket itself (passed over the IPC channel), or as the error in containerd's words.
import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Namespaces } from './namespaces.ts';
import { SAFE_PATH } from './userns.ts';

const AGENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent.mjs');

export interface Agent {
  pid: number;
  child: ChildProcess;
  /** Resolves once the agent answers; rejects (the agent killed) if it does not start. */
  ready: Promise<void>;
  /** A TCP connection from inside the agent's namespace; rejects with the agent's words. */
  connect(host: string, port: number): Promise<net.Socket>;
}

type Reply = { ready?: true; id?: number; err?: string };

/** An agent that answers (startAgent: spawnAgent, and its `ready`). */
export async function startAgent(ns: Namespaces): Promise<Agent> {
  const agent = spawnAgent(ns);
  await agent.ready;
  return agent;
}

/**
 * An agent in a node's or pod's network and UTS namespaces (so `nsenter -t <pid> -n -u` is a shell on the node),
 * started: its `ready` says when it answers (connect waits for it). Its environment is its own: nothing of the
 * daemon's NODE_OPTIONS or the like.
 */
export function spawnAgent(ns: Namespaces): Agent {
  const child = spawn('nsenter', [`--net=${ns.net}`, `--uts=${ns.uts}`, '--', process.execPath, AGENT], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { PATH: SAFE_PATH, KIADA_NETNS: ns.net },
  });
  const pending = new Map<number, { resolve: (s: net.Socket) => void; reject: (e: Error) => void }>();
  let next = 0;
  let gone: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent of ${ns.net} did not start`)), 10_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      gone = new Error(`the namespace agent of ${ns.net} ended (${signal ?? `exit code ${code}`})`);
      reject(gone);
      for (const p of pending.values()) p.reject(gone);
      pending.clear();
    });
    child.on('message', (m: Reply, handle?: net.Socket) => {
      if (m.ready) {
        clearTimeout(timer);
        return resolve();
      }
      const p = pending.get(m.id!);
      pending.delete(m.id!);
      if (!p) return handle?.destroy();
      if (m.err !== undefined || !handle) return p.reject(new Error(m.err ?? 'the namespace agent sent no connection'));
      // As the agent's own sockets were: a FIN travels through without closing the other direction, no Nagle.
      handle.allowHalfOpen = true;
      handle.setNoDelay(true);
      p.resolve(handle);
    });
  });
  // A failed start kills what was started; whoever waits for `ready` (or connects) is told why.
  ready.catch(() => child.kill('SIGKILL'));
  return {
    pid: child.pid!,
    child,
    ready,
    async connect(host, port) {
      await ready;
      if (gone) throw gone;
      return new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        child.send({ id, host, port }, (err) => {
          if (err && pending.delete(id)) reject(err);
        });
      });
    },
  };
}

export function stopAgent(a: Agent): void {
  if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
}
