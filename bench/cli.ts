// The CLI: wall time of each kiada command beside the kubectl command it stands for, on one lab, in alternating
// rounds — as the installed bin (node_modules/.bin/kiada, what `kubectl kiada` runs) and as the README tells users
// to type it (`kiada …` with node_modules/.bin on the PATH). References: Node's own start-up, the floor of a Node
// program reading a pod (fixtures/https-get.mjs), and the other ways to start kiada (npx, kubectl's plugin lookup).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import type { TestLab } from '@kiada/lab/testing.ts';
import { PORTS_JSONPATH } from '../tools/src/commands/ports.ts';
import { freshCliEntry } from '../tools/scripts/bundled.cjs';
import { withLab, deploy } from './cluster.ts';
import { fmt, ratio, table, median, vsReference, type Section } from './lib.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN_DIR = path.join(ROOT, 'node_modules', '.bin');
const RUNS = Number(process.env.KIADA_BENCH_CLI_RUNS ?? 31);
// Bounded in time too: after this, no new round starts (at least 3 run).
const BUDGET_MS = Number(process.env.KIADA_BENCH_CLI_SECONDS ?? 120) * 1000;

/** Wall time of one run, ms; it must exit 0 and print what it is expected to print. */
function timed(argv: string[], env: NodeJS.ProcessEnv, expect: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    execFile(argv[0], argv.slice(1), { env, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (err || !expect.test(stdout)) return reject(new Error(`${argv.join(' ')} failed: ${err?.message ?? ''}\n${stdout}${stderr}`));
      resolve(ms);
    });
  });
}

interface Pair {
  name: string;
  kiada: string[];
  kubectl: string[];
  expect: RegExp;
}

