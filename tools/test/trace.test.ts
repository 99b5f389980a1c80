// kiada trace on a real lab, through the real bin: every route's hops in order, each observed, the client IP the
// app saw; the eth0-only pod stopping at the kubelet's connection to its loopback; the lab's own events for a
// kubectl port-forward that kiada did not make.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { skipUnlessLab, useTestLab, waitFor, KIADA_POD } from '@kiada/lab/testing.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const ETH0_ONLY = path.join(import.meta.dirname, '..', '..', 'k8s', 'pod.kiada-eth0-only.yaml');
const skip = skipUnlessLab();

interface Hop {
  name: string;
  ok: boolean | null;
  ms: number | null;
  detail: string;
  error?: string;
}
interface Trace {
  method: string;
  pod: string;
  ok: boolean;
  clientIP: string | null;
  hops: Hop[];
}

describe.skipIf(skip)('kiada trace on the lab', () => {
  const lab = useTestLab();
  let kiadaPod: { spec: { nodeName: string }; status: { podIP: string } };
  const env = () => ({ ...process.env, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home, NO_COLOR: '1' });
  const kiada = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: env(), timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const traceJson = async (args: string[]) => {
    const r = await kiada(['trace', ...args, '-o', 'json']);
    return { code: r.code, stderr: r.stderr, trace: JSON.parse(r.stdout) as Trace };
  };
  const nodeIndex = (name: string) => ['kind-control-plane', 'kind-worker', 'kind-worker2'].indexOf(name);
  /** Every hop observed and ok, timed in order (each no earlier than the one before, within a few ms of clock). */
  const allObserved = (t: Trace) => {
    for (const h of t.hops) {
      expect([h.name, h.ok, typeof h.ms, typeof h.detail, h.error]).toEqual([h.name, true, 'number', 'string', undefined]);
      expect(Object.keys(h).sort()).toEqual(['detail', 'ms', 'name', 'ok']);
    }
  };

  beforeAll(async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD });
    await lab.kubectl(['apply', '-f', ETH0_ONLY]);
    kiadaPod = await lab.waitReady('kiada');
    await lab.waitReady('kiada-eth0-only');
  }, 90_000);

  it('node: entered the node, curl reached the pod\'s eth0 from the bridge, the app saw ::ffff:10.244.N.1', async () => {
    const { code, trace, stderr } = await traceJson(['node']);
    expect(code).toBe(0);
    expect(Object.keys(trace)).toEqual(['method', 'pod', 'ok', 'clientIP', 'hops']);
    expect(trace.hops.map((h) => h.name)).toEqual(['node shell', 'pod eth0', 'app']);
    allObserved(trace);
    const n = nodeIndex(kiadaPod.spec.nodeName);
    expect(trace).toMatchObject({ method: 'node', pod: 'kiada', ok: true, clientIP: `::ffff:10.244.${n}.1` });
    expect(trace.hops[0].detail).toBe(`kiada lab node-shell ${kiadaPod.spec.nodeName}: curl ran on node ${kiadaPod.spec.nodeName}`);
    expect(trace.hops[1].detail).toMatch(new RegExp(`^curl connected from 10\\.244\\.${n}\\.1:\\d+ to ${kiadaPod.status.podIP.replace(/\./g, '\\.')}:8080$`));
    expect(trace.hops[2].detail).toMatch(new RegExp(`^answered HTTP/1\\.1 200; the app logged "Received request for /\\?trace=[0-9a-f]{8} from ::ffff:10\\.244\\.${n}\\.1" \\(from node ${kiadaPod.spec.nodeName}, over its bridge cni0\\)$`));
    expect(stderr).toMatch(new RegExp(`^\\$ kiada lab node-shell ${kiadaPod.spec.nodeName} -- curl -s --max-time 10 -w `));
  });

  it("pod: a client pod (deleted afterwards) reached the pod's eth0, the app saw the client pod's IP", async () => {
    const { code, trace } = await traceJson(['pod']);
    expect(code).toBe(0);
    expect(trace.hops.map((h) => h.name)).toEqual(['client pod', 'pod eth0', 'app']);
    allObserved(trace);
    const client = /^curl connected from (10\.244\.\d+\.\d+):\d+ to /.exec(trace.hops[1].detail)?.[1];
    expect(client).toBeDefined();
    expect(client).not.toBe(kiadaPod.status.podIP);
    expect(trace).toMatchObject({ method: 'pod', ok: true, clientIP: `::ffff:${client}` });
    expect(trace.hops[0].detail).toMatch(/^pod kiada-trace-[0-9a-f]{8} created and running on kind-worker2? \(made at \+[\d.]+ ms; deleted afterwards\)$/);
    expect(trace.hops[2].detail).toMatch(/ \(from pod default\/kiada-trace-[0-9a-f]{8} on kind-worker2?\)$/);
    expect((await lab.kubectl(['get', 'pods', '-o', 'name'])).stdout.split('\n').filter(Boolean).sort()).toEqual(['pod/kiada', 'pod/kiada-eth0-only']);
  }, 60_000);

  it('port-forward: listener, tunnel, API server, kubelet, pod loopback, app; the app saw ::ffff:127.0.0.1', async () => {
    const { code, trace } = await traceJson(['port-forward']);
    expect(code).toBe(0);
    expect(trace.hops.map((h) => h.name)).toEqual(['local listener', 'tunnel', 'API server', 'kubelet', 'pod loopback', 'app']);
    allObserved(trace);
    expect(trace).toMatchObject({ method: 'port-forward', ok: true, clientIP: '::ffff:127.0.0.1' });
    expect(trace.hops.slice(1).map((h) => h.detail)).toEqual([
      '101 Switching Protocols: WebSocket, subprotocol v4.channel.k8s.io',
      `authenticated; pod default/kiada is Running on ${kiadaPod.spec.nodeName}: handed to its kubelet`,
      `port-forward stream for port 8080 opened by the kubelet on ${kiadaPod.spec.nodeName}`,
      "connected to localhost:8080 inside the pod's network namespace",
      expect.stringMatching(/^answered HTTP\/1\.1 200 OK; the app logged "Received request for \/\?trace=[0-9a-f]{8} from ::ffff:127\.0\.0\.1"$/),
    ]);
    // The lab's hops come in order on the trace's clock.
    const ms = trace.hops.map((h) => h.ms!);
    for (let i = 2; i < 5; i++) expect(ms[i]).toBeGreaterThanOrEqual(ms[i - 1]);
  });

  it('exec: tunnel, API server, kubelet, curl on the pod loopback, app; the app saw ::ffff:127.0.0.1', async () => {
    const { code, trace } = await traceJson(['exec']);
    expect(code).toBe(0);
    expect(trace.hops.map((h) => h.name)).toEqual(['tunnel', 'API server', 'kubelet', 'pod loopback', 'app']);
    allObserved(trace);
    expect(trace).toMatchObject({ method: 'exec', ok: true, clientIP: '::ffff:127.0.0.1' });
    expect(trace.hops[0].detail).toBe('101 Switching Protocols: WebSocket, subprotocol v5.channel.k8s.io');
    expect(trace.hops[2].detail).toMatch(/^started `curl -s --max-time 10 -w .* localhost:8080\/\?trace=[0-9a-f]{8}` in the pod's namespaces$/);
    expect(trace.hops[3].detail).toMatch(/^curl connected from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:8080$/);
  });

  it('prints the hops for a person: marks, order, times, the client IP and why', async () => {
    const r = await kiada(['trace', 'port-forward']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/\+\s*[\d.]+ ms/, '+T ms').replace(/ {2,}/g, '  ').split('  ').slice(0, 3).join('|'))).toEqual([
      '✔ 1. local listener|+T ms|' + lines[0].split('ms  ')[1],
      '✔ 2. tunnel|+T ms|101 Switching Protocols: WebSocket, subprotocol v4.channel.k8s.io',
      `✔ 3. API server|+T ms|authenticated; pod default/kiada is Running on ${kiadaPod.spec.nodeName}: handed to its kubelet`,
      `✔ 4. kubelet|+T ms|port-forward stream for port 8080 opened by the kubelet on ${kiadaPod.spec.nodeName}`,
      "✔ 5. pod loopback|+T ms|connected to localhost:8080 inside the pod's network namespace",
      expect.stringMatching(/^✔ 6\. app\|\+T ms\|answered HTTP\/1\.1 200 OK; /),
      "Client IP the app saw: ::ffff:127.0.0.1 (the kubelet connects to the pod's loopback from inside the pod's network namespace, so the app sees ::ffff:127.0.0.1)",
    ]);
    expect(r.stderr).toMatch(/^\$ kubectl port-forward kiada \d+:8080\n\$ curl -s 'localhost:\d+\/\?trace=[0-9a-f]{8}'\n$/);
  });

  it("eth0-only: port-forward stops at the kubelet's connection to the pod's loopback, refused; exit 1", async () => {
    const { code, trace } = await traceJson(['port-forward', 'kiada-eth0-only']);
    expect(code).toBe(1);
    expect(trace.hops.map((h) => [h.name, h.ok])).toEqual([['local listener', true], ['tunnel', true], ['API server', true], ['kubelet', true], ['pod loopback', false]]);
    expect(trace).toMatchObject({ method: 'port-forward', pod: 'kiada-eth0-only', ok: false, clientIP: null });
    const last = trace.hops[4];
    expect(Object.keys(last).sort()).toEqual(['detail', 'error', 'ms', 'name', 'ok']);
    expect(last.detail).toBe("connecting to localhost:8080 inside the pod's network namespace");
    expect(last.error).toMatch(/^error forwarding port 8080 to pod [0-9a-f]{64}, uid : failed to connect to localhost:8080 inside namespace "\/run\/netns\/kiada-[a-z0-9]+-p\d+", IPv4: dial tcp4 127\.0\.0\.1:8080: connect: connection refused IPv6 dial tcp6 \[::1\]:8080: connect: connection refused $/);
    const text = await kiada(['trace', 'port-forward', 'kiada-eth0-only']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/\n✘ 5\. pod loopback +\+[\d.]+ ms {2}error forwarding port 8080 to pod .* connection refused \nThe request stopped at hop "pod loopback"\.\n$/);
  });

  it('eth0-only: exec stops at curl\'s connection to the loopback; node still gets through (over eth0)', async () => {
    const exec = await traceJson(['exec', 'kiada-eth0-only']);
    expect(exec.code).toBe(1);
    expect(exec.trace.hops.map((h) => [h.name, h.ok])).toEqual([['tunnel', true], ['API server', true], ['kubelet', true], ['pod loopback', false]]);
    expect(exec.trace.hops[3].error).toMatch(/^Failed to connect to localhost port 8080 after \d+ ms: Couldn't connect to server$/);
    const node = await traceJson(['node', 'kiada-eth0-only']);
    expect(node.code).toBe(0);
    expect(node.trace.clientIP).toMatch(/^10\.244\.\d\.1$/);
  }, 30_000);

  it('bad input: an unknown method or pod is one line and exit 1, before anything runs', async () => {
    expect(await kiada(['trace', 'ssh'])).toMatchObject({ code: 1, stdout: '', stderr: "error: command-argument value 'ssh' is invalid for argument 'method'. Allowed choices are node, pod, port-forward, exec.\nSee 'kiada --help' for usage.\n" });
    expect(await kiada(['trace', 'node', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' });
  });

  it("the lab reports a kubectl port-forward kiada did not make, and serves its events only with the lab's credentials", async () => {
    const pf = lab.spawnKubectl(['port-forward', 'kiada', '0:8080']);
    try {
      const port = await waitFor('the forward', async () => {
        const line = await new Promise<string>((r) => pf.stdout!.once('data', (d) => r(String(d))));
        return /127\.0\.0\.1:(\d+) ->/.exec(line)?.[1];
      });
      expect(await (await fetch(`http://127.0.0.1:${port}/?from=kubectl`)).text()).toBe('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:127.0.0.1\n');
      const events = await waitFor('the app hop', async () => {
        const list = JSON.parse((await lab.kubectl(['get', '--raw', '/apis/lab.kiada.dev/v1/traces'])).stdout);
        const app = list.items.find((e: { detail: string }) => e.detail.includes('/?from=kubectl'));
        return app && list.items.filter((e: { session: string }) => e.session === app.session || app.session.startsWith(`${e.session}.`));
      });
      expect(events.map((e: { hop: string; ok: boolean; method: string }) => [e.hop, e.ok, e.method])).toEqual([
        ['tunnel', true, 'port-forward'], ['API server', true, 'port-forward'], ['kubelet', true, 'port-forward'], ['pod loopback', true, 'port-forward'], ['app', true, 'port-forward'],
      ]);
      // kubectl 1.32: SPDY inside a WebSocket.
      expect(events[0].detail).toBe('101 Switching Protocols: WebSocket, subprotocol SPDY/3.1+portforward.k8s.io');
      expect(events.at(-1)).toMatchObject({ apiVersion: 'lab.kiada.dev/v1', kind: 'TraceEvent', namespace: 'default', pod: 'kiada', clientIP: '::ffff:127.0.0.1', source: 'lab' });
      expect(events.every((e: Record<string, unknown>) => !('owner' in e))).toBe(true);
    } finally {
      pf.kill();
    }
    // Without credentials: 401, as for every other path; a real API server's 404 for a group it lacks is what
    // kiada reads as "not the lab".
    const anon = await lab.kubectl(['get', '--raw', '/apis/lab.kiada.dev/v1/traces', '--token', 'not-the-token']);
    expect(anon.code).toBe(1);
    expect(anon.stderr).toContain('Unauthorized');
  }, 30_000);
});
