// Port-forward: our `kiada port-forward` (one SPDY tunnel in a WebSocket, as kubectl 1.32) vs `kubectl
// port-forward`, same lab, same pods, and both against a direct connection to the pod from its node (the same
// client run in the node's network namespace: the limit of the path): MB/s of one 100 MB echo round trip, and
// req/s of GET / over 100 parallel connections.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { randomBytes } from 'node:crypto';
import { waitFor, readOwner, type TestLab } from '@kiada/lab/testing.ts';
import { withLab, deploy } from './cluster.ts';
import { load, ratio, fmt, table, vsReference, report, echoRoundTripMBps, SECONDS, median, type Load, type Section } from './lib.ts';

const BIN = path.resolve(import.meta.dirname, '..', 'tools', 'src', 'bin', 'kiada.cjs');
/** The rounds of each side, in order: "kiada 1 / 2 / 3, kubectl …, direct …". */
const each = <T>(r: { ours: T[]; theirs: T[]; direct: T[] }, f: (x: T) => string) =>
  `kiada ${r.ours.map(f).join(' / ')}, kubectl ${r.theirs.map(f).join(' / ')}, direct ${r.direct.map(f).join(' / ')}`;
const NETNS_CLIENT = path.join(import.meta.dirname, 'fixtures', 'netns-client.ts');

