// The lab's network as kind makes it, built once at start: the "docker network" (a bridge in kiada-<id>-net) and
// the three nodes on it, each with eth0, a cni0 bridge for its pods, IP forwarding, its UTS/IPC namespaces and an
// agent (probes from the node), and routes to the other nodes' pod subnets. The nodes are made side by side.
import { ip, ipBatch, inNetns } from './exec.ts';
import { startAgent, type Agent } from './agent-client.ts';
import { holdUtsIpc, type Namespaces } from './namespaces.ts';

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

/** `ip netns add` and its loopback up; `made` records it at once, so that a failure later still removes it. */
export async function addNetns(ns: string, made: string[]): Promise<void> {
  await ip('netns', 'add', ns);
  made.push(ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
}

/** Builds the network and the nodes; what it made is in `made` (network namespaces) even when it fails. */
export async function createTopology(o: { netnsOf: (suffix: string) => string; nsDir: (key: string) => string; made: string[]; agents: Map<string, Agent> }): Promise<NodeInfo[]> {
  const lan = o.netnsOf('net');
  await addNetns(lan, o.made);
  await ipBatch(lan, [['link', 'add', 'br0', 'type', 'bridge'], ['link', 'set', 'br0', 'up']]);
  const nodes = await Promise.all(NODE_NAMES.map(async (name, index): Promise<NodeInfo> => {
    const ns = o.netnsOf(`n${index}`);
    const address = `172.18.0.${index + 2}`;
    await addNetns(ns, o.made);
    // Both ends are created inside lab namespaces: nothing ever appears in the host's.
    await ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `veth${index}`, 'netns', lan);
    await ip('-n', lan, 'link', 'set', `veth${index}`, 'master', 'br0', 'up');
    await ipBatch(ns, [
      ['addr', 'add', `${address}/16`, 'dev', 'eth0'],
      ['link', 'set', 'eth0', 'up'],
      ['link', 'add', 'cni0', 'type', 'bridge'],
      ['addr', 'add', `10.244.${index}.1/24`, 'dev', 'cni0'],
      ['link', 'set', 'cni0', 'up'],
    ]);
    await inNetns(ns, ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    const nodeNs = await holdUtsIpc(o.nsDir(`n${index}`), ns, name);
    const agent = await startAgent(nodeNs);
    o.agents.set(name, agent);
    return { name, index, address, podCIDR: `10.244.${index}.0/24`, netns: ns, agentPid: agent.pid, ns: nodeNs };
  }));
  await Promise.all(nodes.map((a) => ipBatch(a.netns, nodes.filter((b) => b !== a).map((b) => ['route', 'add', b.podCIDR, 'via', b.address]))));
  return nodes;
}
