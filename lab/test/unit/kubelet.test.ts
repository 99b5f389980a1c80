// The kubelet in-process, with the real store and a dataplane of plain local processes (no root): pod specs the
// API server should have refused, and some it accepts, must end as the statuses and events a kubelet gives —
// never as an unhandled rejection, an uncaught exception or a timer that fires at once.
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { createStore, type Obj, type Store } from '../../src/store/index.ts';
import { createKubelet, type Kubelet } from '../../src/kubelet/index.ts';
import { goDuration } from '../../src/kubelet/status.ts';
import { exitCodeOf } from '../../src/exit-code.ts';
import { waitFor } from '../../src/testing.ts';
import { REPO_ROOT } from '../../src/paths.ts';
import { fakeDataplane, type FakeDataplane } from './fake-dataplane.ts';

const runcFailure = (cause: string) =>
  'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: ' +
  `unable to start container process: error during container init: ${cause}: unknown`;

// Whatever escapes the kubelet fails the test that caused it.
const escaped: unknown[] = [];
const onEscape = (e: unknown) => void escaped.push(e);
const onWarning = (w: Error) => void (w.name === 'TimeoutOverflowWarning' && escaped.push(w));
beforeAll(() => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  process.on('warning', onWarning);
});
afterAll(() => {
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  process.off('warning', onWarning);
});

let store: Store;
let dp: FakeDataplane;
let kubelet: Kubelet;
let kubeletLog: string[];

beforeEach(() => {
  escaped.length = 0;
  store = createStore();
  dp = fakeDataplane();
  kubeletLog = [];
  kubelet = createKubelet({ store, dataplane: dp, repoRoot: REPO_ROOT, backoffMs: 200, log: (m) => kubeletLog.push(m) });
});

afterEach(async () => {
  await kubelet.stop();
  await dp.destroy();
  expect(dp.spawned.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null)).toEqual([]);
  expect(dp.live.size).toBe(0);
  expect(escaped).toEqual([]);
  // Failures became statuses: none had to be caught by the kubelet's last-resort guard.
  expect(kubeletLog).toEqual([]);
});

function createPod(name: string, spec: Obj): Obj {
  return store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec, status: { phase: 'Pending' } });
}
const get = (name: string) => store.get('pods', 'default', name);
const containerOf = (name: string) => get(name)?.status?.containerStatuses?.[0];
const events = (name: string) =>
  store.list('events', 'default', (e) => e.involvedObject.name === name).map((e) => [e.type, e.reason, e.message]);
const waiting = (name: string, reason: string) =>
  waitFor(`${name} ${reason}`, async () => containerOf(name)?.state?.waiting?.reason === reason && containerOf(name), 10_000);
/** Every waiting state the pod's first container goes through, as a watch would show them. */
function waitingStates(name: string): Obj[] {
  const seen: Obj[] = [];
  store.onChange('pods', (e) => {
    const w = e.object.metadata.name === name ? e.object.status?.containerStatuses?.[0]?.state?.waiting : undefined;
    if (w && JSON.stringify(seen.at(-1)) !== JSON.stringify(w)) seen.push(w);
  });
  return seen;
}
async function output(name: string): Promise<string> {
  let out = '';
  for await (const chunk of kubelet.logs('default', name, {})) out += chunk;
  return out;
}
const scheduled = (name: string, node: string) => ['Normal', 'Scheduled', `Successfully assigned default/${name} to ${node}`];
const pulled = (image: string) => ['Normal', 'Pulled', `Container image "${image}" already present on machine`];

