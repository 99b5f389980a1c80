// The lab's network as kind makes it, built once at start: the "docker network" (a bridge in kiada-<id>-net) and
// the three nodes on it, each with eth0, a cni0 bridge for its pods, IP forwarding, its UTS/IPC namespaces and an
// agent (probes from the node), and routes to the other nodes' pod subnets. Few processes, the nodes side by side:
// each one started by the daemon costs it a fork of its whole memory.
import { ipBatch } from './exec.ts';
import { spawnAgent, type Agent } from './agent-client.ts';
import { setUpInside, type Namespaces } from './namespaces.ts';

export const NODE_NAMES = ['kind-control-plane', 'kind-worker', 'kind-worker2'];

export interface NodeInfo {
  name: string;
  index: number;
  address: string;
  podCIDR: string;
  netns: string;
  /** The node's agent (probes from the node); it runs in the node's network and UTS namespaces. */
  agentPid: number;
  ns: Namespaces;
}

/**
 * `ip netns add` of each name, in one `ip -batch` (in the host's namespace only `netns add`: every link is made inside
 * lab namespaces). `made` records them first, so that a failure part-way still removes those that were made.
 */
export async function addNetns(names: string[], made: string[]): Promise<void> {
  made.push(...names);
  await ipBatch(undefined, names.map((ns) => ['netns', 'add', ns]));
}

/**
 * Builds the network and the nodes, a few processes in all: the namespaces (one `ip -batch`), the LAN's bridge and
 * each node's veth from it (one more), then per node, side by side, its inside in one process (setUpInside) and its
 * agent (in `agents`, its `ready` to wait for). What it made is in `made` (network namespaces) even when it fails.
 */
export async function createTopology(o: { netnsOf: (suffix: string) => string; nsDir: (key: string) => string; made: string[]; agents: Map<string, Agent> }): Promise<NodeInfo[]> {
  const lan = o.netnsOf('net');
  const nodes = NODE_NAMES.map((name, index) => ({ name, index, address: `172.18.0.${index + 2}`, podCIDR: `10.244.${index}.0/24`, netns: o.netnsOf(`n${index}`) }));
  await addNetns([lan, ...nodes.map((n) => n.netns)], o.made);
  // Both ends of each veth are made inside lab namespaces: nothing ever appears in the host's.
  await ipBatch(lan, [
    ['link', 'set', 'lo', 'up'],
    ['link', 'add', 'br0', 'type', 'bridge'],
    ['link', 'set', 'br0', 'up'],
    ...nodes.flatMap((n) => [
      ['link', 'add', `veth${n.index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.netns],
      ['link', 'set', `veth${n.index}`, 'master', 'br0', 'up'],
    ]),
  ]);
  return Promise.all(nodes.map(async (n): Promise<NodeInfo> => {
    const ns = await setUpInside(o.nsDir(`n${n.index}`), n.netns, n.name, {
      sysctls: [['ipv4/ip_forward', '1']],
      lines: [
        ['link', 'set', 'lo', 'up'],
        ['addr', 'add', `${n.address}/16`, 'dev', 'eth0'],
        ['link', 'set', 'eth0', 'up'],
        ['link', 'add', 'cni0', 'type', 'bridge'],
        ['addr', 'add', `10.244.${n.index}.1/24`, 'dev', 'cni0'],
        ['link', 'set', 'cni0', 'up'],
        // The other nodes' pods, through their node.
        ...nodes.filter((b) => b !== n).map((b) => ['route', 'add', b.podCIDR, 'via', b.address]),
      ],
    });
    // Started, not waited for: it boots (a Node) while the lab goes on; the lab is ready once all answer.
    const agent = spawnAgent(ns);
    o.agents.set(n.name, agent);
    return { ...n, agentPid: agent.pid, ns };
  }));
}
