// PodSecurity admission as kube-apiserver's plugin answers: the namespace's enforce label refuses a pod in the
// plugin's words (the message a workshop student meets for the generic curl-from-node pod), warn only warns, no
// label is privileged; and the checks one by one.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApi, type TestApi } from './api-client.ts';
import { violations } from '../../src/api/pod-security.ts';

let t: TestApi;
const nodeCurl = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { hostNetwork: true, nodeName: 'kind-worker', restartPolicy: 'Never', containers: [{ name, image: 'curlimages/curl', args: ['curl', '-s', 'http://10.244.1.2:8080/'] }] } });
const namespace = (name: string, labels: Record<string, string>) => t.request('POST', '/api/v1/namespaces', { body: { metadata: { name, labels } } });

beforeAll(async () => {
  t = await startTestApi();
  expect((await namespace('base', { 'pod-security.kubernetes.io/enforce': 'baseline' })).status).toBe(201);
  expect((await namespace('open', { 'pod-security.kubernetes.io/enforce': 'privileged' })).status).toBe(201);
  expect((await namespace('warned', { 'pod-security.kubernetes.io/warn': 'baseline' })).status).toBe(201);
  expect((await namespace('odd', { 'pod-security.kubernetes.io/enforce': 'lenient', 'pod-security.kubernetes.io/enforce-version': 'v1.32' })).status).toBe(201);
}, 30_000);
afterAll(async () => {
  await t?.close();
});

describe('PodSecurity admission', () => {
  it('baseline refuses a hostNetwork pod with kube-apiserver\'s Forbidden; privileged and no label admit it', async () => {
    const r = await t.request('POST', '/api/v1/namespaces/base/pods', { body: nodeCurl('kiada-node-curl') });
    expect([r.status, r.json]).toEqual([403, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'pods "kiada-node-curl" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)', reason: 'Forbidden', details: { name: 'kiada-node-curl', kind: 'pods' }, code: 403 }]);
    expect(t.store.get('pods', 'base', 'kiada-node-curl')).toBeUndefined();
    for (const ns of ['open', 'default']) expect([ns, (await t.request('POST', `/api/v1/namespaces/${ns}/pods`, { body: nodeCurl('kiada-node-curl') })).status]).toEqual([ns, 201]);
    // A hostNetwork pod's ports get hostPorts (API defaults), which the baseline refuses too.
    const withPort = nodeCurl('web');
    (withPort.spec.containers[0] as Record<string, unknown>).ports = [{ containerPort: 8080 }];
    expect((await t.request('POST', '/api/v1/namespaces/base/pods', { body: withPort })).json.message).toBe(
      'pods "web" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), hostPort (container "web" uses hostPort 8080)');
  });

  it('warn: admitted with kubectl\'s Warning header; a level that is none is restricted (fail closed), with its version', async () => {
    const r = await t.request('POST', '/api/v1/namespaces/warned/pods', { body: nodeCurl('w') });
    expect([r.status, r.headers.warning]).toEqual([201, '299 - "would violate PodSecurity \\"baseline:latest\\": host namespaces (hostNetwork=true)"']);
    const odd = await t.request('POST', '/api/v1/namespaces/odd/pods', { body: { metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    expect(odd.json.message).toBe('pods "plain" is forbidden: violates PodSecurity "restricted:v1.32": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
  });

  it('the baseline checks, each in the plugin\'s words', () => {
    const pod = (spec: object) => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }], ...spec } });
    expect(violations('baseline', pod({ hostPID: true, hostIPC: true, hostNetwork: true }))).toBe('host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)');
    expect(violations('baseline', pod({ containers: [{ name: 'a', securityContext: { privileged: true } }, { name: 'b', securityContext: { privileged: true } }] }))).toBe('privileged (containers "a", "b" must not set securityContext.privileged=true)');
    expect(violations('baseline', pod({ containers: [{ name: 'a', securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN'] } } }] }))).toBe('non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add)');
    expect(violations('baseline', pod({ volumes: [{ name: 'root', hostPath: { path: '/' } }] }))).toBe('hostPath volumes (volume "root")');
    expect(violations('baseline', pod({ securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] } }))).toBe('forbidden sysctls (kernel.msgmax)');
    expect(violations('baseline', pod({ securityContext: { seccompProfile: { type: 'Unconfined' } } }))).toBe('seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")');
    expect(violations('baseline', pod({}))).toBe('');
    expect(violations('privileged', pod({ hostNetwork: true }))).toBe('');
  });
});
