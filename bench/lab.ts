// The lab itself: `lab up` to kiada Running and Ready, the lab's memory (PSS) idle beside kiada and per further pod, `lab
// down`, 50 pods create-to-Running, and API req/s for `get pods` from 10 parallel clients against a raw node:https
// server sending the same bytes (the ceiling).
import fs from 'node:fs';
import https from 'node:https';
import { parse } from 'yaml';
import { labUp, labDown } from '@kiada/lab/control.ts';
import { prerequisites, waitFor, makeTestHome, randomLabId, generateCerts, readOwner, KIADA_POD } from '@kiada/lab/testing.ts';
import { labMemory, mb, breakdown } from './pss.ts';
import { ratio, fmt, table, SECONDS, median, limit, report, type Section } from './lib.ts';
import { notRun } from './cluster.ts';

import { execFile } from 'node:child_process';

const kubectl = (kc: string, args: string[], input?: string) =>
  new Promise<string>((resolve) => {
    const c = execFile('kubectl', ['--kubeconfig', kc, ...args], (_e, out) => resolve(out));
    c.stdin!.end(input ?? '');
  });

async function rps(url: string, headers: Record<string, string>, ca: string): Promise<number> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 10, ca });
  let n = 0;
  const end = Date.now() + SECONDS * 1000;
  const loop = async () => {
    while (Date.now() < end) {
      await new Promise<void>((resolve, reject) =>
        https.get(url, { agent, headers }, (res) => res.resume().on('end', () => (n++, resolve()))).on('error', reject),
      );
    }
  };
  await Promise.all(Array.from({ length: 10 }, loop));
  agent.destroy();
  return n / SECONDS;
}

