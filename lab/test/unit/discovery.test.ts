// What kubectl reads before anything else (discovery, OpenAPI), node Leases, the kind-like Node objects, and
// the lab's kubeconfig, read back by client-node as any client would.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { VERSION, RESOURCES, apiVersions, apiGroupList, apiResourceList } from '../../src/api/discovery.ts';
import { serveLeases, leaseResourceList } from '../../src/api/leases.ts';
import { buildNodes } from '../../src/api/nodes.ts';
import { writeKubeconfig, kubeconfigYaml, isLabKubeconfig, CONTEXT } from '../../src/api/kubeconfig.ts';
import { invokingUser } from '../../src/invoker.ts';
import { Store } from '../../src/store/store.ts';
import { ApiError } from '../../src/store/errors.ts';

const KIND_NODES = [
  { name: 'kind-control-plane', address: '172.18.0.2', podCIDR: '10.244.0.0/24' },
  { name: 'kind-worker', address: '172.18.0.3', podCIDR: '10.244.1.0/24' },
  { name: 'kind-worker2', address: '172.18.0.4', podCIDR: '10.244.2.0/24' },
];

describe('discovery', () => {
  it('/version is a v1.32.0 server', () => {
    expect(VERSION).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64', compiler: 'gc' });
  });

  it('/api names the core group and where clients reach it', () => {
    expect(apiVersions('127.0.0.1:6443')).toEqual({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] });
  });

  it('/apis lists each group with v1 as its preferred version', () => {
    const group = (name: string) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } });
    expect(apiGroupList).toEqual({
      kind: 'APIGroupList', apiVersion: 'v1',
      groups: ['authentication.k8s.io', 'authorization.k8s.io', 'rbac.authorization.k8s.io', 'coordination.k8s.io'].map(group),
    });
    expect(leaseResourceList.resources).toEqual([{ name: 'leases', singularName: 'lease', namespaced: true, kind: 'Lease', verbs: ['get', 'list'] }]);
  });

  it('/api/v1 lists the resources sorted by name, with the short names, verbs and subresources of kube-apiserver', () => {
    expect(apiResourceList.kind).toBe('APIResourceList');
    expect(apiResourceList.groupVersion).toBe('v1');
    expect(RESOURCES.map((r) => [r.name, r.namespaced, r.kind, r.verbs.join(' '), ((r as { shortNames?: string[] }).shortNames ?? []).join(',')])).toEqual([
      ['events', true, 'Event', 'create delete deletecollection get list patch update watch', 'ev'],
      ['limitranges', true, 'LimitRange', 'create delete deletecollection get list patch update watch', 'limits'],
      ['namespaces', false, 'Namespace', 'create delete get list patch update watch', 'ns'],
      ['nodes', false, 'Node', 'create delete deletecollection get list patch update watch', 'no'],
      ['pods', true, 'Pod', 'create delete deletecollection get list patch update watch', 'po'],
      ['pods/attach', true, 'PodAttachOptions', 'create get', ''],
      ['pods/binding', true, 'Binding', 'create', ''],
      ['pods/exec', true, 'PodExecOptions', 'create get', ''],
      ['pods/log', true, 'Pod', 'get', ''],
      ['pods/portforward', true, 'PodPortForwardOptions', 'create get', ''],
      ['pods/status', true, 'Pod', 'get patch update', ''],
      ['resourcequotas', true, 'ResourceQuota', 'create delete deletecollection get list patch update watch', 'quota'],
      ['resourcequotas/status', true, 'ResourceQuota', 'get patch update', ''],
      ['serviceaccounts', true, 'ServiceAccount', 'create delete deletecollection get list patch update watch', 'sa'],
      ['serviceaccounts/token', true, 'TokenRequest', 'create', ''],
    ]);
    // The token subresource is of another group, as kube-apiserver says.
    expect(RESOURCES.find((r) => r.name === 'serviceaccounts/token')).toMatchObject({ group: 'authentication.k8s.io', version: 'v1' });
    // `kubectl get all` lists the resources of the "all" category.
    expect(RESOURCES.filter((r) => 'categories' in r && r.categories?.includes('all')).map((r) => r.name)).toEqual(['pods']);
    for (const r of RESOURCES) expect(r.singularName).toBe(r.name.includes('/') ? '' : r.kind.toLowerCase());
  });
});

describe('node Leases', () => {
  const store = new Store();
  for (const n of buildNodes(KIND_NODES)) store.create('nodes', n);
  const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';

  it('one per node in kube-node-lease, held by the node, renewed now (MicroTime), owned by the Node', () => {
    const before = Date.now();
    const list = serveLeases(store, leases, 'GET', false)!;
    expect(list.kind).toBe('LeaseList');
    expect(list.apiVersion).toBe('coordination.k8s.io/v1');
    expect(list.metadata).toEqual({ resourceVersion: store.resourceVersion });
    expect(list.items.map((l: any) => [l.metadata.namespace, l.metadata.name, l.spec.holderIdentity, l.spec.leaseDurationSeconds])).toEqual([
      ['kube-node-lease', 'kind-control-plane', 'kind-control-plane', 40],
      ['kube-node-lease', 'kind-worker', 'kind-worker', 40],
      ['kube-node-lease', 'kind-worker2', 'kind-worker2', 40],
    ]);
    const lease = list.items[1];
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(lease.spec.renewTime)).toBeGreaterThanOrEqual(before - 1);
    const node = store.get('nodes', undefined, 'kind-worker')!;
    expect(lease.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'kind-worker', uid: node.metadata.uid }]);
    expect(lease.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(serveLeases(store, leases, 'GET', false)!.items[1].metadata.uid).toBe(lease.metadata.uid);
  });

  it('by name, across all namespaces, none elsewhere; a Table of NAME HOLDER AGE', () => {
    expect(serveLeases(store, `${leases}/kind-worker2`, 'GET', false)!.spec.holderIdentity).toBe('kind-worker2');
    expect(serveLeases(store, '/apis/coordination.k8s.io/v1/leases', 'GET', false)!.items).toHaveLength(3);
    expect(serveLeases(store, '/apis/coordination.k8s.io/v1/namespaces/default/leases', 'GET', false)!.items).toEqual([]);
    const table = serveLeases(store, leases, 'GET', true)!;
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Holder', 'Age']);
    expect(table.rows[0].cells.slice(0, 2)).toEqual(['kind-control-plane', 'kind-control-plane']);
    expect(serveLeases(store, '/api/v1/nodes', 'GET', false)).toBeNull();
  });

  it('a missing lease is 404 as for any group resource; anything but GET is 405', () => {
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as ApiError).toStatus();
      }
    };
    expect(error(() => serveLeases(store, `${leases}/nope`, 'GET', false))).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'leases.coordination.k8s.io "nope" not found', reason: 'NotFound',
      details: { name: 'nope', group: 'coordination.k8s.io', kind: 'leases' }, code: 404,
    });
    expect(error(() => serveLeases(store, `${leases}/kind-worker`, 'DELETE', false))).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });
});

