// The kubelet in-process (real store, local processes, no root): containers with `tty`/`stdin`/`stdinOnce` and
// attach as containerd serves it; the container reported running only at the kubelet's first relist.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import type { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { createStore, type Obj, type Store } from '../../src/store/index.ts';
import { createKubelet, type Kubelet, type ContainerIO } from '../../src/kubelet/index.ts';
import { waitFor } from '../../src/testing.ts';
import { terminalProcess } from '../../src/kubelet/tty.ts';
import { REPO_ROOT } from '../../src/paths.ts';
import { fakeDataplane, type FakeDataplane } from './fake-dataplane.ts';

const RELIST_MS = 300;
let store: Store;
let dp: FakeDataplane;
let kubelet: Kubelet;
let kubeletLog: string[];
const sessions: ContainerIO[] = [];

beforeEach(() => {
  store = createStore();
  dp = fakeDataplane();
  kubeletLog = [];
  kubelet = createKubelet({ store, dataplane: dp, repoRoot: REPO_ROOT, backoffMs: 200, relistMs: RELIST_MS, log: (m) => kubeletLog.push(m) });
});
afterEach(async () => {
  for (const s of sessions.splice(0)) s.kill();
  await kubelet.stop();
  await dp.destroy();
  expect(dp.spawned.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null)).toEqual([]);
  expect(kubeletLog).toEqual([]);
});

function createPod(name: string, container: Obj, spec: Obj = {}): Obj {
  return store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox', ...container }], ...spec }, status: { phase: 'Pending' } });
}
const get = (name: string) => store.get('pods', 'default', name);
const running = (name: string) => waitFor(`${name} running`, async () => get(name)?.status?.phase === 'Running', 10_000);
async function log(name: string): Promise<string> {
  let out = '';
  for await (const chunk of kubelet.logs('default', name, {})) out += chunk;
  return out;
}
function collect(stream: Readable | null) {
  let text = '';
  let ended = false;
  stream?.on('data', (c) => (text += c));
  stream?.on('end', () => (ended = true));
  return { text: () => text, ended: () => ended };
}
function attach(name: string, stdin: boolean): ContainerIO {
  const io = kubelet.attach('default', name, undefined, { stdin, tty: false });
  sessions.push(io);
  return io;
}
/** Every phase the pod goes through, as a watch shows them. */
function phases(name: string): string[] {
  const seen: string[] = [];
  store.onChange('pods', (e) => {
    const p = e.object.metadata.name === name ? e.object.status?.phase : undefined;
    if (p && seen.at(-1) !== p) seen.push(p);
  });
  return seen;
}

describe('kubelet: a container is reported running at its first relist', { timeout: 30_000 }, () => {
  it('one that ends sooner goes from Pending to Succeeded, never Running (kubectl run -it then prints its log)', async () => {
    const seen = phases('quick');
    createPod('quick', { command: ['sh', '-c', 'echo done'] }, { restartPolicy: 'Never' });
    await waitFor('Succeeded', async () => get('quick')?.status?.phase === 'Succeeded');
    expect(seen).toEqual(['Pending', 'Succeeded']);
    expect(await log('quick')).toBe('done\n');
  });

  it('one that keeps running is reported Running one relist after it started, ContainerCreating until then', async () => {
    const seen = phases('long');
    let spawnedAt = 0;
    const start = dp.startContainer;
    dp.startContainer = (...args) => ((spawnedAt = Date.now()), start(...args));
    const states: [number, Obj][] = [];
    store.onChange('pods', (e) => void (e.object.metadata.name === 'long' && states.push([Date.now(), e.object.status?.containerStatuses?.[0]?.state])));
    createPod('long', { command: ['sleep', '30'] });
    await running('long');
    const [runningAt] = states.find(([, state]) => state?.running)!;
    expect(runningAt - spawnedAt).toBeGreaterThanOrEqual(RELIST_MS - 5);
    expect(states.filter(([at]) => at < runningAt).map(([, state]) => state).filter(Boolean).every((st) => st.waiting?.reason === 'ContainerCreating')).toBe(true);
    expect(seen).toEqual(['Pending', 'Running']);
    const c = get('long')!.status.containerStatuses[0];
    expect([Object.keys(c.state), c.started, c.ready]).toEqual([['running'], true, true]);
  });
});