export async function run(): Promise<Section> {
  return withLab('CLI', async (lab: TestLab) => {
    const ip = await deploy(lab);
    await lab.waitReady('kiada');
    // A user's shell: the system's PATH (npm's own entries removed), node_modules/.bin first, as the README says.
    const systemPath = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules') && !d.includes('node-gyp-bin')).join(':');
    // Without NODE_EXTRA_CA_CERTS, which a user's shell seldom sets and this machine sets for its proxy: Node parses
    // that file at its first TLS connection (~6 ms here) even when, as with a kubeconfig's CA, it is not used;
    // kubectl never reads it. Its cost is reported beside (extraCaRows).
    const { NODE_EXTRA_CA_CERTS: extraCa, ...userEnv } = process.env;
    const env = { ...userEnv, PATH: `${BIN_DIR}:${systemPath}`, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home, NO_COLOR: '1' };
    const kubectl = ['kubectl', '--cache-dir', lab.cacheDir];
    const pairs: Pair[] = [
      { name: '`kiada --version` / `kubectl version --client`', kiada: ['--version'], kubectl: ['version', '--client'], expect: /\d+\.\d+\.\d+/ },
      { name: '`kiada --help` / `kubectl --help`', kiada: ['--help'], kubectl: ['--help'], expect: /Usage/ },
      { name: '`kiada completion bash` / `kubectl completion bash`', kiada: ['completion', 'bash'], kubectl: ['completion', 'bash'], expect: /complete .*-F/ },
      { name: '`kiada pod-ip` / `kubectl get pod kiada -o jsonpath={.status.podIP}`', kiada: ['pod-ip', '-q'], kubectl: ['get', 'pod', 'kiada', '-o', 'jsonpath={.status.podIP}'], expect: /^10\.244\./ },
      { name: '`kiada pod-ip -o wide` / `kubectl get pod kiada -o wide`', kiada: ['pod-ip', '-o', 'wide', '-q'], kubectl: ['get', 'pod', 'kiada', '-o', 'wide'], expect: /kind-worker/ },
      { name: '`kiada ports` / `kubectl get pod kiada -o jsonpath=…ports…`', kiada: ['ports', '-q'], kubectl: ['get', 'pod', 'kiada', '-o', `jsonpath=${PORTS_JSONPATH}`], expect: /8080\/TCP/ },
      { name: '`kiada logs --tail 5` / `kubectl logs kiada --tail 5`', kiada: ['logs', '--tail', '5', '-q'], kubectl: ['logs', 'kiada', '--tail', '5'], expect: /Listening|Received request/ },
      { name: '`kiada exec -- hostname` / `kubectl exec kiada -- hostname`', kiada: ['exec', '-q', '--', 'hostname'], kubectl: ['exec', 'kiada', '--', 'hostname'], expect: /^kiada$/m },
      {
        name: '`kiada curl-from-pod` / `kubectl run -i --rm … curl`',
        kiada: ['curl-from-pod', '-q'],
        // A name of its own: a pod of kiada's still being deleted must not make kubectl's run fail.
        kubectl: ['run', '--image=curlimages/curl', '-i', '--restart=Never', '--rm', 'kubectl-client', '--', 'curl', '-s', `${ip}:8080`],
        expect: /Kiada version 0.1/,
      },
    ];
    const ways = {
      kubectl: (p: Pair) => [...kubectl, ...p.kubectl],
      bin: (p: Pair) => [path.join(BIN_DIR, 'kiada'), ...p.kiada],
      path: (p: Pair) => ['kiada', ...p.kiada],
    };
    type Way = keyof typeof ways;
    const times = new Map<string, number[]>();
    const record = (key: string, ms: number) => times.set(key, [...(times.get(key) ?? []), ms]);
    // Warm-up, untimed: kubectl's discovery cache, Node's compile cache.
    for (const p of pairs) for (const w of Object.keys(ways) as Way[]) await timed(ways[w](p), env, p.expect);
    const started = Date.now();
    let rounds = 0;
    for (; rounds < RUNS && (rounds < 3 || Date.now() - started < BUDGET_MS); rounds++) {
      for (const p of pairs) {
        // The order turns each round: none of the three always runs first, after a pause, or last.
        const order = (['kubectl', 'bin', 'path'] as Way[]).map((_, i, a) => a[(i + rounds) % a.length]);
        for (const w of order) record(`${w} ${p.name}`, await timed(ways[w](p), env, p.expect));
      }
    }
    const m = (key: string) => median(times.get(key)!);
    // The summary's rows: each command, as the bin and as typed on the PATH (the README's way), against its
    // kubectl command.
    const goals = pairs.flatMap((p) => {
      const what = p.name.split(' / ')[0];
      const k = m(`kubectl ${p.name}`);
      return [
        vsReference(`${what} (bin)`, 'ms', m(`bin ${p.name}`), 'kubectl', k, '<=', 1.0),
        vsReference(`${what} (on the PATH)`, 'ms', m(`path ${p.name}`), 'kubectl', k, '<=', 1.0),
      ];
    });
    const rows = pairs.map((p) => {
      const k = m(`kubectl ${p.name}`), b = m(`bin ${p.name}`), r = m(`path ${p.name}`);
      return [p.name, fmt(k), fmt(b), ratio(b, k), fmt(r), ratio(r, k)];
    });

    // References, fewer runs (npx is slow): how far Node itself is from kubectl, and the other ways to start kiada.
    const kc = parse(fs.readFileSync(lab.kubeconfig, 'utf8'));
    const floorEnv = { ...env, FLOOR_URL: `${kc.clusters[0].cluster.server}/api/v1/namespaces/default/pods/kiada`, FLOOR_TOKEN: kc.users[0].user.token, FLOOR_CA: kc.clusters[0].cluster['certificate-authority-data'] };
    const refs: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
      ['bare Node start-up: `node -e 0`', ['node', '-e', '0'], env, /^$/],
      // The floors with the young generation the bin's first line gives kiada (no scavenge), so that they stay floors.
      ['the floor of `get pod` in Node: start-up + node:https + one GET (fixtures/https-get.mjs)', ['node', '--min-semi-space-size=2', path.join(import.meta.dirname, 'fixtures', 'https-get.mjs')], floorEnv, /^$/],
      ['the same floor without node:http: start-up + node:tls + one GET written by hand (fixtures/tls-get.mjs)', ['node', '--min-semi-space-size=2', path.join(import.meta.dirname, 'fixtures', 'tls-get.mjs')], floorEnv, /^$/],
      ['`npx kiada --version` (npm starts first)', ['npx', 'kiada', '--version'], env, /\d+\.\d+\.\d+/],
      ['`kubectl kiada --version` (kubectl finds the plugin, then runs it)', ['kubectl', 'kiada', '--version'], env, /\d+\.\d+\.\d+/],
    ];
    // As after `npm start`: no KUBECONFIG and no ~/.kube/config (a home of its own), the lab found by its registry.
    const bareHome = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-bench-home-'));
    const { KUBECONFIG: _, ...noKubeconfig } = env;
    refs.push(['`kiada pod-ip` with no kubeconfig at all (the lab found by its registry, as after `npm start`)', ways.bin(pairs[3]), { ...noKubeconfig, HOME: bareHome, XDG_CACHE_HOME: bareHome }, pairs[3].expect]);
    if (extraCa) {
      const withCa = { ...env, NODE_EXTRA_CA_CERTS: extraCa };
      refs.push(
        [`\`kiada pod-ip\` with this machine's NODE_EXTRA_CA_CERTS=${extraCa}`, ways.bin(pairs[3]), withCa, pairs[3].expect],
        [`the floor with NODE_EXTRA_CA_CERTS=${extraCa}`, refs[1][1], { ...floorEnv, NODE_EXTRA_CA_CERTS: extraCa }, /^$/],
      );
    }
    const refRows: string[][] = [];
    const version = m(`kubectl ${pairs[0].name}`), getPod = m(`kubectl ${pairs[3].name}`);
    try {
      for (const [name, argv, e, expect] of refs) {
        await timed(argv, e, expect);
        const t: number[] = [];
        for (let i = 0; i < 3; i++) t.push(await timed(argv, e, expect));
        const podRead = name.includes('floor') || name.includes('pod-ip');
        refRows.push([name, fmt(median(t)), `${ratio(median(t), podRead ? getPod : version)} ${podRead ? '`kubectl get pod`' : '`kubectl version --client`'}`]);
      }
    } finally {
      fs.rmSync(bareHome, { recursive: true, force: true });
    }
    const stale = freshCliEntry() ? '' : '\n**The CLI bundle is missing or stale: this measured the sources. Run `npm run prepare` first.**\n';
    const text = `### CLI (target: each ≤ 1.0× kubectl; wall ms, median of ${rounds} alternating rounds)\n${stale}\n` +
      table(['command (kiada / kubectl)', 'kubectl', 'kiada (bin)', 'ratio', '`kiada` on the PATH (README)', 'ratio'], rows) +
      '\nReferences (median of 3):\n\n' + table(['', 'ms', 'vs kubectl'], refRows);
    return { text, goals };
  });
}
