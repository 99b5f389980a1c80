// Port-forward: our `kiada port-forward` (client-node) vs `kubectl port-forward`, same lab, same pods:
// MB/s of one 100 MB echo round trip, and req/s of GET / over 100 parallel connections.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { waitFor, type TestLab } from '@kiada/lab/testing.ts';
import { withLab, deploy } from './cluster.ts';
import { load, ratio, fmt, table, vsReference, SECONDS, median, type Load, type Section } from './lib.ts';

const BIN = path.resolve(import.meta.dirname, '..', 'tools', 'src', 'bin', 'kiada.js');

async function forward(argv: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  const port = Number(await waitFor('Forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 15_000));
  child.stdout!.resume();
  return { child, port };
}

function roundTripMBps(port: number, payload: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let got = 0;
    // No half-close: client-node's channel protocol cannot carry one, so the client closes once all is back.
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(payload));
    s.on('data', (c) => {
      got += c.length;
      if (got >= payload.length) {
        s.destroy();
        resolve(payload.length / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9));
      }
    });
    s.on('end', () => got < payload.length && reject(new Error(`echo returned ${got} of ${payload.length} bytes`)));
    s.on('error', reject);
  });
}

export async function run(): Promise<Section> {
  return withLab('Port-forward', async (lab: TestLab) => {
    await deploy(lab);
    const env = { KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home };
    const kubectl = ['kubectl', '--kubeconfig', lab.kubeconfig, '--cache-dir', lab.cacheDir, 'port-forward'];
    const ours = { echo: await forward([process.execPath, BIN, 'port-forward', 'echo', ':9000', '-q'], env), kiada: await forward([process.execPath, BIN, 'port-forward', 'kiada', ':8080', '-q'], env) };
    const theirs = { echo: await forward([...kubectl, 'echo', ':9000'], env), kiada: await forward([...kubectl, 'kiada', ':8080'], env) };
    try {
      const payload = randomBytes(100 * 1024 * 1024);
      const mb = { ours: [] as number[], theirs: [] as number[] };
      for (let i = 0; i < 3; i++) {
        mb.ours.push(await roundTripMBps(ours.echo.port, payload));
        mb.theirs.push(await roundTripMBps(theirs.echo.port, payload));
      }
      // Three alternating rounds, the median of each side: one round on two shared cores swings by ±15 %.
      const rounds = { ours: [] as Load[], theirs: [] as Load[] };
      for (let i = 0; i < 3; i++) {
        rounds.ours.push(await load(`http://127.0.0.1:${ours.kiada.port}/`, 100));
        rounds.theirs.push(await load(`http://127.0.0.1:${theirs.kiada.port}/`, 100));
      }
      const mid = (rs: Load[]) => [...rs].sort((a, b) => a.rps - b.rps)[1];
      const rOurs = mid(rounds.ours);
      const rTheirs = mid(rounds.theirs);
      const errors = (rs: Load[]) => rs.reduce((n, r) => n + r.errors + r.non2xx, 0);
      const mo = median(mb.ours), mt = median(mb.theirs);
      const goals = [
        vsReference('kiada port-forward, 100 MB echo round trip', 'MB/s', mo, 'kubectl port-forward', mt, '>=', 1.0),
        vsReference('kiada port-forward, GET / with 100 connections', 'req/s', rOurs.rps, 'kubectl port-forward', rTheirs.rps, '>=', 1.0),
      ];
      const text = `### Port-forward (target ≥ 1.0× kubectl; same lab, same pods)\n\n` + table(
        ['measure', 'kiada port-forward', 'kubectl port-forward', 'ratio'],
        [
          ['100 MB echo round trip, MB/s (median of 3)', fmt(mo, 1), fmt(mt, 1), ratio(mo, mt)],
          [`GET / with 100 connections, req/s (median of 3 rounds of ${SECONDS} s)`, fmt(rOurs.rps), fmt(rTheirs.rps), ratio(rOurs.rps, rTheirs.rps)],
          ['errors + non-2xx (all rounds)', errors(rounds.ours), errors(rounds.theirs), ''],
        ],
      );
      return { text, goals };
    } finally {
      for (const f of [ours.echo, ours.kiada, theirs.echo, theirs.kiada]) f.child.kill('SIGINT');
    }
  });
}
