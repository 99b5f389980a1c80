// Server-side Tables (what `kubectl get` prints): the pod cases are those of kubernetes' printers_test.go
// (TestPrintPod, TestPrintPodWithRestartableInitContainer, TestPrintPodwide, TestPrintPodConditions), with
// the time pinned, plus nodes, namespaces and events as printNode/printNamespace/printEvent make them.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { toTable, podStatusReason, wantsTable } from '../../src/api/tables.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.\d+Z$/, 'Z');
const s = 1000;
const d = 24 * 3600 * s;

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterAll(() => vi.useRealTimers());

type O = Record<string, any>;
const row = (resource: 'pods' | 'nodes' | 'namespaces' | 'events', o: O) => toTable(resource, [o], '7').rows[0];
/** The columns kubectl shows without -o wide (priority 0): NAME READY STATUS RESTARTS AGE. */
const podCells = (pod: O) => row('pods', { metadata: { name: 'p' }, ...pod }).cells.slice(0, 5);
const containers = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'busybox' }));
const running = (o: O = {}) => ({ ready: true, restartCount: 0, state: { running: { startedAt: ago(60 * s) } }, ...o });

describe('pod STATUS, READY, RESTARTS (printPod)', () => {
  it.each<[string, O, unknown[]]>([
    ['name, containers, restarts, readiness', { spec: { containers: containers(2) }, status: { phase: 'podPhase', containerStatuses: [running({ restartCount: 3 }), { restartCount: 3 }] } }, ['p', '1/2', 'podPhase', '6', '<unknown>']],
    ['a waiting reason overrides the phase', { spec: { containers: containers(2) }, status: { phase: 'podPhase', containerStatuses: [running({ restartCount: 3 }), { restartCount: 3, state: { waiting: { reason: 'ContainerWaitingReason' } } }] } }, ['p', '1/2', 'ContainerWaitingReason', '6', '<unknown>']],
    ['the first container wins', { spec: { containers: containers(2) }, status: { phase: 'podPhase', containerStatuses: [{ restartCount: 3, state: { waiting: { reason: 'ContainerWaitingReason' } } }, { restartCount: 3, state: { terminated: { reason: 'ContainerTerminatedReason', exitCode: 0 } } }] } }, ['p', '0/2', 'ContainerWaitingReason', '6', '<unknown>']],
    ['ready is not enough for running', { spec: { containers: containers(2) }, status: { phase: 'podPhase', containerStatuses: [running({ restartCount: 3 }), { ready: true, restartCount: 3 }] } }, ['p', '1/2', 'podPhase', '6', '<unknown>']],
    ['the pod reason overrides the phase', { spec: { containers: containers(2) }, status: { reason: 'podReason', phase: 'podPhase', containerStatuses: [running({ restartCount: 3 }), { ready: true, restartCount: 3 }] } }, ['p', '1/2', 'podReason', '6', '<unknown>']],
    ['one completed and one running, not Ready: NotReady', { spec: { containers: containers(2) }, status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } }, running({ restartCount: 3 })] } }, ['p', '1/2', 'NotReady', '6', '<unknown>']],
    ['one completed and one running, Ready: Running', { spec: { containers: containers(2) }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } }, running({ restartCount: 3 })] } }, ['p', '1/2', 'Running', '6', '<unknown>']],
    ['an init container restarting', { spec: { initContainers: containers(1), containers: containers(1) }, status: { phase: 'podPhase', initContainerStatuses: [{ name: 'c0', ready: false, restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * s) } } }], containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }] } }, ['p', '0/1', 'Init:0/1', '3 (10s ago)', '<unknown>']],
    ['the second of two init containers running', { spec: { initContainers: containers(2), containers: containers(1) }, status: { phase: 'podPhase', initContainerStatuses: [{ name: 'c0', state: { terminated: { exitCode: 0 } } }, { name: 'c1', restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * s) } } }], containerStatuses: [{ state: { waiting: {} } }] } }, ['p', '0/1', 'Init:1/2', '3 (10s ago)', '<unknown>']],
    ['init restarts add up; the latest restart is shown', { spec: { initContainers: containers(2), containers: containers(1) }, status: { phase: 'podPhase', initContainerStatuses: [{ name: 'c0', restartCount: 2, state: { terminated: { exitCode: 0 } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(120 * s) } } }, { name: 'c1', restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * s) } } }], containerStatuses: [{ state: { waiting: {} } }] } }, ['p', '0/1', 'Init:1/2', '5 (10s ago)', '<unknown>']],
    ['once initialized, only the containers\' restarts count', { spec: { initContainers: containers(1), containers: containers(1) }, status: { phase: 'Running', initContainerStatuses: [{ name: 'c0', restartCount: 2, state: { terminated: { exitCode: 0 } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(120 * s) } } }], containerStatuses: [{ ready: false, restartCount: 4, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(20 * s) } } }] } }, ['p', '0/1', 'Running', '4 (20s ago)', '<unknown>']],
    ['restarted 5 days ago', { spec: { containers: containers(1) }, status: { phase: 'Running', containerStatuses: [running({ restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * d) } } })] } }, ['p', '1/1', 'Running', '3 (5d ago)', '<unknown>']],
    ['the most recent restart of two containers', { spec: { containers: containers(2) }, status: { phase: 'Running', containerStatuses: [running({ restartCount: 6, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * d) } } }), running({ restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(20 * d) } } })] } }, ['p', '2/2', 'Running', '9 (5d ago)', '<unknown>']],
    ['SchedulingGated', { spec: { containers: containers(2) }, status: { phase: 'podPhase', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } }, ['p', '0/2', 'SchedulingGated', '0', '<unknown>']],
    ['Succeeded: Completed', { spec: { containers: containers(1) }, status: { phase: 'Succeeded', containerStatuses: [{ ready: false, restartCount: 0, state: { terminated: { reason: 'Completed', exitCode: 0 } } }] } }, ['p', '0/1', 'Completed', '0', '<unknown>']],
    ['Failed: Error', { spec: { containers: containers(1) }, status: { phase: 'Failed', containerStatuses: [{ ready: false, restartCount: 0, state: { terminated: { reason: 'Error', exitCode: 1 } } }] } }, ['p', '0/1', 'Error', '0', '<unknown>']],
    ['deleted after it succeeded: still Completed', { metadata: { name: 'p', deletionTimestamp: ago(10 * s) }, spec: { containers: containers(1) }, status: { phase: 'Succeeded', containerStatuses: [{ restartCount: 0, state: { terminated: { reason: 'Completed', exitCode: 0 } } }] } }, ['p', '0/1', 'Completed', '0', '<unknown>']],
    ['deleted while running: Terminating', { metadata: { name: 'p', deletionTimestamp: ago(10 * s) }, spec: { containers: containers(1) }, status: { phase: 'Running', containerStatuses: [running({ ready: false })] } }, ['p', '0/1', 'Terminating', '0', '<unknown>']],
    ['deleted while pending: Terminating', { metadata: { name: 'p', deletionTimestamp: ago(10 * s) }, spec: { containers: containers(1) }, status: { phase: 'Pending' } }, ['p', '0/1', 'Terminating', '0', '<unknown>']],
    ['deleted on a lost node: Unknown', { metadata: { name: 'p', deletionTimestamp: ago(10 * s) }, spec: { containers: containers(1) }, status: { phase: 'Running', reason: 'NodeLost' } }, ['p', '0/1', 'Unknown', '0', '<unknown>']],
  ])('%s', (_what, pod, cells) => {
    expect(podCells(pod)).toEqual(cells);
  });

  it.each<[string, string, O]>([
    ['killed by a signal, no reason', 'Signal:9', { terminated: { exitCode: 137, signal: 9 } }],
    ['exited, no reason', 'ExitCode:3', { terminated: { exitCode: 3 } }],
    ['exited 0, no reason', 'ExitCode:0', { terminated: { exitCode: 0 } }],
    ['back-off', 'CrashLoopBackOff', { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } }],
    ['pull failure', 'ImagePullBackOff', { waiting: { reason: 'ImagePullBackOff' } }],
    ['creating', 'ContainerCreating', { waiting: { reason: 'ContainerCreating' } }],
    ['a waiting state without reason keeps the phase', 'Pending', { waiting: {} }],
  ])('container %s: %s', (_what, reason, state) => {
    expect(podStatusReason({ metadata: { name: 'p' }, spec: { containers: containers(1) }, status: { phase: 'Pending', containerStatuses: [{ state }] } })).toBe(reason);
  });

  it.each<[string, string, O]>([
    ['failed with a reason', 'Init:Error', { terminated: { exitCode: 1, reason: 'Error' } }],
    ['killed by a signal', 'Init:Signal:9', { terminated: { exitCode: 137, signal: 9 } }],
    ['exited non-zero', 'Init:ExitCode:2', { terminated: { exitCode: 2 } }],
    ['in back-off', 'Init:CrashLoopBackOff', { waiting: { reason: 'CrashLoopBackOff' } }],
    ['PodInitializing is progress, not a reason', 'Init:0/1', { waiting: { reason: 'PodInitializing' } }],
  ])('init container %s: %s', (_what, reason, state) => {
    const pod = { metadata: { name: 'p' }, spec: { initContainers: containers(1), containers: containers(1) }, status: { phase: 'Pending', initContainerStatuses: [{ name: 'c0', state }], containerStatuses: [{ state: { waiting: { reason: 'PodInitializing' } } }] } };
    expect(podStatusReason(pod)).toBe(reason);
  });

  describe('restartable init containers (sidecars)', () => {
    const sidecars = [{ name: 'r1', image: 'busybox', restartPolicy: 'Always' }, { name: 'r2', image: 'busybox', restartPolicy: 'Always' }];
    it('the first running but not started: Init:0/2, and sidecars count in READY', () => {
      expect(podCells({ spec: { initContainers: sidecars, containers: containers(1) }, status: { phase: 'Pending', conditions: [{ type: 'Initialized', status: 'False' }],
        initContainerStatuses: [{ name: 'r1', restartCount: 3, started: false, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * s) } } }, { name: 'r2', started: false, state: { waiting: {} } }],
        containerStatuses: [{ restartCount: 0, state: { waiting: {} } }] } })).toEqual(['p', '0/3', 'Init:0/2', '3 (10s ago)', '<unknown>']);
    });
    it('the first started, the second running but not started: Init:1/2', () => {
      expect(podCells({ spec: { initContainers: sidecars, containers: containers(1) }, status: { phase: 'Pending', conditions: [{ type: 'Initialized', status: 'False' }],
        initContainerStatuses: [{ name: 'r1', restartCount: 3, started: true, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * s) } } }, { name: 'r2', started: false, state: { running: {} } }],
        containerStatuses: [{ restartCount: 0, state: { waiting: {} } }] } })).toEqual(['p', '0/3', 'Init:1/2', '3 (10s ago)', '<unknown>']);
    });
    it('both started and the container running: sidecar restarts count, as their last restart', () => {
      expect(podCells({ spec: { initContainers: sidecars, containers: containers(1) }, status: { phase: 'Running', conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'r1', restartCount: 3, started: true, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * s) } } }, { name: 'r2', started: true, state: { running: {} } }],
        containerStatuses: [running({ restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(20 * s) } } })] } })).toEqual(['p', '1/3', 'Running', '7 (10s ago)', '<unknown>']);
    });
    it('statuses of containers not in the spec are not sidecars', () => {
      expect(podCells({ spec: { initContainers: [{ name: 'init1', image: 'i' }, { name: 'sidecar1', image: 's', restartPolicy: 'Always' }], containers: [{ name: 'container1', image: 'c' }] },
        status: { phase: 'Running', initContainerStatuses: [{ name: 'initinvalid' }, { name: 'init1' }, { name: 'sidecar1' }], containerStatuses: [{ name: 'containerinvalid' }, { name: 'container1' }] } }))
        .toEqual(['p', '0/2', 'Init:0/2', '0', '<unknown>']);
    });
  });

  it('-o wide: IP (podIP first), NODE, NOMINATED NODE, READINESS GATES counting the true ones', () => {
    const gates = { readinessGates: [{ conditionType: 'condition1' }, { conditionType: 'condition2' }, { conditionType: 'condition3' }] };
    const pod = { metadata: { name: 'test1' }, spec: { containers: containers(2), nodeName: 'test1', ...gates },
      status: { phase: 'podPhase', podIP: '1.1.1.1', podIPs: [{ ip: '1.1.1.1' }, { ip: '2001:db8::' }], nominatedNodeName: 'node1',
        conditions: [{ type: 'condition1', status: 'False' }, { type: 'condition2', status: 'True' }],
        containerStatuses: [running({ restartCount: 3 }), { restartCount: 3 }] } };
    expect(row('pods', pod).cells).toEqual(['test1', '1/2', 'podPhase', '6', '<unknown>', '1.1.1.1', 'test1', 'node1', '1/3']);
    const none = { metadata: { name: 'test2' }, spec: { containers: containers(2) }, status: { phase: 'podPhase' } };
    expect(row('pods', none).cells.slice(5)).toEqual(['<none>', '<none>', '<none>', '<none>']);
    expect(row('pods', { ...none, status: { podIPs: [{ ip: '10.244.1.5' }] } }).cells[5]).toBe('10.244.1.5');
  });

  it('marks the rows of finished pods Completed, as printPod does (TestPrintPodConditions)', () => {
    const pod = (phase: string) => ({ metadata: { name: 'p' }, spec: { containers: containers(1) }, status: { phase } });
    expect(row('pods', pod('Running')).conditions).toBeUndefined();
    expect(row('pods', pod('Succeeded')).conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    expect(row('pods', pod('Failed')).conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
    expect(row('pods', pod('Succeeded')).cells[2]).toBe('Succeeded');
  });

  it('AGE is the creation timestamp\'s age', () => {
    expect(podCells({ metadata: { name: 'p', creationTimestamp: ago(3 * d + 5 * 3600 * s) }, spec: { containers: containers(1) }, status: { phase: 'Running' } })[4]).toBe('3d5h');
  });
});

