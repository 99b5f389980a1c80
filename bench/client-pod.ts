// The one-off client pod: wall time of `kiada curl-from-pod` vs `kubectl run --rm -i … curl`, alternating.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { TestLab } from '@kiada/lab/testing.ts';
import { withLab, deploy } from './cluster.ts';
import { ratio, fmt, table, median } from './lib.ts';

const BIN = path.resolve(import.meta.dirname, '..', 'tools', 'src', 'bin', 'kiada.js');

function timed(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    execFile(argv[0], argv.slice(1), { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout) => {
      if (err || !stdout.includes('Kiada version 0.1')) return reject(new Error(`${argv.join(' ')} failed: ${err?.message ?? stdout}`));
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

export async function run(): Promise<string> {
  return withLab('One-off client pod', async (lab: TestLab) => {
    const ip = await deploy(lab);
    const env = { KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home };
    const ours: number[] = [], theirs: number[] = [];
    for (let i = 0; i < 5; i++) {
      ours.push(await timed([process.execPath, BIN, 'curl-from-pod', '-q'], env));
      theirs.push(await timed(['kubectl', '--kubeconfig', lab.kubeconfig, '--cache-dir', lab.cacheDir, 'run', '--image=curlimages/curl', '-i', '--restart=Never', '--rm', 'client-pod', '--', 'curl', '-s', `${ip}:8080`], env));
    }
    const o = median(ours), t = median(theirs);
    return `### One-off client pod (target ≤ 1.0× kubectl)\n\n` + table(['', 'kiada curl-from-pod', 'kubectl run --rm -i … curl', 'ratio'], [['wall time, ms (median of 5)', fmt(o), fmt(t), ratio(o, t)]]);
  });
}
