// The lab's dataplane: a kind-like network made of Linux network namespaces, never touching the host's own.
//   kiada-<id>-net   the "docker network" 172.18.0.0/16: a bridge joining the nodes' eth0
//   kiada-<id>-n<N>  a node: eth0 172.18.0.(N+2), bridge cni0 10.244.N.1/24, routes to the other nodes' pods
//   kiada-<id>-p<K>  a pod: eth0 10.244.N.x/24 on its node's cni0, default route via 10.244.N.1
// Each node and pod also has UTS and IPC namespaces (a pod, a user namespace too) bound on files in
// <socketDir>/ns/kiada-<id>-<n<N>|p<K>|h<K>>/ (namespaces.ts): no process holds them. A node runs one agent
// (probes to its pods); a pod runs one only while port-forward uses it (lazy-agents.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { ip } from './exec.ts';
import { startContainer, execInContainer, type ExecProcess } from './sandbox.ts';
import { bindUserNamespace } from './userns.ts';
import type { ContainerSpec } from './container-spec.ts';
import { prefix, deleteNetns } from './host.ts';
import { startAgent, stopAgent, type Agent } from './agent-client.ts';
import { addNetns, createTopology, type NodeInfo } from './topology.ts';
import { connectPod, podInside } from './pod-network.ts';
import { LazyAgents } from './lazy-agents.ts';
import { releaseNsDir, releaseLabNsFiles, netnsPath, setUpInside, type Namespaces } from './namespaces.ts';
import { nextHost, podVethName } from './ipam.ts';
import { ImageLayers, type LayerFill } from './image-layers.ts';

export { checkPrivileges, labNamespaces, cleanupLeftovers } from './host.ts';
export { findOnPath } from './exec.ts';

export type { ContainerSpec, Rootfs } from './container-spec.ts';
export type { Namespaces } from './namespaces.ts';
export { ContainerStartError, type ExecProcess } from './sandbox.ts';
export { UID_BASE, ID_COUNT } from './userns.ts';
export { ImageLayers, copyInto, type LayerFill } from './image-layers.ts';
export { CAPABILITIES } from './rootfs-script.ts';

export { NODE_NAMES, type NodeInfo } from './topology.ts';

export interface Sandbox {
  key: string;
  node: string;
  ip: string;
  netns: string;
  /** The node's namespaces (spec.hostNetwork): its IP is the node's, and they outlive the pod. */
  hostNetwork?: boolean;
  /** The pod's namespace files; `user`: its user namespace (container uid N = host uid UID_BASE + N). */
  ns: Namespaces & { user: string };
}

export interface Dataplane {
  nodes: NodeInfo[];
  /** Resolves once every node's agent answers (they start beside the rest of the lab); rejects if one cannot. */
  nodesReady: Promise<void>;
  /** A pod's sandbox; with hostNetwork, the node's own network and hostname (and the pod's own user namespace). */
  createSandbox(node: string, hostname: string, opts?: { hostNetwork?: boolean }): Promise<Sandbox>;
  removeSandbox(sb: Sandbox): Promise<void>;
  /** Starts a container in the pod (net/sandbox.ts); rejects with a ContainerStartError for what runc would refuse. */
  startContainer(sb: Sandbox, spec: ContainerSpec): Promise<ChildProcess>;
  /**
   * A process in a running container (exec, exec probes): its namespaces, root, user and privileges; `started`
   * rejects with a ContainerStartError when runc would not find the command (`lookup`, argv[0] by default).
   */
  execInContainer(container: ChildProcess, argv: string[], opts: { env: Record<string, string>; stdin?: boolean; lookup?: string }): ExecProcess;
  /**
   * A directory of read-only files for images, made once by `fill` (in a fresh directory) and kept for the user's
   * later labs until reboot (image-layers.ts; without a safe cache directory, gone with the lab); its path at once,
   * the copy beside other work: a container starts once the layers it binds are complete.
   */
  imageLayer(name: string, fill: LayerFill): string;
  spawnOnNode(node: string, argv: string[], opts?: { env?: Record<string, string> }): ChildProcess;
  /** TCP to the pod's loopback (port-forward), through an agent started in the pod at first use, gone when idle. */
  connectInPod(sb: Sandbox, port: number): Promise<Duplex>;
  /** TCP from the node's network namespace (probes, as the kubelet sends them from the node), through its agent. */
  connectFromNode(node: string, host: string, port: number): Promise<Duplex>;
  /** The pid of the pod's port-forward agent while one runs (tests and benchmarks look). */
  podAgentPid(sb: Sandbox): Promise<number | undefined>;
  destroy(): Promise<void>;
}

/** How long a pod's agent outlives its last port-forward connection. */
export const POD_AGENT_IDLE_MS = 30_000;

/**
 * `socketDir` holds, in ns/, the files the namespaces are bound on, and rootfs/ and layers/: a directory only root
 * can enter (the lab puts it in its registry, /run/kiada/<id>/sockets), never the user-writable state directory —
 * whoever can replace a namespace file there chooses what containers join. `podAgentIdleMs`: tests shorten it.
 * `layers`: the image layers in <socketDir>/layers, when the lab starts making them before the dataplane.
 */