describe('kubelet: a spec it cannot turn into a process is CreateContainerConfigError', () => {
  const cases: [string, Obj, string][] = [
    ['args: 5', { args: 5 }, 'invalid args for container "c": 5 is not a list of strings'],
    ['command: a string', { command: 'sleep 1' }, 'invalid command for container "c": "sleep 1" is not a list of strings'],
    ['fieldPath: 5', { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 5 } } }] }, 'field label not supported: 5'],
    ['fieldPath: status.phase', { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } }] }, 'unsupported fieldPath: status.phase'],
    ['fieldRef apiVersion v2', { env: [{ name: 'X', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'metadata.name' } } }] }, 'unsupported pod version: v2'],
    ['a subscript on spec', { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: "spec.containers['x']" } } }] }, "field label does not support subscript: spec.containers['x']"],
    ['configMapKeyRef', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'k' } } }] }, 'configmap "settings" not found'],
    ['secretKeyRef', { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }, 'secret "creds" not found'],
    ['envFrom configMapRef', { envFrom: [{ configMapRef: { name: 'settings' } }] }, 'configmap "settings" not found'],
    ['env: 5', { env: 5 }, 'invalid env for container "c": 5 is not a list of objects'],
    ['an env var without a name', { env: [{ value: 'x' }] }, 'invalid env for container "c": {"value":"x"} has no name'],
    ['workingDir: 5', { workingDir: 5 }, 'invalid workingDir for container "c": 5 is not a string'],
  ];
  for (const [what, fields, message] of cases) {
    it(what, async () => {
      createPod('typo', { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '30'], ...fields }] });
      const c = await waiting('typo', 'CreateContainerConfigError');
      expect(c.state.waiting).toEqual({ reason: 'CreateContainerConfigError', message });
      expect([c.ready, c.started, c.restartCount, c.lastState]).toEqual([false, false, 0, {}]);
      expect(get('typo')!.status.phase).toBe('Pending');
      const node = get('typo')!.spec.nodeName;
      expect(events('typo')).toEqual([scheduled('typo', node), pulled('busybox'), ['Warning', 'Failed', `Error: ${message}`]]);
      expect(dp.spawned).toEqual([]);
      // The kubelet keeps trying at each sync, as a real one: the same events, counted.
      await waitFor('a retry', async () => store.list('events', 'default', (e) => e.reason === 'Failed')[0]?.count >= 2);
    });
  }
});