async function forward(argv: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c).length > 4096 && (err = err.slice(-4096)));
  try {
    const port = Number(await waitFor('Forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 15_000));
    child.stdout!.resume();
    return { child, port };
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${argv.join(' ')}: ${(e as Error).message}\n${err}`);
  }
}

/** The client of fixtures/netns-client.ts in a node's network namespace; `ask` runs one measurement there. */
function nodeClient(netns: string) {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, NETNS_CLIENT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise((r) => child.once('exit', r));
  return {
    async ask<T>(q: object): Promise<T> {
      child.stdin!.write(JSON.stringify(q) + '\n');
      const { value, done } = await answers.next();
      if (done) throw new Error(`the client in ${netns} exited (${child.exitCode ?? child.signalCode})`);
      const a = JSON.parse(value);
      if (a.error) throw new Error(`in ${netns}: ${a.error}`);
      return a.ok as T;
    },
    async stop() {
      child.stdin!.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A pod's IP and the network namespace of its node (from the lab's register). */
async function podPlace(lab: TestLab, pod: string): Promise<{ ip: string; netns: string }> {
  const [ip, node] = (await lab.kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.podIP} {.spec.nodeName}'])).stdout.split(' ');
  const netns = readOwner(lab.id)?.nodes.find((n) => n.name === node)?.netns;
  if (!ip || !netns) throw new Error(`pod ${pod}: no IP or node namespace (${ip}, ${node})`);
  return { ip, netns };
}

export async function run(): Promise<Section> {
  return withLab('Port-forward', async (lab: TestLab) => {
    await deploy(lab);
    const env = { KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home };
    const kubectl = ['kubectl', '--kubeconfig', lab.kubeconfig, '--cache-dir', lab.cacheDir, 'port-forward'];
    // Everything started is stopped at the end, also when a later start fails.
    const forwards: ChildProcess[] = [];
    const clients: ReturnType<typeof nodeClient>[] = [];
    const started = async (argv: string[]) => {
      const f = await forward(argv, env);
      forwards.push(f.child);
      return f;
    };
    const client = (netns: string) => clients[clients.push(nodeClient(netns)) - 1];
    try {
      const ours = { echo: await started([process.execPath, BIN, 'port-forward', 'echo', ':9000', '-q']), kiada: await started([process.execPath, BIN, 'port-forward', 'kiada', ':8080', '-q']) };
      const theirs = { echo: await started([...kubectl, 'echo', ':9000']), kiada: await started([...kubectl, 'kiada', ':8080']) };
      const echo = await podPlace(lab, 'echo'), kiada = await podPlace(lab, 'kiada');
      const direct = { echo: client(echo.netns), kiada: kiada.netns === echo.netns ? null : client(kiada.netns) };
      const kiadaClient = direct.kiada ?? direct.echo;
      const payload = randomBytes(100 * 1024 * 1024);
      const mb = { ours: [] as number[], theirs: [] as number[], direct: [] as number[] };
      // The sides take turns first (ours, theirs, direct; then theirs, direct, ours; …): none always follows the
      // direct round, whose ~20k req/s of app log lines the lab may still be taking in when the next round starts.
      const sides = ['ours', 'theirs', 'direct'] as const;
      const turns = (i: number) => sides.map((_, j) => sides[(i + j) % sides.length]);
      for (let i = 0; i < 3; i++) {
        for (const side of turns(i)) {
          if (side === 'ours') mb.ours.push(await echoRoundTripMBps('127.0.0.1', ours.echo.port, payload));
          else if (side === 'theirs') mb.theirs.push(await echoRoundTripMBps('127.0.0.1', theirs.echo.port, payload));
          else mb.direct.push(await direct.echo.ask<number>({ op: 'mb', host: echo.ip, port: 9000 }));
        }
      }
      // Three alternating rounds, the median of each side: one round on two shared cores swings by ±15 %.
      const rounds = { ours: [] as Load[], theirs: [] as Load[], direct: [] as Load[] };
      for (let i = 0; i < 3; i++) {
        for (const side of turns(i)) {
          if (side === 'ours') rounds.ours.push(await load(`http://127.0.0.1:${ours.kiada.port}/`, 100));
          else if (side === 'theirs') rounds.theirs.push(await load(`http://127.0.0.1:${theirs.kiada.port}/`, 100));
          else rounds.direct.push(await kiadaClient.ask<Load>({ op: 'load', url: `http://${kiada.ip}:8080/`, connections: 100 }));
        }
      }
      const mid = (rs: Load[]) => [...rs].sort((a, b) => a.rps - b.rps)[1];
      const r = { ours: mid(rounds.ours).rps, theirs: mid(rounds.theirs).rps, direct: mid(rounds.direct).rps };
      const errors = (rs: Load[]) => rs.reduce((n, x) => n + x.errors + x.non2xx, 0);
      const m = { ours: median(mb.ours), theirs: median(mb.theirs), direct: median(mb.direct) };
      const goals = [
        vsReference('kiada port-forward, 100 MB echo round trip', 'MB/s', m.ours, 'kubectl port-forward', m.theirs, '>=', 1.0),
        vsReference('kiada port-forward, GET / with 100 connections', 'req/s', r.ours, 'kubectl port-forward', r.theirs, '>=', 1.0),
        report('kiada port-forward, 100 MB echo round trip', 'MB/s', m.ours, 'direct from the pod\'s node', m.direct),
        report('kiada port-forward, GET / with 100 connections', 'req/s', r.ours, 'direct from the pod\'s node', r.direct),
      ];
      const text = `### Port-forward (target ≥ 1.0× kubectl; same lab, same pods; direct: the same client in the pod's node's network namespace, to the pod's IP)\n\n` + table(
        ['measure', 'kiada port-forward', 'kubectl port-forward', 'direct from the node', 'kiada/kubectl', 'kiada/direct', 'kubectl/direct'],
        [
          ['100 MB echo round trip, MB/s (median of 3)', fmt(m.ours, 1), fmt(m.theirs, 1), fmt(m.direct, 1), ratio(m.ours, m.theirs), ratio(m.ours, m.direct), ratio(m.theirs, m.direct)],
          [`GET / with 100 connections, req/s (median of 3 rounds of ${SECONDS} s)`, fmt(r.ours), fmt(r.theirs), fmt(r.direct), ratio(r.ours, r.theirs), ratio(r.ours, r.direct), ratio(r.theirs, r.direct)],
          ['errors + non-2xx (all rounds)', errors(rounds.ours), errors(rounds.theirs), errors(rounds.direct), '', '', ''],
        ],
      ) + `\nEach round (a stall shows here): MB/s ${each(mb, (x) => fmt(x, 1))}; req/s ${each(rounds, (x) => fmt(x.rps))}.\n`;
      return { text, goals };
    } finally {
      for (const f of forwards) f.kill('SIGINT');
      for (const c of clients) await c.stop();
    }
  });
}