export async function createDataplane(opts: { id: string; socketDir: string; podAgentIdleMs?: number; layers?: ImageLayers }): Promise<Dataplane> {
  const p = prefix(opts.id);
  const sockDir = opts.socketDir;
  fs.mkdirSync(sockDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(sockDir, 0o700);
  // Each container's root is first mounted here, in its own mount namespace: an empty directory only root can reach.
  const mountPoint = path.join(sockDir, 'rootfs');
  fs.mkdirSync(mountPoint, { recursive: true, mode: 0o700 });
  const nsRoot = path.join(sockDir, 'ns');
  const nsDir = (key: string) => path.join(nsRoot, `${p}${key}`);
  const layers = opts.layers ?? new ImageLayers(path.join(sockDir, 'layers'));
  const nodeAgents = new Map<string, Agent>();
  let nodes: NodeInfo[] = [];
  const netnsOf = (suffix: string) => `${p}${suffix}`;
  const made: string[] = [];
  const sandboxes = new Map<string, Sandbox>();
  const usedIPs = new Map<string, Set<number>>();
  // Like host-local IPAM: the next address after the last one handed out, so a freed address is not reused at once.
  const lastHost = new Map<string, number>();
  let counter = 0;

  const podAgents = new LazyAgents((key) => {
    const sb = sandboxes.get(key);
    return sb ? startAgent(sb.ns) : Promise.reject(new Error(`no sandbox ${key}`));
  }, opts.podAgentIdleMs ?? POD_AGENT_IDLE_MS);

  const destroy = async () => {
    podAgents.stopAll();
    for (const a of nodeAgents.values()) stopAgent(a);
    nodeAgents.clear();
    for (const ns of made.splice(0).reverse()) await deleteNetns(ns);
    await releaseLabNsFiles(p);
    await layers.settled();
    fs.rmSync(sockDir, { recursive: true, force: true });
  };

  try {
    nodes = await createTopology({ netnsOf, nsDir, made, agents: nodeAgents });
    for (const n of nodes) usedIPs.set(n.name, new Set());
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
    podAgents.stop(sb.key);
    sandboxes.delete(sb.key);
    if (sb.hostNetwork) return releaseNsDir(nsDir(sb.key));
    // Off the bridge at once: the namespace itself lingers until the last process in it has exited.
    await ip('-n', nodeByName(sb.node).netns, 'link', 'del', podVethName(sb.key)).catch(() => undefined);
    await deleteNetns(sb.netns);
    const i = made.indexOf(sb.netns);
    if (i >= 0) made.splice(i, 1);
    await releaseNsDir(nsDir(sb.key));
    usedIPs.get(sb.node)?.delete(Number(sb.ip.split('.')[3]));
  };

  const nodesReady = Promise.all([...nodeAgents.values()].map((a) => a.ready)).then(() => undefined);
  nodesReady.catch(() => {}); // said to whoever waits for it
  return {
    nodes,
    nodesReady,
    async createSandbox(nodeName, hostname, opts = {}) {
      const node = nodeByName(nodeName);
      if (opts.hostNetwork) {
        // The node's network and hostname; the pod's own user namespace all the same.
        const key = `h${counter++}`;
        try {
          const user = await bindUserNamespace(nsDir(key));
          return { key, node: nodeName, ip: node.address, netns: node.netns, hostNetwork: true, ns: { ...node.ns, user } };
        } catch (err) {
          await releaseNsDir(nsDir(key));
          throw err;
        }
      }
      const used = usedIPs.get(nodeName)!;
      const host = nextHost(used, lastHost.get(nodeName), nodeName);
      used.add(host);
      lastHost.set(nodeName, host);
      const key = `p${counter++}`;
      const ns = netnsOf(key);
      const podIP = `10.244.${node.index}.${host}`;
      const sb: Sandbox = { key, node: nodeName, ip: podIP, netns: ns, ns: { net: netnsPath(ns), uts: '', ipc: '', user: '' } };
      // The user namespace needs nothing of the network: made beside it.
      const user = bindUserNamespace(nsDir(key));
      try {
        await addNetns([ns], made);
        await connectPod(node, key, ns, podIP);
        const inside = await setUpInside(nsDir(key), ns, hostname, podInside(node, podIP));
        sb.ns = { ...inside, user: await user };
        sandboxes.set(key, sb);
        return sb;
      } catch (err) {
        await user.catch(() => undefined); // bound or failed: then its file is unmounted with the rest
        await removeSandbox(sb);
        throw err;
      }
    },
    removeSandbox,
    async startContainer(sb, spec) {
      await layers.ready(spec.rootfs.binds.map((b) => b.source));
      return startContainer(sb.ns, spec, mountPoint);
    },
    execInContainer,
    imageLayer: (name, fill) => layers.layer(name, fill),
    spawnOnNode(nodeName, argv, o = {}) {
      const node = nodeByName(nodeName);
      return spawn('nsenter', [`--net=${node.ns.net}`, `--uts=${node.ns.uts}`, `--ipc=${node.ns.ipc}`, '--', ...argv], {
        env: { ...process.env, ...o.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    },
    connectInPod(sb, port) {
      // A hostNetwork pod's loopback is its node's.
      if (sb.hostNetwork) return nodeAgents.get(sb.node)!.connect('localhost', port);
      if (!sandboxes.has(sb.key)) return Promise.reject(new Error(`the sandbox of the pod is gone (${sb.netns})`));
      return podAgents.connect(sb.key, 'localhost', port);
    },
    connectFromNode: (nodeName, host, port) => nodeAgents.get(nodeByName(nodeName).name)!.connect(host, port),
    podAgentPid: (sb) => podAgents.pid(sb.key),
    destroy,
  };
}