describe('kubelet: a process runc could not start is RunContainerError / StartError', () => {
  const cases: [string, Obj, string][] = [
    ['command not found', { command: ['nope'] }, 'exec: "nope": executable file not found in $PATH'],
    ['workingDir that is a file (runc makes a missing one)', { workingDir: '/etc/passwd' }, 'mkdir /etc/passwd: not a directory'],
    ['a path that does not exist', { command: ['/nonexistent/tool'] }, 'exec: "/nonexistent/tool": stat /nonexistent/tool: no such file or directory'],
    ['a directory as the command', { command: ['/etc'] }, 'exec: "/etc": is a directory'],
    ['a PATH that has not the command', { env: [{ name: 'PATH', value: '/nonexistent' }], command: ['sleep', '30'] }, 'exec: "sleep": executable file not found in $PATH'],
  ];
  for (const [what, fields, cause] of cases) {
    it(`${what} (restartPolicy: Never: terminated, phase Failed)`, async () => {
      createPod('nope', { restartPolicy: 'Never', containers: [{ name: 'nope', image: 'busybox', args: ['sleep', '30'], ...fields }] });
      await waitFor('Failed', async () => get('nope')?.status?.phase === 'Failed');
      const c = containerOf('nope');
      expect(c.state.terminated).toEqual({ exitCode: 128, reason: 'StartError', message: runcFailure(cause), startedAt: '1970-01-01T00:00:00Z', finishedAt: expect.any(String), containerID: c.containerID });
      expect(c.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      const node = get('nope')!.spec.nodeName;
      expect(events('nope')).toEqual([
        scheduled('nope', node),
        pulled('busybox'),
        ['Normal', 'Created', 'Created container nope'],
        ['Warning', 'Failed', `Error: ${runcFailure(cause)}`],
      ]);
      expect(dp.spawned).toEqual([]);
      expect(await output('nope')).toBe('');
    });
  }

  it('restarts with back-off: RunContainerError, then CrashLoopBackOff, restartCount counting', async () => {
    const seen = waitingStates('nope');
    const pod = createPod('nope', { containers: [{ name: 'nope', image: 'busybox', command: ['nope'] }] });
    await waitFor('3 restarts', async () => containerOf('nope')?.restartCount >= 3, 10_000);
    const message = runcFailure('exec: "nope": executable file not found in $PATH');
    const crashLoop = (d: string) => ({ reason: 'CrashLoopBackOff', message: `back-off ${d} restarting failed container=nope pod=nope_default(${pod.metadata.uid})` });
    // The first retry comes at once (back-off/10), then after 200ms, 400ms, …
    expect(seen.slice(0, 6)).toEqual([
      { reason: 'ContainerCreating' },
      { reason: 'RunContainerError', message },
      crashLoop('200ms'),
      { reason: 'RunContainerError', message },
      crashLoop('400ms'),
      { reason: 'RunContainerError', message },
    ]);
    const c = containerOf('nope');
    expect(c.lastState.terminated).toMatchObject({ exitCode: 128, reason: 'StartError', message });
    expect(get('nope')!.status.phase).toBe('Running');
    const reasons = events('nope').map((e) => `${e[0]} ${e[1]}`);
    expect(reasons).toEqual(['Normal Scheduled', 'Normal Pulled', 'Normal Created', `Warning Failed`, 'Warning BackOff']);
    expect(events('nope')[4][2]).toBe(`Back-off restarting failed container nope in pod nope_default(${pod.metadata.uid})`);
  });
});

describe('kubelet: image names and malformed pods', () => {
  const invalid: [string, unknown, string][] = [
    ['no image', undefined, 'Failed to apply default image tag "": couldn\'t parse image name "": repository name must have at least one component'],
    ['an uppercase image', 'busyBOX', 'Failed to apply default image tag "busyBOX": couldn\'t parse image name "busyBOX": invalid reference format: repository name (library/busyBOX) must be lowercase'],
    ['an image with a space', 'busy box', 'Failed to apply default image tag "busy box": couldn\'t parse image name "busy box": invalid reference format'],
  ];
  for (const [what, image, message] of invalid) {
    it(`${what} is InvalidImageName`, async () => {
      createPod('img', { containers: [{ name: 'img', image }] });
      const c = await waiting('img', 'InvalidImageName');
      expect(c.state.waiting).toEqual({ reason: 'InvalidImageName', message });
      expect(events('img').slice(1)).toEqual([['Warning', 'InspectFailed', message], ['Warning', 'Failed', 'Error: InvalidImageName']]);
    });
  }

  it('pods with no usable containers, unknown nodes, odd fields: no crash, and a valid pod still runs', async () => {
    createPod('five', { containers: 5 });
    createPod('nulls', { containers: [null, 7, 'x'] });
    createPod('nowhere', { nodeName: 'nowhere', containers: [{ name: 'c', image: 'busybox', args: ['sleep', '30'] }] });
    createPod('odd', {
      restartPolicy: 5,
      containers: [{ name: 'odd', image: 'busybox', args: ['sleep', '30'], readinessProbe: 5, livenessProbe: { exec: { command: 'ls' }, httpGet: { port: {} } }, ports: 'x' }],
    });
    createPod('fine', { containers: [{ name: 'fine', image: 'busybox', args: ['sleep', '30'] }] });
    await waitFor('fine runs', async () => containerOf('fine')?.state?.running);
    await waitFor('odd runs', async () => containerOf('odd')?.state?.running);
    expect(get('nowhere')!.status).toEqual({ phase: 'Pending' });
    expect(get('five')!.status.containerStatuses).toEqual([]);
  });

  it('a sandbox that cannot be made is a FailedCreatePodSandBox event', async () => {
    dp.failSandbox = 'no more addresses';
    createPod('nosb', { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '30'] }] });
    await waitFor('event', async () => events('nosb').some((e) => e[1] === 'FailedCreatePodSandBox'));
    expect(events('nosb')[1]).toEqual(['Warning', 'FailedCreatePodSandBox', 'Failed to create pod sandbox: no more addresses']);
    expect(containerOf('nosb').state).toEqual({ waiting: { reason: 'ContainerCreating' } });
  });
});

describe('kubelet: environment and command line as a kubelet builds them', () => {
  it('resolves fieldRefs, expands $(VAR) and $$ in env, command and args, skips optional references', async () => {
    store.create('pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'envpod', namespace: 'default', labels: { app: 'web', tier: 'front' } }, status: { phase: 'Pending' },
      spec: {
        restartPolicy: 'Never',
        containers: [{
          name: 'c', image: 'busybox',
          command: ['sh', '-c', 'echo "$NAME|$IP|$APP|$LABELS|$X|$HOSTNAME|$1|$2"', '$(NAME)', '$$(NAME)', '$(MISSING)'],
          env: [
            { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
            { name: 'X', value: '$(NAME)-$$(NAME)-$(MISSING)-$(HOSTNAME)' },
            { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'none', key: 'k', optional: true } } },
          ],
        }],
      },
    });
    await waitFor('done', async () => get('envpod')?.status?.phase === 'Succeeded');
    const ip = get('envpod')!.status.podIP;
    expect(ip).toMatch(/^10\.244\.[12]\.\d+$/);
    // $0 is "$(NAME)" expanded; the image's HOSTNAME is not the pod spec's, so $(HOSTNAME) stays as written.
    expect(await output('envpod')).toBe(`envpod|${ip}|web|app="web"\ntier="front"|envpod-$(NAME)-$(MISSING)-$(HOSTNAME)|envpod|$(NAME)|$(MISSING)\n`);
    expect(Object.keys(dp.spawned[0].env)).not.toContain('OPT');
  });
});