describe('kind-like nodes', () => {
  const nodes = buildNodes(KIND_NODES);

  it('are labelled as kubeadm labels them on kind; the control plane has its role and taint', () => {
    expect(nodes[0].metadata.labels).toEqual({
      'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': 'kind-control-plane', 'kubernetes.io/os': 'linux',
      'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '',
    });
    expect(nodes[0].spec.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(nodes[1].metadata.labels).toEqual({
      'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': 'kind-worker', 'kubernetes.io/os': 'linux',
    });
    expect(nodes[1].spec.taints).toBeUndefined();
  });

  it('have kind\'s provider id, pod CIDR, addresses, a Ready condition, 110 pods and this machine\'s CPUs', () => {
    const w = nodes[2];
    expect(w.spec).toEqual({ podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'], providerID: 'kind://docker/kind/kind-worker2' });
    expect(w.status.addresses).toEqual([{ type: 'InternalIP', address: '172.18.0.4' }, { type: 'Hostname', address: 'kind-worker2' }]);
    expect(w.status.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'], ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'], ['Ready', 'True', 'KubeletReady'],
    ]);
    expect(w.status.capacity).toEqual({ cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' });
    expect(w.status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'containerd://1.7.18', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: os.release(), operatingSystem: 'linux', architecture: 'amd64' });
  });

  it('each have their own machine id (32 hex), system UUID and boot id', () => {
    const ids = nodes.map((n) => n.status.nodeInfo);
    for (const i of ids) {
      expect(i.machineID).toMatch(/^[0-9a-f]{32}$/);
      expect(i.systemUUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(i.bootID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    expect(new Set(ids.flatMap((i) => [i.machineID, i.systemUUID, i.bootID])).size).toBe(9);
  });
});

describe('kubeconfig', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const expected = {
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'kiada-lab', cluster: { server: 'https://127.0.0.1:40001', 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
    users: [{ name: 'kiada-lab', user: { token: 'tok' } }],
    contexts: [{ name: 'kiada-lab', context: { cluster: 'kiada-lab', user: 'kiada-lab', namespace: 'default' } }],
    'current-context': 'kiada-lab',
    preferences: {},
  };

  it('has its own cluster, user and context, all kiada-lab, and is recognized as the lab\'s', () => {
    const text = kubeconfigYaml({ server: 'https://127.0.0.1:40001', ca, token: 'tok' });
    expect(parse(text)).toEqual(expected);
    expect(isLabKubeconfig(text)).toBe(true);
    expect(isLabKubeconfig(null)).toBe(false);
    expect(isLabKubeconfig('apiVersion: v1\nkind: Config\ncurrent-context: kind-kind\n')).toBe(false);
    expect(isLabKubeconfig(': not yaml: [')).toBe(false);
  });

  it('is written 0600 for its owner and reads back in client-node; another kubeconfig there is never replaced', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-kubeconfig-'));
    try {
      const file = path.join(dir, 'nested', 'kubeconfig');
      writeKubeconfig(file, { server: 'https://127.0.0.1:40001', ca, token: 'tok' }, invokingUser());
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(parse(fs.readFileSync(file, 'utf8'))).toEqual(expected);
      const kc = new KubeConfig();
      kc.loadFromFile(file);
      expect(kc.getCurrentContext()).toBe(CONTEXT);
      expect(kc.getCurrentCluster()).toMatchObject({ name: 'kiada-lab', server: 'https://127.0.0.1:40001', caData: Buffer.from(ca).toString('base64') });
      expect(kc.getCurrentUser()).toMatchObject({ name: 'kiada-lab', token: 'tok' });
      expect(kc.getContextObject(CONTEXT)?.namespace).toBe('default');
      // Written again over its own earlier file; never over someone's real kubeconfig.
      writeKubeconfig(file, { server: 'https://127.0.0.1:40002', ca, token: 'tok' }, invokingUser());
      const real = path.join(dir, 'config');
      fs.writeFileSync(real, 'apiVersion: v1\nkind: Config\ncurrent-context: kind-kind\n');
      expect(() => writeKubeconfig(real, { server: 'https://127.0.0.1:40001', ca, token: 'tok' }, invokingUser()))
        .toThrow(`${real} exists and is not a kubeconfig written by the lab: refusing to replace it; remove it or choose another --kubeconfig`);
      expect(fs.readFileSync(real, 'utf8')).toBe('apiVersion: v1\nkind: Config\ncurrent-context: kind-kind\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
