// A lab for the cluster benchmarks, with kiada and an echo server deployed (needs root, like the lab).
import { startTestLab, waitFor, prerequisites, ECHO_POD, KIADA_POD, type TestLab } from '@kiada/lab/testing.ts';
import type { Section } from './lib.ts';

export const ECHO_AND_KIADA = `${ECHO_POD}---\n${KIADA_POD}`;

/** A benchmark's section when the lab's prerequisites are missing: its title and why it did not run. */
export const notRun = (title: string, why: string): Section => ({ text: `### ${title}\n\n(not run: ${why})\n`, goals: [] });

/** Runs a benchmark on a lab of its own (removed afterwards); without root or kubectl, says why it did not run. */
export async function withLab(title: string, fn: (lab: TestLab) => Promise<Section>): Promise<Section> {
  const missing = prerequisites();
  if (missing) return notRun(title, missing);
  const lab = await startTestLab();
  try {
    return await fn(lab);
  } finally {
    await lab.down();
  }
}

export async function deploy(lab: TestLab): Promise<string> {
  await lab.kubectl(['apply', '-f', '-'], { input: ECHO_AND_KIADA });
  await waitFor('echo', async () => (await lab.kubectl(['logs', 'echo'])).stdout === 'echo up\n');
  await waitFor('kiada', async () => (await lab.kubectl(['logs', 'kiada'])).stdout.includes('Listening on port 8080'));
  // Their logs can show before their status says Running, and port-forward wants a Running pod.
  await lab.waitReady('echo');
  await lab.waitReady('kiada');
  return (await lab.kubectl(['get', 'pod', 'kiada', '-o', 'jsonpath={.status.podIP}'])).stdout;
}
