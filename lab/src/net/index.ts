// The lab's dataplane: a kind-like network made of Linux network namespaces, never touching the host's own.
//   kiada-<id>-net   the "docker network" 172.18.0.0/16: a bridge joining the nodes' eth0
//   kiada-<id>-n<N>  a node: eth0 172.18.0.(N+2), bridge cni0 10.244.N.1/24, routes to the other nodes' pods
//   kiada-<id>-p<K>  a pod: eth0 10.244.N.x/24 on its node's cni0, default route via 10.244.N.1
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { ip, inNetns } from './exec.ts';
import { startContainer, execInContainer, type ExecProcess } from './sandbox.ts';
import { checkUserNamespaces, createUserNamespace, releaseUserNamespace, type UserNamespace } from './userns.ts';
import type { ContainerSpec } from './container-spec.ts';

export type { ContainerSpec, Rootfs } from './container-spec.ts';
export { ContainerStartError, type ExecProcess } from './sandbox.ts';
export { UID_BASE, ID_COUNT } from './userns.ts';
export { CAPABILITIES } from './rootfs-script.ts';

const AGENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agent.ts');
export const NODE_NAMES = ['kind-control-plane', 'kind-worker', 'kind-worker2'];

export interface NodeInfo {
  name: string;
  index: number;
  address: string;
  podCIDR: string;
  netns: string;
  agentPid: number;
}

export interface Sandbox {
  key: string;
  node: string;
  ip: string;
  netns: string;
  agentPid: number;
  /** The node's namespaces (spec.hostNetwork): its IP is the node's, and they outlive the pod. */
  hostNetwork?: boolean;
  /** The holder of the pod's user namespace (container uid N = host uid UID_BASE + N). */
  usernsPid: number;
}

export interface Dataplane {
  nodes: NodeInfo[];
  /** A pod's sandbox; with hostNetwork, the node's own network and hostname (nothing made, nothing to remove). */
  createSandbox(node: string, hostname: string, opts?: { hostNetwork?: boolean }): Promise<Sandbox>;
  removeSandbox(sb: Sandbox): Promise<void>;
  /** Starts a container in the pod (net/sandbox.ts); rejects with a ContainerStartError for what runc would refuse. */
  startContainer(sb: Sandbox, spec: ContainerSpec): Promise<ChildProcess>;
  /**
   * A process in a running container (exec, exec probes): its namespaces, root, user and privileges; `started`
   * rejects with a ContainerStartError when runc would not find the command (`lookup`, argv[0] by default).
   */
  execInContainer(container: ChildProcess, argv: string[], opts: { env: Record<string, string>; stdin?: boolean; lookup?: string }): ExecProcess;
  /** A directory of read-only files for images, made once per lab by `fill` (in a fresh directory), gone with the lab. */
  imageLayer(name: string, fill: (dir: string) => void): string;
  spawnOnNode(node: string, argv: string[], opts?: { env?: Record<string, string> }): ChildProcess;
  connectInPod(sb: Sandbox, port: number): Promise<Duplex>;
  connectFromNode(node: string, host: string, port: number): Promise<Duplex>;
  destroy(): Promise<void>;
}

