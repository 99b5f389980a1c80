// `kiada tour` with no cluster configured at all: it starts the lab, deploys kiada from k8s/pod.kiada.yaml and
// walks the steps; the lab keeps running afterwards (and is removed here).
import { describe, it, expect, afterAll } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labDown } from '@kiada/lab/control.ts';
import { randomLabId, skipUnlessLab, readOwner } from '@kiada/lab/testing.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const skip = skipUnlessLab();

describe.skipIf(skip)('tour on a machine without a cluster', () => {
  const id = randomLabId();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-tour-'));
  const home = path.join(root, 'home');
  const labHome = path.join(root, 'lab');
  fs.mkdirSync(home);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, KIADA_LAB_ID: id, KIADA_LAB_HOME: labHome, NO_COLOR: '1' };
  delete env.KUBECONFIG;
  const kiada = (args: string[], timeout = 120_000) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env, timeout }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });

  afterAll(async () => {
    try {
      await labDown({ id, home: labHome });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);

  it('starts the lab, deploys kiada and walks every step', async () => {
    const r = await kiada(['tour']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('No cluster configured: starting the lab, a kind-like cluster of network namespaces.');
    expect(lines[1]).toMatch(new RegExp(`^The commands below use it through: export KUBECONFIG=${labHome.replace(/[.]/g, '\\.')}/\\S+$`));
    expect(lines[2]).toBe('Cluster: context kiada-lab, namespace default.');
    expect(r.stderr.split('\n').slice(0, 2)).toEqual(['kiada is not deployed yet: creating it from k8s/pod.kiada.yaml.', '$ kubectl apply -f k8s/pod.kiada.yaml']);
    expect(lines.filter((l) => l.startsWith('── Step ')).length).toBe(7);
    expect(lines.at(-2)).toBe('The lab keeps running for you to try them; `npx kiada lab down` stops it and removes everything it made.');
    // The lab of $KIADA_LAB_ID, not the default "lab" (a reader's own lab is never touched by the tests).
    expect(readOwner(id)).toMatchObject({ id, stateDir: labHome, kubeconfig: path.join(labHome, 'kubeconfig') });
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).toContain(`kiada-${id}-n0`);
    const status = await kiada(['lab', 'status'], 20_000);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^running: pid \d+, API https:\/\/127\.0\.0\.1:\d+, kubeconfig /);
    // A second tour (a new shell: no $KUBECONFIG) finds the lab and kiada there already, and says again how its
    // printed kubectl commands reach the lab.
    const again = await kiada(['tour']);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').slice(0, 2)).toEqual([lines[1], 'Cluster: context kiada-lab, namespace default.']);
    expect(again.stderr).not.toContain('kiada is not deployed yet');
    // After `lab down`, a reader who kept `export KUBECONFIG=…` of the lab: the tour starts the lab again.
    const kubeconfig = lines[1].replace('The commands below use it through: export KUBECONFIG=', '');
    expect((await kiada(['lab', 'down'], 60_000)).code).toBe(0);
    expect(fs.existsSync(kubeconfig)).toBe(false);
    const kept = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'tour', '-q'], { env: { ...env, KUBECONFIG: kubeconfig }, timeout: 120_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }));
    });
    expect(kept.code).toBe(0);
    expect(kept.stdout.split('\n').slice(0, 3)).toEqual([
      'No cluster configured: starting the lab, a kind-like cluster of network namespaces.',
      `The commands below use it through: export KUBECONFIG=${kubeconfig}`,
      'Cluster: context kiada-lab, namespace default.',
    ]);
  }, 240_000);
});
