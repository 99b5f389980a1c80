// The client side of agent.ts: start an agent in a namespace, and its CONNECT protocol (one line, OK or ERR).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';

const AGENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent.ts');

export interface Agent {
  pid: number;
  socket: string;
  child: ChildProcess;
}

export async function startAgent(netns: string, hostname: string, socket: string): Promise<Agent> {
  const child = spawn('nsenter', [`--net=/run/netns/${netns}`, '--', 'unshare', '--uts', '--ipc', '--', process.execPath, AGENT, hostname, socket], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, KIADA_NETNS: `/run/netns/${netns}` },
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent of ${netns} did not start`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the agent of ${netns} exited with code ${code}`));
    });
    child.stdout!.once('data', () => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve();
    });
  });
  return { pid: child.pid!, socket, child };
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
