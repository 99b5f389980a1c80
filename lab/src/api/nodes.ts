// The Node objects of the lab's kind-like cluster.
import os from 'node:os';
import { createHash } from 'node:crypto';
import type { Obj } from '../store/index.ts';
import { metaTime } from '../time.ts';

export function buildNodes(nodes: { name: string; address: string; podCIDR: string }[]): Obj[] {
  const now = metaTime();
  // Per node and per lab start, as a machine's ids are: hex like /etc/machine-id, a UUID like the kernel's boot_id.
  const hex = (what: string, name: string) => createHash('sha256').update(`${what}/${name}/${now}`).digest('hex').slice(0, 32);
  const uuid = (h: string) => h.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  return nodes.map((n) => {
    const control = n.name.endsWith('control-plane');
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: n.name,
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': n.name,
          'kubernetes.io/os': 'linux',
          // kubeadm marks its control plane with both (MarkControlPlane).
          ...(control ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
        },
        annotations: { 'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock' },
      },
      spec: {
        podCIDR: n.podCIDR,
        podCIDRs: [n.podCIDR],
        providerID: `kind://docker/kind/${n.name}`,
        ...(control ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}),
      },
      status: {
        addresses: [
          { type: 'InternalIP', address: n.address },
          { type: 'Hostname', address: n.name },
        ],
        capacity: { cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' },
        allocatable: { cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' },
        conditions: [
          { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
        ],
        nodeInfo: {
          architecture: 'amd64',
          bootID: uuid(hex('boot', n.name)),
          containerRuntimeVersion: 'containerd://1.7.18',
          kernelVersion: os.release(),
          kubeProxyVersion: 'v1.32.0',
          kubeletVersion: 'v1.32.0',
          machineID: hex('machine', n.name),
          operatingSystem: 'linux',
          osImage: 'Debian GNU/Linux 12 (bookworm)',
          systemUUID: uuid(hex('system', n.name)),
        },
      },
    };
  });
}
