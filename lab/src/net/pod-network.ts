// A pod's network as the CNI bridge plugin makes it: a veth pair from its node's cni0 to the pod's eth0 (MAC from
// the IP), the address, the default route via the node's bridge, and the sysctls containerd sets for a pod.
import { ipBatch } from './exec.ts';
import { macFor, podVethName } from './ipam.ts';
import type { NodeInfo } from './topology.ts';

/** The veth pair, made from the node's side (both ends in lab namespaces), its node end on cni0. */
export async function connectPod(node: NodeInfo, key: string, ns: string, podIP: string): Promise<void> {
  await ipBatch(node.netns, [
    ['link', 'add', podVethName(key), 'type', 'veth', 'peer', 'name', 'eth0', 'address', macFor(podIP), 'netns', ns],
    ['link', 'set', podVethName(key), 'master', 'cni0', 'up'],
  ]);
}

/** What the pod's side gets (setUpInside runs it in the pod's namespace, with its hostname). */
export const podInside = (node: NodeInfo, podIP: string) => ({
  lines: [
    ['link', 'set', 'lo', 'up'],
    ['addr', 'add', `${podIP}/24`, 'dev', 'eth0'],
    ['link', 'set', 'eth0', 'up'],
    ['route', 'add', 'default', 'via', `10.244.${node.index}.1`],
  ],
  // Ping without CAP_NET_RAW, ports below 1024 without CAP_NET_BIND_SERVICE (the pod's root is root of its user
  // namespace only, which does not own the network namespace).
  sysctls: [['ipv4/ping_group_range', '0 2147483647'], ['ipv4/ip_unprivileged_port_start', '0']] as [string, string][],
});
