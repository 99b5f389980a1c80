// Hundreds of mutated versions of the repo's pod manifests applied through the real kubectl, in batches: after each
// batch the API server still serves; every rejected document is answered by the server (a Status kubectl prints,
// never a connection error or a 500); at the end a valid kiada pod runs and answers. The seed is printed;
// KIADA_FUZZ_SEED=<seed> replays a run.
import { describe, it, expect } from 'vitest';
import { skipUnlessLab, useTestLab, KIADA_POD } from '../src/testing.ts';
import { basePods, fuzzSeed, mutate, prng, tweak } from './fuzz-inputs.ts';

const skip = skipUnlessLab();
const BATCHES = 24;
const PER_BATCH = 25;

describe.skipIf(skip)('lab API server fuzzed through kubectl', () => {
  const lab = useTestLab();

  it(`${BATCHES * PER_BATCH} mutated manifests: every answer comes from the server, which keeps serving`, async () => {
    const seed = fuzzSeed();
    console.log(`kubectl fuzz seed: ${seed} (KIADA_FUZZ_SEED=${seed} replays it)`);
    const r = prng(seed);
    // Most pods get an image no kubelet can pull (cheap); a quarter run busybox, so that the kubelet starts what passed.
    const bases = basePods().flatMap((p) => {
      const run = structuredClone(p);
      for (const c of run.spec.containers) Object.assign(c, { image: 'busybox', command: undefined, args: ['sleep', '3600'] });
      const pull = structuredClone(p);
      for (const c of pull.spec.containers) c.image = 'kiada-fuzz.invalid/nothing:1';
      return [run, pull, pull, pull];
    });
    let created = 0;
    for (let b = 0; b < BATCHES; b++) {
      const items = Array.from({ length: PER_BATCH }, (_, i) => {
        // Every other batch keeps the types, so that more documents pass and the kubelet runs odd but valid pods.
        const doc = b % 2 ? tweak(r.pick(bases), r) : mutate(r.pick(bases), r);
        doc.metadata = { name: `fuzz-${b}-${i}`, labels: { fuzz: 'yes' } };
        return doc;
      });
      // A stream of JSON documents (kubectl reads them one after the other, as a multi-document YAML file).
      const input = items.map((d) => JSON.stringify(d)).join('\n');
      const res = await lab.kubectl(['apply', '-f', '-'], { input, timeoutMs: 60_000 });
      const context = `seed ${seed}, batch ${b}:\n${res.stderr.slice(0, 4000)}`;
      const ok = res.stdout.split('\n').filter((l) => / created$/.test(l)).length;
      // One report per rejected document, each a Status from the server: BadRequest, Invalid (422) or a 413.
      const reports = res.stderr.split('\n').filter((l) => /^(Error from server \(|The Pod "fuzz-\d+-\d+" is invalid: |The request is invalid: )/.test(l));
      for (const l of reports) expect(l, context).not.toMatch(/InternalError|Internal error|\(InternalError\)|500/);
      expect(res.stderr, context).not.toMatch(/connection refused|EOF|broken pipe|connection reset|unable to decode|http2:/);
      expect(ok + reports.length, context).toBe(PER_BATCH);
      created += ok;
      expect((await lab.kubectl(['get', '--raw', '/readyz'])).stdout, context).toBe('ok');
      await lab.kubectl(['delete', 'pods', '-l', 'fuzz=yes', '--grace-period=0', '--force', '--wait=false']);
    }
    console.log(`kubectl fuzz: ${created} of ${BATCHES * PER_BATCH} documents created, the rest refused`);
    expect((await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD })).stdout).toBe('pod/kiada created\n');
    const pod = await lab.waitReady('kiada');
    expect(pod.status.containerStatuses[0].ready).toBe(true);
    expect((await lab.kubectl(['get', '--raw', '/readyz'])).stdout).toBe('ok');
  }, 180_000);
});