export async function checkPrivileges(): Promise<string | null> {
  if (process.platform !== 'linux') return 'The lab needs Linux network namespaces; on this system use kind or Minikube instead.';
  for (const [cmd, pkg] of [['ip', 'iproute2'], ['nsenter', 'util-linux'], ['unshare', 'util-linux'], ['setpriv', 'util-linux']]) {
    try {
      execFileSync(cmd, ['-V'], { stdio: 'ignore' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `The lab needs the \`${cmd}\` command (Debian package ${pkg}).`;
    }
  }
  if (process.getuid?.() !== 0) {
    return 'The lab needs root to create network namespaces: run it with sudo (it creates kiada-* network namespaces and removes them on `kiada lab down`).';
  }
  return checkUserNamespaces();
}

const prefix = (id: string) => `kiada-${id}-`;

/** The `kiada-<id>-*` network namespaces that exist now. */
export async function labNamespaces(id: string): Promise<string[]> {
  let list = '';
  try {
    list = await ip('netns', 'list');
  } catch {
    return [];
  }
  return list.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(prefix(id)));
}

/**
 * Kills what runs inside the lab's namespaces and deletes them: for a daemon that died without cleaning. Call it
 * only when no live daemon owns the id (the registry says so): the names are the id's, whoever made them.
 */
export async function cleanupLeftovers(id: string): Promise<void> {
  for (const ns of await labNamespaces(id)) await deleteNetns(ns);
}

async function deleteNetns(ns: string): Promise<void> {
  try {
    const pids = (await ip('netns', 'pids', ns)).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  } catch {
    /* no such namespace */
  }
  try {
    await ip('netns', 'del', ns);
  } catch {
    /* already gone */
  }
}

interface Agent {
  pid: number;
  socket: string;
  child: ChildProcess;
}

async function startAgent(netns: string, hostname: string, socket: string): Promise<Agent> {
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
function agentConnect(socket: string, host: string, port: number): Promise<Duplex> {
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

/**
 * `socketDir` holds the agents' unix sockets: a directory only root can enter (the lab puts it in its registry,
 * /run/kiada/<id>/sockets), never the user-writable state directory — whoever can replace a socket there
 * answers the kubelet's probes and port-forwards.
 */
export async function createDataplane(opts: { id: string; socketDir: string }): Promise<Dataplane> {
  const p = prefix(opts.id);
  const sockDir = opts.socketDir;
  fs.mkdirSync(sockDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(sockDir, 0o700);
  // Each container's root is first mounted here, in its own mount namespace: an empty directory only root can reach.
  const mountPoint = path.join(sockDir, 'rootfs');
  fs.mkdirSync(mountPoint, { recursive: true, mode: 0o700 });
  const agents = new Map<string, Agent>();
  const userns = new Map<string, UserNamespace>();
  const nodes: NodeInfo[] = [];
  const netnsOf = (suffix: string) => `${p}${suffix}`;
  const made: string[] = [];
  const addNetns = async (ns: string) => {
    await ip('netns', 'add', ns);
    made.push(ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  };
  const sandboxes = new Map<string, Sandbox>();
  const usedIPs = new Map<string, Set<number>>();
  // Like host-local IPAM: the next address after the last one handed out, so a freed address is not reused at once.
  const lastHost = new Map<string, number>();
  let counter = 0;

  const destroy = async () => {
    for (const a of agents.values()) a.child.kill('SIGKILL');
    agents.clear();
    for (const u of userns.values()) releaseUserNamespace(u);
    userns.clear();
    for (const ns of made.splice(0).reverse()) await deleteNetns(ns);
    fs.rmSync(sockDir, { recursive: true, force: true });
  };

  try {
    const lan = netnsOf('net');
    await addNetns(lan);
    await ip('-n', lan, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', lan, 'link', 'set', 'br0', 'up');
    for (const [index, name] of NODE_NAMES.entries()) {
      const ns = netnsOf(`n${index}`);
      const address = `172.18.0.${index + 2}`;
      await addNetns(ns);
      // Both ends are created inside lab namespaces: nothing ever appears in the host's.
      await ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `veth${index}`, 'netns', lan);
      await ip('-n', lan, 'link', 'set', `veth${index}`, 'master', 'br0', 'up');
      await ip('-n', ns, 'addr', 'add', `${address}/16`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      await ip('-n', ns, 'link', 'add', 'cni0', 'type', 'bridge');
      await ip('-n', ns, 'addr', 'add', `10.244.${index}.1/24`, 'dev', 'cni0');
      await ip('-n', ns, 'link', 'set', 'cni0', 'up');
      await inNetns(ns, ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
      const agent = await startAgent(ns, name, path.join(sockDir, `n${index}.sock`));
      agents.set(ns, agent);
      nodes.push({ name, index, address, podCIDR: `10.244.${index}.0/24`, netns: ns, agentPid: agent.pid });
      usedIPs.set(name, new Set());
    }
    for (const a of nodes) {
      for (const b of nodes) if (a !== b) await ip('-n', a.netns, 'route', 'add', b.podCIDR, 'via', b.address);
    }
  } catch (err) {
    await destroy();
    throw err;
  }

  const nodeByName = (name: string) => {
    const n = nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  };

  const removeSandbox = async (sb: Sandbox) => {
    releaseUserNamespace(userns.get(sb.key));
    userns.delete(sb.key);
    if (sb.hostNetwork) return;
    sandboxes.delete(sb.key);
    agents.get(sb.netns)?.child.kill('SIGKILL');
    agents.delete(sb.netns);
    // Off the bridge at once: the namespace itself lingers until the last process in it has exited.
    await ip('-n', nodeByName(sb.node).netns, 'link', 'del', `v${sb.key}`).catch(() => undefined);
    await deleteNetns(sb.netns);
    const i = made.indexOf(sb.netns);
    if (i >= 0) made.splice(i, 1);
    usedIPs.get(sb.node)?.delete(Number(sb.ip.split('.')[3]));
    fs.rmSync(path.join(sockDir, `${sb.key}.sock`), { force: true });
  };

  return {
    nodes,
    async createSandbox(nodeName, hostname, opts = {}) {
      const node = nodeByName(nodeName);
      if (opts.hostNetwork) {
        // The node's network and hostname; the pod's own user namespace all the same.
        const key = `h${counter++}`;
        const u = await createUserNamespace();
        userns.set(key, u);
        return { key, node: nodeName, ip: node.address, netns: node.netns, agentPid: node.agentPid, hostNetwork: true, usernsPid: u.pid };
      }
      const used = usedIPs.get(nodeName)!;
      if (used.size >= 253) throw new Error(`node ${nodeName} has no free pod IP`);
      let host = lastHost.get(nodeName) ?? 1;
      do host = host >= 254 ? 2 : host + 1;
      while (used.has(host));
      used.add(host);
      lastHost.set(nodeName, host);
      const key = `p${counter++}`;
      const ns = netnsOf(key);
      const podIP = `10.244.${node.index}.${host}`;
      const sb: Sandbox = { key, node: nodeName, ip: podIP, netns: ns, agentPid: 0, usernsPid: 0 };
      try {
        await addNetns(ns);
        // The MAC follows from the IP (0a:58:<ip>, as the CNI bridge plugin does): when an address comes back to a
        // new pod, the neighbours' ARP entries for it are still right.
        const mac = `0a:58:${podIP.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`;
        await ip('-n', node.netns, 'link', 'add', `v${key}`, 'type', 'veth', 'peer', 'name', 'eth0', 'address', mac, 'netns', ns);
        await ip('-n', node.netns, 'link', 'set', `v${key}`, 'master', 'cni0', 'up');
        await ip('-n', ns, 'addr', 'add', `${podIP}/24`, 'dev', 'eth0');
        await ip('-n', ns, 'link', 'set', 'eth0', 'up');
        await ip('-n', ns, 'route', 'add', 'default', 'via', `10.244.${node.index}.1`);
        // As containerd sets them for a pod: ping without CAP_NET_RAW, ports below 1024 without CAP_NET_BIND_SERVICE
        // (the pod's root is root of its user namespace only, which does not own the network namespace).
        await inNetns(ns, ['sh', '-c', 'echo 0 2147483647 > /proc/sys/net/ipv4/ping_group_range; echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start']);
        const u = await createUserNamespace();
        userns.set(key, u);
        sb.usernsPid = u.pid;
        const agent = await startAgent(ns, hostname, path.join(sockDir, `${key}.sock`));
        agents.set(ns, agent);
        sb.agentPid = agent.pid;
        sandboxes.set(key, sb);
        return sb;
      } catch (err) {
        await removeSandbox(sb);
        throw err;
      }
    },
    removeSandbox,
    startContainer: (sb, spec) => startContainer(sb, spec, mountPoint),
    execInContainer,
    imageLayer(name, fill) {
      if (!/^[\w.-]+$/.test(name)) throw new Error(`bad layer name ${JSON.stringify(name)}`);
      const dir = path.join(sockDir, 'layers', name);
      if (fs.existsSync(dir)) return dir;
      const tmp = `${dir}.partial`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true, mode: 0o755 });
      fill(tmp);
      fs.renameSync(tmp, dir);
      return dir;
    },
    spawnOnNode(nodeName, argv, o = {}) {
      const node = nodeByName(nodeName);
      return spawn('nsenter', ['-t', String(node.agentPid), '-n', '-u', '--', ...argv], {
        env: { ...process.env, ...o.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    },
    connectInPod: (sb, port) => agentConnect(agents.get(sb.netns)?.socket ?? '/nonexistent', 'localhost', port),
    connectFromNode: (nodeName, host, port) => agentConnect(agents.get(nodeByName(nodeName).netns)!.socket, host, port),
    destroy,
  };
}
