// Containers that cannot start, seen through the real kubectl on a real lab: the STATUS column, describe's
// container state and Warning events read as on kind, and the lab keeps serving.
import { describe, it, expect } from 'vitest';
import { skipUnlessLab, useTestLab, waitFor, KIADA_POD } from '../src/testing.ts';

const skip = skipUnlessLab();

const runcFailure = (cause: string) =>
  'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: ' +
  `unable to start container process: error during container init: ${cause}: unknown`;
const pod = (name: string, container: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: ${name}\n    image: busybox\n${container}`;
// busybox without a tag is pulled every time (imagePullPolicy: Always), as on kind.
const PULLED = [
  ['Normal', 'Pulling', 'kubelet', 'Pulling image "busybox"'],
  ['Normal', 'Pulled', 'kubelet', 'Successfully pulled image "busybox" in 0s (0s including waiting). Image size: 0 bytes.'],
];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(skip)('kubelet failures through kubectl', () => {
  // A long back-off keeps RunContainerError on screen long enough to read it (the first retry comes at 1/10).
  const lab = useTestLab({ env: { KIADA_LAB_BACKOFF_MS: '30000' } });

  /** `kubectl get pod` until STATUS is `status`; gives the row's NAME READY STATUS RESTARTS. */
  const row = (name: string, status: string) =>
    waitFor(`${name} ${status}`, async () => {
      const cells = (await lab.kubectl(['get', 'pod', name, '--no-headers'])).stdout.trim().split(/\s{2,}/);
      return cells[2] === status && cells.slice(0, 4);
    });
  const describePod = async (name: string) => {
    const d = (await lab.kubectl(['describe', 'pod', name])).stdout;
    const events = d.slice(d.indexOf('\nEvents:')).split('\n').slice(4).filter(Boolean).map((l) => l.trim().split(/\s{2,}/));
    return { text: d, events: events.map((e) => [e[0], e[1], e[3], e[4]]) };
  };

  for (const [what, name, spec, cause] of [
    // runc makes a missing working directory; one below a file cannot be made.
    ['a workingDir below a file', 'nowhere', '    args: [sleep, "3600"]\n    workingDir: /etc/passwd/x\n', 'mkdir /etc/passwd: not a directory'],
    ['a command that does not exist', 'nope', '    command: [nope]\n', 'exec: "nope": executable file not found in $PATH'],
  ]) {
    it(`${what}: RunContainerError, StartError with containerd's message, a Warning event`, async () => {
      expect((await lab.kubectl(['apply', '-f', '-'], { input: pod(name, spec) })).stdout).toBe(`pod/${name} created\n`);
      expect(await row(name, 'RunContainerError')).toEqual([name, '0/1', 'RunContainerError', '0']);
      const { text, events } = await describePod(name);
      expect(text).toMatch(new RegExp(
        `State:\\s+Waiting\\n\\s+Reason:\\s+RunContainerError\\n\\s+Last State:\\s+Terminated\\n\\s+Reason:\\s+StartError\\n` +
          `\\s+Message:\\s+${escape(runcFailure(cause))}\\n\\s+Exit Code:\\s+128\\n\\s+Started:\\s+Thu, 01 Jan 1970 00:00:00 \\+0000\\n`,
      ));
      const node = JSON.parse((await lab.kubectl(['get', 'pod', name, '-o', 'json'])).stdout).spec.nodeName;
      expect(events).toEqual([
        ['Normal', 'Scheduled', 'default-scheduler', `Successfully assigned default/${name} to ${node}`],
        ...PULLED,
        ['Normal', 'Created', 'kubelet', `Created container ${name}`],
        ['Warning', 'Failed', 'kubelet', `Error: ${runcFailure(cause)}`],
      ]);
      // Then it backs off, as a kubelet does.
      expect(await row(name, 'CrashLoopBackOff')).toEqual([name, '0/1', 'CrashLoopBackOff', expect.stringMatching(/^1 \(\d+s ago\)$/)]);
      expect((await lab.kubectl(['delete', 'pod', name, '--grace-period=1'])).stdout).toBe(`pod "${name}" deleted\n`);
    }, 60_000);
  }

  it('a reference to a ConfigMap the cluster does not have: CreateContainerConfigError', async () => {
    const spec = '    args: [sleep, "3600"]\n    env:\n    - name: MODE\n      valueFrom:\n        configMapKeyRef: {name: settings, key: mode}\n';
    await lab.kubectl(['apply', '-f', '-'], { input: pod('config', spec) });
    expect(await row('config', 'CreateContainerConfigError')).toEqual(['config', '0/1', 'CreateContainerConfigError', '0']);
    const { text, events } = await describePod('config');
    expect(text).toMatch(/State:\s+Waiting\n\s+Reason:\s+CreateContainerConfigError\n\s+Ready:\s+False\n/);
    expect(events.slice(1)).toEqual([
      ...PULLED,
      ['Warning', 'Failed', 'kubelet', 'Error: configmap "settings" not found'],
    ]);
    expect((await lab.kubectl(['logs', 'config'])).stderr).toBe('Error from server (BadRequest): container "config" in pod "config" is waiting to start: CreateContainerConfigError\n');
    await lab.kubectl(['delete', 'pod', 'config', '--grace-period=1']);
  }, 60_000);

  it('the lab keeps serving: a valid pod runs afterwards', async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD });
    const p = await lab.waitReady('kiada');
    expect(p.status.containerStatuses[0].state.running).toBeDefined();
    expect((await lab.kubectl(['get', 'nodes', '--no-headers'])).stdout.split('\n').filter(Boolean).length).toBe(3);
  }, 60_000);
});
