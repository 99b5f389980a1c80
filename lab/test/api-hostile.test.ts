// What a typo or a hostile request does to the lab's API server, through the real kubectl (and curl where kubectl
// cannot send it): prototype keys in patches, bad types and values, pathological bodies and parameters.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { skipUnlessLab, startTestLab, waitFor, type TestLab } from '../src/testing.ts';

const skip = skipUnlessLab();

const sleeper = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: busybox\n    args: [sleep, "3600"]\n`;

describe.skipIf(skip)('lab API server against hostile input', () => {
  let lab: TestLab;
  beforeAll(async () => {
    lab = await startTestLab();
  }, 90_000);
  afterAll(async () => {
    await lab?.down();
  }, 60_000);

  const phase = async (name: string) => (await lab.kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])).stdout;

  it('a JSON patch into __proto__ or constructor.prototype is refused; pods keep running, new ones run, delete works', async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: sleeper('bb') });
    await lab.waitReady('bb');
    for (const path of ['/__proto__/deletionTimestamp', '/constructor/prototype/deletionTimestamp', '/metadata/__proto__/deletionTimestamp']) {
      const r = await lab.kubectl(['patch', 'pod', 'bb', '--type=json', '-p', JSON.stringify([{ op: 'add', path, value: '2020-01-01T00:00:00Z' }])]);
      expect(r).toEqual({ code: 1, stdout: '', stderr: 'The request is invalid: the server rejected our request due to an error in our request\n' });
    }
    for (const patch of ['{"__proto__": {"deletionTimestamp": "2020-01-01T00:00:00Z"}}', '{"metadata": {"__proto__": {"deletionTimestamp": "2020-01-01T00:00:00Z"}}}']) {
      for (const type of ['merge', 'strategic']) await lab.kubectl(['patch', 'pod', 'bb', `--type=${type}`, '-p', patch]);
    }
    // A new pod runs and stays; the old one was not torn down.
    await lab.kubectl(['apply', '-f', '-'], { input: sleeper('bb2') });
    await lab.waitReady('bb2');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await phase('bb2')).toBe('Running');
    expect(await phase('bb')).toBe('Running');
    const pod = JSON.parse((await lab.kubectl(['get', 'pod', 'bb', '-o', 'json'])).stdout);
    expect(pod.metadata.deletionTimestamp).toBeUndefined();
    expect((await lab.kubectl(['delete', 'pod', 'bb', 'bb2'])).stdout).toBe('pod "bb" deleted\npod "bb2" deleted\n');
    expect((await lab.kubectl(['get', 'pods', '-o', 'name'])).stdout).toBe('');
  }, 60_000);
});
