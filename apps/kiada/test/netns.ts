// Test helper: two network namespaces joined by a veth pair, made and removed by the test itself.
// The host namespace never gets an address in the pod range: both ends live in namespaces we create.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function canUseNetns(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('nsenter', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'the `ip` (iproute2) and `nsenter` (util-linux) commands are needed';
  }
  return null;
}

export interface Pair {
  server: string;
  client: string;
  run(ns: string, argv: string[]): string;
  spawnIn(ns: string, argv: string[]): ChildProcess;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** server ns gets eth0 = serverIp/24, client ns gets eth0 = clientIp/24. */
export function createPair(serverIp: string, clientIp: string): Pair {
  const id = randomBytes(3).toString('hex');
  const server = `kiada-t${id}-srv`;
  const client = `kiada-t${id}-cli`;
  const made: string[] = [];
  const remove = () => {
    for (const ns of made.splice(0)) {
      try {
        for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
          try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
        }
        ip('netns', 'del', ns);
      } catch { /* already gone */ }
    }
  };
  try {
    for (const ns of [server, client]) {
      ip('netns', 'add', ns);
      made.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    // Created directly inside the server namespace, the peer moved into the client one: never on the host.
    ip('-n', server, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client);
    ip('-n', server, 'addr', 'add', `${serverIp}/24`, 'dev', 'eth0');
    ip('-n', client, 'addr', 'add', `${clientIp}/24`, 'dev', 'eth0');
    ip('-n', server, 'link', 'set', 'eth0', 'up');
    ip('-n', client, 'link', 'set', 'eth0', 'up');
  } catch (err) {
    remove();
    throw err;
  }
  return {
    server,
    client,
    run: (ns, argv) => execFileSync('nsenter', [`--net=/run/netns/${ns}`, '--', ...argv], { encoding: 'utf8', timeout: 10_000 }),
    spawnIn: (ns, argv) => spawn('nsenter', [`--net=/run/netns/${ns}`, '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }),
    remove,
  };
}