describe('the Table envelope', () => {
  it('is a meta.k8s.io/v1 Table of PartialObjectMetadata rows, with the columns of kubectl get pods', () => {
    const t = toTable('pods', [{ metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: containers(1) }, status: { phase: 'Pending' } }], '42');
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '42' });
    expect(t.columnDefinitions.map((c: O) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
    ]);
    expect(t.columnDefinitions[0].format).toBe('name');
    expect(t.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'p', namespace: 'default', uid: 'u' } });
    expect(toTable('pods', [], '1', false).columnDefinitions).toBeNull();
  });

  it('is what an Accept header with as=Table asks for', () => {
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
    expect(wantsTable(undefined)).toBe(false);
  });
});

describe('nodes (printNode)', () => {
  const node = (o: O = {}) => ({
    metadata: { name: 'kind-control-plane', creationTimestamp: ago(90 * s), labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'kind-control-plane' } },
    spec: {},
    status: { conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'kind-control-plane' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.18' } },
    ...o,
  });
  it('NAME STATUS ROLES AGE VERSION, then INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME', () => {
    expect(row('nodes', node()).cells).toEqual(['kind-control-plane', 'Ready', 'control-plane', '90s', 'v1.32.0', '172.18.0.2', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'containerd://1.7.18']);
  });
  it('NotReady, Unknown without a Ready condition, SchedulingDisabled when cordoned', () => {
    expect(row('nodes', node({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })).cells[1]).toBe('NotReady');
    expect(row('nodes', node({ status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })).cells[1]).toBe('NotReady');
    expect(row('nodes', node({ status: {} })).cells[1]).toBe('Unknown');
    expect(row('nodes', node({ spec: { unschedulable: true } })).cells[1]).toBe('Ready,SchedulingDisabled');
  });
  it('roles from node-role.kubernetes.io/<role> and kubernetes.io/role, sorted; <none> without; <unknown> for empty node info', () => {
    const labels = { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/': '', 'kubernetes.io/role': 'infra', 'node-role.kubernetes.io/control-plane': '' };
    expect(row('nodes', node({ metadata: { name: 'n', labels } })).cells[2]).toBe('control-plane,infra,worker');
    const bare = row('nodes', { metadata: { name: 'n' }, status: { nodeInfo: { osImage: '' } } }).cells;
    expect(bare).toEqual(['n', 'Unknown', '<none>', '<unknown>', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});

describe('namespaces (printNamespace)', () => {
  it('NAME STATUS AGE', () => {
    expect(row('namespaces', { metadata: { name: 'team-a', creationTimestamp: ago(125 * s) }, status: { phase: 'Active' } }).cells).toEqual(['team-a', 'Active', '2m5s']);
    expect(row('namespaces', { metadata: { name: 'old', creationTimestamp: ago(400 * d) }, status: { phase: 'Terminating' } }).cells).toEqual(['old', 'Terminating', '400d']);
  });
});

describe('events (printEvent)', () => {
  const event = (o: O = {}) => ({
    metadata: { name: 'kiada.181', namespace: 'default', creationTimestamp: ago(300 * s) },
    involvedObject: { kind: 'Pod', name: 'kiada', namespace: 'default', fieldPath: 'spec.containers{kiada}' },
    reason: 'Pulled', message: 'Container image "kiada:0.1" already present on machine\n', type: 'Normal',
    source: { component: 'kubelet', host: 'kind-worker' }, firstTimestamp: ago(200 * s), lastTimestamp: ago(30 * s), count: 3,
    ...o,
  });
  it('LAST SEEN TYPE REASON OBJECT SUBOBJECT SOURCE MESSAGE FIRST SEEN COUNT NAME', () => {
    expect(row('events', event()).cells).toEqual(['30s', 'Normal', 'Pulled', 'pod/kiada', 'spec.containers{kiada}', 'kubelet, kind-worker', 'Container image "kiada:0.1" already present on machine', '3m20s', 3, 'kiada.181']);
  });
  it('new-style events: eventTime, reportingComponent/Instance, series; a count of 0 is 1', () => {
    const e = event({ firstTimestamp: undefined, lastTimestamp: undefined, count: 0, source: {}, eventTime: '2025-03-01T11:57:59.900000Z', reportingComponent: 'default-scheduler', reportingInstance: '' });
    expect(row('events', e).cells).toEqual(['2m', 'Normal', 'Pulled', 'pod/kiada', 'spec.containers{kiada}', 'default-scheduler', 'Container image "kiada:0.1" already present on machine', '2m', 1, 'kiada.181']);
    const series = event({ series: { count: 7, lastObservedTime: '2025-03-01T11:59:50.000000Z' } });
    expect([row('events', series).cells[0], row('events', series).cells[8]]).toEqual(['10s', 7]);
  });
  it('an event about a kind with no name names the kind only; no timestamps at all is <unknown>', () => {
    expect(row('events', event({ involvedObject: { kind: 'Node' }, firstTimestamp: undefined, lastTimestamp: undefined, eventTime: null })).cells.slice(0, 4))
      .toEqual(['<unknown>', 'Normal', 'Pulled', 'node']);
  });
  it('the Count column is declared a string, as kube-apiserver declares it', () => {
    expect(toTable('events', [], '1').columnDefinitions.map((c: O) => [c.name, c.type, c.priority])).toEqual([
      ['Last Seen', 'string', 0], ['Type', 'string', 0], ['Reason', 'string', 0], ['Object', 'string', 0], ['Subobject', 'string', 1],
      ['Source', 'string', 1], ['Message', 'string', 0], ['First Seen', 'string', 1], ['Count', 'string', 1], ['Name', 'string', 1],
    ]);
  });
});
