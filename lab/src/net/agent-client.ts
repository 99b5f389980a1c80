// The client side of agent.mjs: start an agent in a namespace, and its CONNECT protocol (one line, OK or ERR).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import type { Namespaces } from './namespaces.ts';
import { SAFE_PATH } from './userns.ts';

const AGENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent.mjs');

export interface Agent {
  pid: number;
  socket: string;
  child: ChildProcess;
}

/**
 * An agent in a node's or pod's network and UTS namespaces (so `nsenter -t <pid> -n -u` is a shell on the node).
 * Its environment is its own: nothing of the daemon's NODE_OPTIONS or the like.
 */
export async function startAgent(ns: Namespaces, socket: string): Promise<Agent> {
  const child = spawn('nsenter', [`--net=${ns.net}`, `--uts=${ns.uts}`, '--', process.execPath, AGENT, socket], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { PATH: SAFE_PATH, KIADA_NETNS: ns.net },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the agent of ${ns.net} did not start`)), 10_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the agent of ${ns.net} exited with code ${code}`));
      });
      child.stdout!.once('data', () => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve();
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { pid: child.pid!, socket, child };
}

export function stopAgent(a: Agent): void {
  if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
  fs.rmSync(a.socket, { force: true });
}

/** Opens a TCP connection from inside an agent's namespace. */
export function agentConnect(socket: string, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ path: socket, allowHalfOpen: true });
    let head = Buffer.alloc(0);
    // Paused-mode reads for the answer line, so the stream is handed over neither flowing nor paused.
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = s.read()) !== null) {
        head = Buffer.concat([head, chunk]);
        const nl = head.indexOf(10);
        if (nl < 0) continue;
        s.off('readable', onReadable);
        s.off('error', reject);
        s.off('end', onEnd);
        const line = head.subarray(0, nl).toString();
        const rest = head.subarray(nl + 1);
        if (line !== 'OK') {
          s.destroy();
          return reject(new Error(line.replace(/^ERR /, '')));
        }
        if (rest.length) s.unshift(rest);
        return resolve(s);
      }
    };
    const onEnd = () => reject(new Error(`the namespace agent closed the connection to ${host}:${port}`));
    s.on('readable', onReadable);
    s.once('end', onEnd);
    s.once('error', reject);
    s.write(`CONNECT ${host} ${port}\n`);
  });
}