describe('kubelet: timers and numbers from the spec', () => {
  it('a grace period of 1e14 s waits for the process instead of killing it at once', async () => {
    createPod('slow', {
      terminationGracePeriodSeconds: 1e14,
      containers: [{ name: 'slow', image: 'busybox', command: ['sh', '-c', 'trap "" TERM; echo up; while :; do sleep 0.05; done'] }],
    });
    await waitFor('up', async () => (await output('slow')) === 'up\n');
    store.mutate('pods', 'default', 'slow', (p) => {
      p.metadata.deletionTimestamp = new Date().toISOString();
      p.metadata.deletionGracePeriodSeconds = 1e14;
    });
    await new Promise((r) => setTimeout(r, 400));
    expect(dp.spawned[0].proc.exitCode).toBe(null);
    expect(dp.spawned[0].proc.signalCode).toBe(null);
    expect(get('slow')).toBeDefined();
    expect(events('slow').at(-1)).toEqual(['Normal', 'Killing', 'Stopping container slow']);
  });

  it('probe periods of 0, negative or NaN are at least 1 s; a huge initial delay is not "now"', async () => {
    const probe = (periodSeconds: number) => ({ tcpSocket: { port: 9 }, periodSeconds, failureThreshold: 1000, timeoutSeconds: 0 });
    for (const [i, period] of [0, -5, NaN].entries()) {
      createPod(`p${i}`, { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '30'], livenessProbe: probe(period), readinessProbe: probe(period) }] });
    }
    createPod('late', { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '30'], livenessProbe: { tcpSocket: { port: 9 }, initialDelaySeconds: 1e14, periodSeconds: 1 } }] });
    await new Promise((r) => setTimeout(r, 2100));
    // Per pod in 2 s: readiness every 250 ms until a first success (8), liveness every second (2). A loaded machine
    // fires timers late, which can only lower the count: the ceiling is exact, the floor is waited for.
    expect(dp.connects).toBeLessThanOrEqual(3 * 10 + 3);
    await waitFor('3 × 8 probes', async () => dp.connects >= 3 * 8, 10_000);
    expect(events('late').some((e) => e[1] === 'Unhealthy')).toBe(false);
  });

  it('a pod deleted while its sandbox is being made leaves no sandbox', async () => {
    dp.createMs = 300;
    createPod('brief', { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '30'] }] });
    await waitFor('scheduled', async () => get('brief')?.spec?.nodeName);
    store.delete('pods', 'default', 'brief');
    await new Promise((r) => setTimeout(r, 400));
    expect(dp.live.size).toBe(0);
    expect(dp.spawned).toEqual([]);
  });

  it('a pod recreated under the same name while the old one stops gets its own containers', async () => {
    createPod('again', { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '30'] }] });
    await waitFor('first runs', async () => containerOf('again')?.state?.running);
    dp.removeMs = 300;
    store.delete('pods', 'default', 'again');
    const second = createPod('again', { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '30'] }] });
    await waitFor('second runs', async () => get('again')?.metadata.uid === second.metadata.uid && containerOf('again')?.state?.running);
    expect(dp.spawned.length).toBe(2);
  });
});

describe('kubelet: exit codes', () => {
  it('a process ended by a signal exits with 128 + its number', () => {
    expect(['SIGHUP', 'SIGINT', 'SIGKILL', 'SIGTERM'].map((s) => exitCodeOf(null, s as NodeJS.Signals))).toEqual([129, 130, 137, 143]);
    expect(exitCodeOf(3, null)).toBe(3);
  });

  it('a container killed by SIGINT is terminated with exit code 130', async () => {
    createPod('int', { restartPolicy: 'Never', containers: [{ name: 'int', image: 'busybox', command: ['sleep', '30'] }] });
    await waitFor('running', async () => containerOf('int')?.state?.running);
    dp.spawned[0].proc.kill('SIGINT');
    await waitFor('terminated', async () => containerOf('int')?.state?.terminated);
    expect(containerOf('int').state.terminated).toMatchObject({ exitCode: 130, reason: 'Error' });
  });

  it('back-off messages use Go durations', () => {
    expect([20, 200, 1000, 10_000, 80_000, 300_000].map(goDuration)).toEqual(['20ms', '200ms', '1s', '10s', '1m20s', '5m0s']);
  });
});