export async function run(): Promise<Section> {
  const missing = prerequisites();
  if (missing) return notRun('Lab', missing);
  const id = randomLabId('b');
  // Owned by whoever typed `sudo npm run bench`, as the lab requires of its state directory.
  const home = makeTestHome('kiada-bench-lab-');
  try {
    const t0 = Date.now();
    const up = await labUp({ id, home });
    const upMs = Date.now() - t0;
    await kubectl(up.kubeconfig, ['apply', '-f', '-'], KIADA_POD);
    // Ready as a user waits for it (`kubectl wait`, a watch: no polling delay), Running polled beside it.
    let readyMs = 0;
    const readyWait = kubectl(up.kubeconfig, ['wait', '--for=condition=Ready', 'pod/kiada', '--timeout=30s']).then(() => (readyMs = Date.now() - t0));
    await waitFor('kiada Running', async () => (await kubectl(up.kubeconfig, ['get', 'pod', 'kiada', '-o', 'jsonpath={.status.phase}'])) === 'Running', 30_000);
    const runningMs = Date.now() - t0;
    await readyWait;

    // Memory: the lab's processes (daemon, node agents, what holds pods) beside kiada once it is Ready, then with
    // 10 more pods whose containers are a `sleep` each; the containers' own processes are not the lab's.
    const ready = async (names: string[]) => {
      const items = JSON.parse(await kubectl(up.kubeconfig, ['get', 'pods', '-o', 'json'])).items as { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
      return names.every((n) => items.some((p) => p.metadata.name === n && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')));
    };
    await waitFor('kiada Ready', () => ready(['kiada']), 30_000);
    const daemonPid = readOwner(id)!.pid;
    const settle = () => new Promise((r) => setTimeout(r, 2000));
    await settle();
    const idle = labMemory(daemonPid);
    const extra = Array.from({ length: 10 }, (_, i) => `m${i}`);
    await kubectl(up.kubeconfig, ['apply', '-f', '-'], extra.map((n) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${n}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    args: ["sleep", "3600"]\n`).join('---\n'));
    await waitFor('10 more pods Ready', () => ready(extra), 60_000);
    await settle();
    const ten = labMemory(daemonPid);
    const perPodMb = mb(ten.labKb - idle.labKb) / extra.length;

    // 50 pods at once; each one's latency from its creationTimestamp to its Running condition.
    const manifest = Array.from({ length: 50 }, (_, i) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    args: ["sleep", "60"]\n`).join('---\n');
    // Latency per pod as a client sees it: from the apply to the first poll (every 100 ms) showing it Ready.
    const c0 = Date.now();
    await kubectl(up.kubeconfig, ['apply', '-f', '-'], manifest);
    const podCount = 1 + extra.length + 50;
    const readyAt = new Map<string, number>();
    await waitFor('50 Ready', async () => {
      const items = JSON.parse(await kubectl(up.kubeconfig, ['get', 'pods', '-o', 'json'])).items as { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[];
      for (const p of items) {
        if (/^p\d+$/.test(p.metadata.name) && !readyAt.has(p.metadata.name) && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) readyAt.set(p.metadata.name, Date.now() - c0);
      }
      return readyAt.size === 50;
    }, 120_000);
    const allMs = Date.now() - c0;
    const lat = [...readyAt.values()];

    const kc = parse(fs.readFileSync(up.kubeconfig, 'utf8'));
    const ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
    const headers = { Authorization: `Bearer ${kc.users[0].user.token}`, Accept: 'application/json' };
    const url = `https://127.0.0.1:${up.port}/api/v1/namespaces/default/pods`;
    const ours = await rps(url, headers, ca);
    // The ceiling: the same response bytes from a bare node:https server with a certificate of the same kind.
    const body = await new Promise<Buffer>((resolve) => https.get(url, { headers, ca }, (res) => { const b: Buffer[] = []; res.on('data', (c) => b.push(c)).on('end', () => resolve(Buffer.concat(b))); }));
    const certs = await generateCerts();
    const raw = https.createServer({ key: certs.key, cert: certs.cert }, (_q, s) => s.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length }).end(body));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
    const ceiling = await rps(`https://127.0.0.1:${(raw.address() as { port: number }).port}/`, headers, certs.ca);
    raw.close();

    const d0 = Date.now();
    await labDown({ id, home });
    const downMs = Date.now() - d0;
    const goals = [
      limit('`lab up` to kiada Ready', 'ms', readyMs, '<', 2000),
      limit('idle lab (daemon, nodes) beside kiada, PSS', 'MB', mb(idle.labKb), '<=', 150),
      limit('each further pod (a `sleep` container), lab PSS beyond its own processes', 'MB', perPodMb, '<=', 5),
      report(`GET pods (${podCount} pods), 10 parallel clients`, 'req/s', ours, 'raw node:https, same bytes', ceiling),
    ];
    const text = `### Lab\n\n` + table(['measure', 'lab', 'reference', 'ratio'], [
      ['`lab up` (API answers, nodes Ready), ms', upMs, '', ''],
      ['`lab up` to kiada Running (polled), ms', runningMs, '', ''],
      ['`lab up` to kiada Ready (`kubectl wait --for=condition=Ready`), ms (target < 2000)', readyMs, 2000, ratio(readyMs, 2000)],
      ['idle lab beside kiada Ready: PSS of the lab\'s processes, MB (target ≤ 150)', fmt(mb(idle.labKb), 1), 150, ratio(mb(idle.labKb), 150)],
      [`  where: ${breakdown(idle)}; kiada's own processes ${fmt(mb(idle.containersKb), 1)}`, '', '', ''],
      ['each of 10 further `sleep` pods: lab PSS beyond the pods\' processes, MB (target ≤ 5)', fmt(perPodMb, 2), 5, ratio(perPodMb, 5)],
      [`  where, with them: ${breakdown(ten)}; the pods' own processes ${fmt(mb(ten.containersKb - idle.containersKb), 1)}`, '', '', ''],
      [`\`lab down\`, ms (with ${podCount} pods)`, downMs, '', ''],
      ['50 pods applied at once: all Ready after, ms', allMs, '', ''],
      ['  apply-to-Ready per pod (polled every 100 ms), p50 / max ms', `${fmt(median(lat))} / ${fmt(Math.max(...lat))}`, '', ''],
      [`GET pods (${podCount} pods, JSON), 10 parallel clients, req/s (${SECONDS} s)`, fmt(ours), `${fmt(ceiling)} (raw node:https, same bytes)`, ratio(ours, ceiling)],
    ]);
    return { text, goals };
  } finally {
    await labDown({ id, home }).catch(() => {});
    fs.rmSync(home, { recursive: true, force: true });
  }
}
