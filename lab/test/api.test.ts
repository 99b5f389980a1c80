// The lab's API server as kubectl and curl see it: auth, errors, validation, watch, describe, events,
// restarts, logs options, image pull failures. (The lab's life cycle is in life-cycle.test.ts.)
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { parse } from 'yaml';
import { skipUnlessLab, useTestLab, waitFor } from '../src/testing.ts';
import { curl } from './curl.ts';

const skip = skipUnlessLab();

describe.skipIf(skip)('lab API server', () => {
  const lab = useTestLab({ env: { KIADA_LAB_BACKOFF_MS: '200' } });

  it('writes a kind-like kubeconfig with its own CA and context kiada-lab', () => {
    const kc = parse(fs.readFileSync(lab.kubeconfig, 'utf8'));
    expect(kc['current-context']).toBe('kiada-lab');
    expect(lab.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toContain('BEGIN CERTIFICATE');
  });

  it('answers 401 with a Status for a wrong token; without one, system:anonymous gets kube-apiserver\'s 403', async () => {
    const unauthorized = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
    for (const path of ['/api/v1/namespaces/default/pods', '/version']) {
      const r = await curl(['-H', 'Authorization: Bearer nope', `${lab.server}${path}`]);
      expect([path, r.code, JSON.parse(r.body)]).toEqual([path, 401, unauthorized]);
    }
    const anon = await curl([`${lab.server}/api/v1/namespaces/default/pods`]);
    expect([anon.code, JSON.parse(anon.body)]).toEqual([403, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"', reason: 'Forbidden', details: { kind: 'pods' }, code: 403 }]);
    // What RBAC's default system:public-info-viewer gives everyone.
    for (const path of ['/healthz', '/livez', '/readyz']) expect([path, await curl([`${lab.server}${path}`])]).toEqual([path, { code: 200, body: 'ok' }]);
    expect(JSON.parse((await curl([`${lab.server}/version`])).body).gitVersion).toBe('v1.32.0');
    const ok = await curl(['-H', `Authorization: Bearer ${lab.token}`, `${lab.server}/version`]);
    expect(JSON.parse(ok.body).gitVersion).toBe('v1.32.0');
  });

  it('serves lists that follow every change (repeated lists come from a cache keyed by resourceVersion)', async () => {
    const names = async (query = '') => {
      const r = await curl(['-H', `Authorization: Bearer ${lab.token}`, `${lab.server}/api/v1/namespaces/default/pods${query}`]);
      const list = JSON.parse(r.body);
      return { rv: list.metadata.resourceVersion as string, names: list.items.map((p: { metadata: { name: string } }) => p.metadata.name) as string[] };
    };
    const before = await names();
    expect(await names()).toEqual(before);
    await lab.kubectl(['run', 'cached', '--image=busybox', '--labels=app=cached', '--', 'sleep', '60']);
    const after = await names();
    expect(Number(after.rv)).toBeGreaterThan(Number(before.rv));
    expect(after.names).toEqual([...before.names, 'cached'].sort());
    expect((await names('?labelSelector=app%3Dcached')).names).toEqual(['cached']);
    expect((await names('?labelSelector=app%3Dnone')).names).toEqual([]);
    await lab.kubectl(['delete', 'pod', 'cached', '--grace-period=0', '--force']);
    expect((await names()).names).toEqual(before.names);
  });

  it('answers malformed JSON with 400 and a bad manifest with 422 naming the field', async () => {
    const bad = await curl(['-H', `Authorization: Bearer ${lab.token}`, '-H', 'Content-Type: application/json', '-d', '{"kind": "Pod", ', `${lab.server}/api/v1/namespaces/default/pods`]);
    expect(bad.code).toBe(400);
    expect(JSON.parse(bad.body).reason).toBe('BadRequest');
    const r = await lab.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\nspec:\n  containers:\n  - name: x\n    image: busybox\n    ports:\n    - containerPort: 70000\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('The Pod "broken" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive\n');
    const noContainers = await lab.kubectl(['create', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: empty\nspec:\n  containers: []\n' });
    expect(noContainers.stderr).toBe('The Pod "empty" is invalid: spec.containers: Required value\n');
  });

  it('answers a stale update with 409 Conflict, as kubectl replace would see it', async () => {
    await lab.kubectl(['run', 'versioned', '--image=busybox', '--', 'sleep', '60']);
    const pod = JSON.parse((await lab.kubectl(['get', 'pod', 'versioned', '-o', 'json'])).stdout);
    await lab.kubectl(['label', 'pod', 'versioned', 'step=one']);
    const stale = { ...pod, metadata: { ...pod.metadata, labels: { step: 'two' } } };
    const r = await lab.kubectl(['replace', '-f', '-'], { input: JSON.stringify(stale) });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on pods "versioned": the object has been modified; please apply your changes to the latest version and try again\n');
    await lab.kubectl(['delete', 'pod', 'versioned', '--grace-period=1']);
  }, 30_000);

  it('runs a pod to completion, keeps its logs and explains it in describe and events', async () => {
    const r = await lab.kubectl(['run', 'once', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo one; echo two; exit 3']);
    expect(r.stdout).toBe('pod/once created\n');
    await waitFor('once failed', async () => (await lab.kubectl(['get', 'pod', 'once', '-o', 'jsonpath={.status.phase}'])).stdout === 'Failed');
    const row = (await lab.kubectl(['get', 'pod', 'once', '--no-headers'])).stdout.split(/\s+/);
    expect(row.slice(0, 4)).toEqual(['once', '0/1', 'Error', '0']);
    expect((await lab.kubectl(['get', 'pod', 'once', '-o', 'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}'])).stdout).toBe('3');
    expect((await lab.kubectl(['logs', 'once'])).stdout).toBe('one\ntwo\n');
    expect((await lab.kubectl(['logs', 'once', '--tail=1'])).stdout).toBe('two\n');
    expect((await lab.kubectl(['logs', 'once', '--timestamps'])).stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z two\n$/);
    const d = (await lab.kubectl(['describe', 'pod', 'once'])).stdout;
    expect(d).toMatch(/^Name:\s+once$/m);
    expect(d).toMatch(/^Node:\s+kind-worker2?\/172\.18\.0\.[34]$/m);
    expect(d).toMatch(/Reason:\s+Error\n\s+Exit Code:\s+3/);
    for (const reason of ['Scheduled', 'Pulled', 'Created', 'Started']) expect(d).toMatch(new RegExp(`Normal\\s+${reason}\\s`));
    const ev = (await lab.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=once'])).stdout;
    expect(ev.split('\n')[0].split(/\s{2,}/)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(ev).toContain('pod/once');
  });

  it('restarts with restartPolicy Always and counts it; --previous shows the last run', async () => {
    await lab.kubectl(['run', 'crash', '--image=busybox', '--restart=Always', '--', 'sh', '-c', 'echo run; exit 1']);
    await waitFor('two restarts', async () => Number((await lab.kubectl(['get', 'pod', 'crash', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).stdout) >= 2, 30_000);
    expect((await lab.kubectl(['logs', 'crash', '--previous'])).stdout).toBe('run\n');
    const d = (await lab.kubectl(['describe', 'pod', 'crash'])).stdout;
    expect(d).toMatch(/Warning\s+BackOff\s+.*Back-off restarting failed container crash in pod crash_default/);
    await lab.kubectl(['delete', 'pod', 'crash', '--grace-period=1']);
  }, 40_000);

  it('a failing liveness probe restarts the container, with Unhealthy and Killing events; readiness gates Ready', async () => {
    // Nothing listens on 9999: the liveness probe fails, the readiness probe keeps the pod unready.
    // sleep is PID 1 and ignores SIGTERM: the kubelet's SIGKILL comes after the grace period.
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: sick\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: sick\n    image: busybox\n    args: [sleep, "60"]\n' +
      '    livenessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1, failureThreshold: 2}\n    readinessProbe: {httpGet: {path: /, port: 9999}, periodSeconds: 1}\n';
    await lab.kubectl(['apply', '-f', '-'], { input: pod });
    await waitFor('a restart', async () => Number((await lab.kubectl(['get', 'pod', 'sick', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).stdout) >= 1, 30_000);
    const row = (await lab.kubectl(['get', 'pod', 'sick', '--no-headers'])).stdout.split(/\s+/);
    expect(row[1]).toBe('0/1');
    const d = (await lab.kubectl(['describe', 'pod', 'sick'])).stdout;
    expect(d).toMatch(/Warning\s+Unhealthy\s+.*\s+Liveness probe failed\n/);
    expect(d).toMatch(/Normal\s+Killing\s+.*\s+Container sick failed liveness probe, will be restarted\n/);
    expect(d).not.toMatch(/Readiness probe failed/);
    await lab.kubectl(['delete', 'pod', 'sick', '--grace-period=1']);
  }, 40_000);

  it('fails an unknown image like a kubelet: ErrImagePull, then ImagePullBackOff', async () => {
    await lab.kubectl(['run', 'nope', '--image=registry.example/nope:1']);
    const status = await waitFor('ImagePullBackOff', async () => {
      const s = (await lab.kubectl(['get', 'pod', 'nope', '--no-headers'])).stdout.split(/\s+/)[2];
      return s === 'ImagePullBackOff' && s;
    });
    expect(status).toBe('ImagePullBackOff');
    const d = (await lab.kubectl(['describe', 'pod', 'nope'])).stdout;
    expect(d).toMatch(/Warning\s+Failed\s+.*Failed to pull image "registry\.example\/nope:1"/);
    expect(d).toMatch(/Warning\s+Failed\s+.*Error: ErrImagePull/);
    await lab.kubectl(['delete', 'pod', 'nope']);
  });

  it('kubectl get -w sees a pod come and go; -A and label selectors work', async () => {
    const w = spawn('kubectl', ['--kubeconfig', lab.kubeconfig, '--cache-dir', lab.cacheDir, 'get', 'pods', '-w', '-l', 'app=watched', '--no-headers']);
    let out = '';
    w.stdout.on('data', (c) => (out += c));
    await new Promise((r) => setTimeout(r, 500));
    await lab.kubectl(['run', 'watched', '--image=busybox', '--labels=app=watched', '--', 'sleep', '30']);
    await waitFor('Running in the watch', async () => /^watched\s+1\/1\s+Running/m.test(out), 15_000);
    w.kill();
    const all = (await lab.kubectl(['get', 'pods', '-A', '-l', 'app=watched', '--no-headers'])).stdout;
    expect(all).toMatch(/^default\s+watched\s+1\/1\s+Running\s+0\s+\d+s\n$/);
    // Deletion sends SIGTERM, which sleep as PID 1 ignores (no handler, as in any container): SIGKILL ends it
    // when the grace period is over.
    const t0 = Date.now();
    expect((await lab.kubectl(['delete', 'pod', 'watched', '--grace-period=2'])).stdout).toBe('pod "watched" deleted\n');
    expect(Date.now() - t0).toBeGreaterThan(1_900);
    expect(Date.now() - t0).toBeLessThan(5_000);
  }, 60_000);

  it('kubectl create namespace (sent as protobuf) and deleting it with its pods', async () => {
    expect((await lab.kubectl(['create', 'namespace', 'team-a'])).stdout).toBe('namespace/team-a created\n');
    expect((await lab.kubectl(['get', 'ns', 'team-a', '--no-headers'])).stdout).toMatch(/^team-a\s+Active\s+\d+s\n$/);
    // sleep ignores SIGTERM as PID 1, so the namespace stays Terminating for the pod's whole grace period (3 s).
    await lab.kubectl(['run', 'inside', '--image=busybox', '-n', 'team-a', '--overrides={"spec":{"terminationGracePeriodSeconds":3}}', '--', 'sleep', '60']);
    // Running first: a pod whose container has not started yet goes at once, and the namespace with it.
    await waitFor('inside running', async () => (await lab.kubectl(['get', 'pod', 'inside', '-n', 'team-a', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running');
    expect((await lab.kubectl(['delete', 'namespace', 'team-a', '--wait=false'])).stdout).toBe('namespace "team-a" deleted\n');
    // Terminating while its pod stops: nothing new may start in it (NamespaceLifecycle's 403), as on kind.
    expect((await lab.kubectl(['run', 'x', '--image=busybox', '-n', 'team-a'])).stderr).toBe(
      'Error from server (Forbidden): pods "x" is forbidden: unable to create new content in namespace team-a because it is being terminated\n');
    await waitFor('namespace gone', async () => (await lab.kubectl(['get', 'ns', 'team-a'])).code !== 0);
    expect((await lab.kubectl(['get', 'pods', '-A', '--no-headers'])).stdout).not.toContain('inside');
    expect((await lab.kubectl(['run', 'x', '--image=busybox', '-n', 'team-a'])).stderr).toBe('Error from server (NotFound): namespaces "team-a" not found\n');
  }, 30_000);

  it('describe node shows the kubelet lease and machine ids, as on kind; leases are listed like kube-apiserver does', async () => {
    const d = (await lab.kubectl(['describe', 'node', 'kind-worker'])).stdout;
    expect(d).toMatch(/\nLease:\n  HolderIdentity:  kind-worker\n  AcquireTime:     <unset>\n  RenewTime:       \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000\n/);
    expect(d).toMatch(/\n  Machine ID:                 [0-9a-f]{32}\n  System UUID:                [0-9a-f-]{36}\n  Boot ID:                    [0-9a-f-]{36}\n/);
    const rows = (await lab.kubectl(['get', 'leases', '-A'])).stdout.trimEnd().split('\n').map((l) => l.split(/\s+/).slice(0, 3));
    expect(rows).toEqual([
      ['NAMESPACE', 'NAME', 'HOLDER'],
      ['kube-node-lease', 'kind-control-plane', 'kind-control-plane'],
      ['kube-node-lease', 'kind-worker', 'kind-worker'],
      ['kube-node-lease', 'kind-worker2', 'kind-worker2'],
    ]);
    expect(await lab.kubectl(['get', 'lease', 'nope', '-n', 'kube-node-lease'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): leases.coordination.k8s.io "nope" not found\n' });
    const lease = JSON.parse((await lab.kubectl(['get', 'lease', 'kind-worker', '-n', 'kube-node-lease', '-o', 'json'])).stdout);
    expect(lease.spec).toMatchObject({ holderIdentity: 'kind-worker', leaseDurationSeconds: 40 });
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it('-o yaml shows the defaults a real API server fills in', async () => {
    await lab.kubectl(['run', 'defaults', '--image=busybox', '--', 'sleep', '1']);
    const pod = parse((await lab.kubectl(['get', 'pod', 'defaults', '-o', 'yaml'])).stdout);
    expect(pod.spec.restartPolicy).toBe('Always');
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30);
    expect(pod.spec.containers[0].imagePullPolicy).toBe('Always');
    expect(pod.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    await lab.kubectl(['delete', 'pod', 'defaults', '--grace-period=1']);
  }, 30_000);
});