describe('kubelet: a container with tty has a terminal', { timeout: 30_000 }, () => {
  it('its log is what the terminal printed: stdout and stderr alike, CRLF; TERM=xterm unless the pod says otherwise', async () => {
    createPod('t', { command: ['sh', '-c', 'echo $TERM; echo err >&2; tty'], tty: true }, { restartPolicy: 'Never' });
    createPod('t2', { command: ['sh', '-c', 'echo $TERM'], tty: true, env: [{ name: 'TERM', value: 'vt100' }] }, { restartPolicy: 'Never' });
    await waitFor('both done', async () => get('t')?.status?.phase === 'Succeeded' && get('t2')?.status?.phase === 'Succeeded');
    expect(await log('t')).toMatch(/^xterm\r\nerr\r\n\/dev\/pts\/\d+\r\n$/);
    expect(await log('t2')).toBe('vt100\r\n');
  });

  it('a shell on it waits for input even without stdin (nothing can type on it), and is not signalled through the relay', async () => {
    createPod('sh', { command: ['sh'], tty: true }, { terminationGracePeriodSeconds: 1 });
    await running('sh');
    const started = Date.now();
    store.mutate('pods', 'default', 'sh', (p) => {
      p.metadata.deletionTimestamp = new Date().toISOString();
      p.metadata.deletionGracePeriodSeconds = 1;
    });
    // An interactive shell ignores SIGTERM: it ends at the grace period's SIGKILL, as on a node.
    await waitFor('gone', async () => !get('sh'), 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await dp.spawned[0].proc.exitCode).toBe(137);
  });

  it('attach -it: typed input is echoed and run; the client leaving detaches, the container goes on (stdinOnce or not)', async () => {
    createPod('shell', { command: ['sh'], tty: true, stdin: true, stdinOnce: true, env: [{ name: 'PS1', value: '> ' }] });
    await running('shell');
    const io = kubelet.attach('default', 'shell', undefined, { stdin: true, tty: true });
    sessions.push(io);
    expect(io.stderr).toBe(null);
    const out = collect(io.stdout);
    io.resize(70, 15);
    // The size is set asynchronously (as kubectl's resizes reach a node): the test waits for it before asking.
    await waitFor('resized', async () => {
      const t = terminalProcess(dp.spawned[0].proc.pid!);
      return !!t && execFileSync('stty', ['-F', t.tty, 'size'], { encoding: 'utf8' }) === '15 70\n';
    }, 5000);
    io.stdin!.write('stty size\r');
    await waitFor('answer', async () => out.text() === 'stty size\r\n15 70\r\n> ', 5000);
    io.stdin!.end();
    expect(await io.exitCode).toBe(0);
    await waitFor('detached', async () => out.ended(), 5000);
    expect(get('shell')!.status.phase).toBe('Running');
    const again = kubelet.attach('default', 'shell', undefined, { stdin: true, tty: true });
    sessions.push(again);
    const out2 = collect(again.stdout);
    again.stdin!.write('exit 3\r');
    expect(await again.exitCode).toBe(0); // attach is Success: the exit code is the pod's status
    await waitFor('output ended', async () => out2.ended(), 5000);
    expect(out2.text()).toBe('exit 3\r\n');
    await waitFor('terminated', async () => get('shell')!.status.containerStatuses[0].lastState?.terminated?.exitCode === 3, 5000);
  });
});

describe('kubelet: attach without a terminal, as containerd serves it', { timeout: 30_000 }, () => {
  it('stdinOnce: the first client to end its stdin closes the container stdin; output streams on until the container ends', async () => {
    createPod('once', { command: ['sh', '-c', 'cat; echo stdin closed >&2; sleep 0.2; echo bye'], stdin: true, stdinOnce: true }, { restartPolicy: 'Never' });
    await running('once');
    const io = attach('once', true);
    const out = collect(io.stdout);
    const err = collect(io.stderr);
    io.stdin!.write('typed\n');
    await waitFor('echo', async () => out.text() === 'typed\n', 5000);
    io.stdin!.end();
    expect(await io.exitCode).toBe(0);
    await waitFor('ended', async () => out.ended() && err.ended(), 5000);
    expect([out.text(), err.text()]).toEqual(['typed\nbye\n', 'stdin closed\n']);
    await waitFor('Succeeded', async () => get('once')?.status?.phase === 'Succeeded');
  });

  it('without stdinOnce a client that ends its stdin detaches: stdin stays open for the next one', async () => {
    createPod('cat', { command: ['cat'], stdin: true });
    await running('cat');
    const first = attach('cat', true);
    const out1 = collect(first.stdout);
    first.stdin!.write('one\n');
    await waitFor('one', async () => out1.text() === 'one\n', 5000);
    first.stdin!.end();
    expect(await first.exitCode).toBe(0);
    await waitFor('detached', async () => out1.ended(), 5000);
    const second = attach('cat', true);
    const out2 = collect(second.stdout);
    second.stdin!.write('two\n');
    await waitFor('two', async () => out2.text() === 'two\n', 5000);
    expect(out1.text()).toBe('one\n');
    expect(get('cat')!.status.phase).toBe('Running');
  });

  it('a container without stdin: attach -i gets no stdin; the session ends with the container', async () => {
    createPod('plain', { command: ['sh', '-c', 'sleep 0.5; echo late'] }, { restartPolicy: 'Never' });
    await running('plain');
    const io = attach('plain', true);
    expect(io.stdin).toBe(null);
    const out = collect(io.stdout);
    expect(await io.exitCode).toBe(0);
    await waitFor('ended', async () => out.ended(), 5000);
    expect(out.text()).toBe('late\n');
  });

  it('stdinOnce: once closed, later attaches get no stdin', async () => {
    createPod('closed', { command: ['sh', '-c', 'cat; sleep 30'], stdin: true, stdinOnce: true });
    await running('closed');
    const first = attach('closed', true);
    first.stdin!.end();
    await waitFor('stdin closed', async () => dp.spawned[0].proc.stdin!.writableEnded, 5000);
    first.kill();
    expect(attach('closed', true).stdin).toBe(null);
  });
});
