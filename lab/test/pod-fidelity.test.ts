// k8s/pod.kiada.yaml on the lab as kind shows it, through the real kubectl: describe and -o yaml field for field,
// values that differ by nature (times, ages, IPs, container and image IDs, uid) normalized; and hostNetwork pods
// on their node's network, with its IP.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { skipUnlessLab, useTestLab } from '../src/testing.ts';
import { REPO_ROOT } from '../src/paths.ts';

const skip = skipUnlessLab();
const POD = fs.readFileSync(path.join(REPO_ROOT, 'k8s/pod.kiada.yaml'), 'utf8');

/** What differs by nature between two runs, or between the lab and kind. */
const normalize = (text: string) =>
  text
    .replace(/\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000/g, '<time>')
    .replace(/containerd:\/\/[0-9a-f]{64}/g, 'containerd://<id>')
    .replace(/@sha256:[0-9a-f]{64}/g, '@sha256:<digest>')
    .replace(/\b(10\.244|172\.18)\.\d+\.\d+\b/g, '<ip>')
    .replace(/kind-worker2?|kind-control-plane/g, '<node>')
    .replace(/^(  Normal\s+\w+\s+)\d+s(\s+)/gm, (_, a, b) => `${a}<age>${b}`.replace(/<age>\s+/, '<age>  '));

const DESCRIBE = `Name:             kiada
Namespace:        default
Priority:         0
Service Account:  default
Node:             <node>/<ip>
Start Time:       <time>
Labels:           app=kiada
Annotations:      <none>
Status:           Running
SeccompProfile:   RuntimeDefault
IP:               <ip>
IPs:
  IP:  <ip>
Containers:
  kiada:
    Container ID:   containerd://<id>
    Image:          kiada:0.1
    Image ID:       docker.io/library/kiada@sha256:<digest>
    Port:           8080/TCP
    Host Port:      0/TCP
    State:          Running
      Started:      <time>
    Ready:          True
    Restart Count:  0
    Limits:
      cpu:     500m
      memory:  128Mi
    Requests:
      cpu:        50m
      memory:     64Mi
    Liveness:     http-get http://:http/healthz delay=0s timeout=1s period=10s #success=1 #failure=3
    Readiness:    http-get http://:http/readyz delay=0s timeout=1s period=2s #success=1 #failure=3
    Environment:  <none>
    Mounts:       <none>
Conditions:
  Type                        Status
  PodReadyToStartContainers   True 
  Initialized                 True 
  Ready                       True 
  ContainersReady             True 
  PodScheduled                True 
Volumes:                      <none>
QoS Class:                    Burstable
Node-Selectors:               <none>
Tolerations:                  node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                              node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
`;

describe.skipIf(skip)('the kiada pod as kind shows it', () => {
  const lab = useTestLab();
  beforeAll(async () => {
    expect((await lab.kubectl(['apply', '-f', '-'], { input: POD })).stdout).toBe('pod/kiada created\n');
    await lab.waitReady('kiada');
  }, 90_000);

  it('describe: probes defaulted (timeout 1s, #success=1, #failure=3, http scheme), the image ID, tolerations', async () => {
    const out = normalize((await lab.kubectl(['describe', 'pod', 'kiada'])).stdout);
    // kind also mounts the service account token (kube-api-access-…); the lab has no service account volumes.
    expect(out.slice(0, out.indexOf('Events:') + 'Events:\n'.length)).toBe(DESCRIBE);
    expect(out).toContain('  Normal  Scheduled  <age>  default-scheduler  Successfully assigned default/kiada to <node>\n');
  });

  it('-o yaml: generation 1 after one apply, the status image and imageID as containerd reports them', async () => {
    const pod = parse((await lab.kubectl(['get', 'pod', 'kiada', '-o', 'yaml'])).stdout);
    expect(pod.metadata.generation).toBe(1);
    const c = pod.status.containerStatuses[0];
    expect([c.image, c.imageID.replace(/[0-9a-f]{64}$/, '<digest>'), c.started, c.ready]).toEqual(['docker.io/library/kiada:0.1', 'docker.io/library/kiada@sha256:<digest>', true, true]);
    expect(Object.keys(pod.spec)).toEqual(['containers', 'dnsPolicy', 'enableServiceLinks', 'nodeName', 'preemptionPolicy', 'priority', 'restartPolicy',
      'schedulerName', 'securityContext', 'serviceAccount', 'serviceAccountName', 'terminationGracePeriodSeconds', 'tolerations']);
    expect(pod.spec.containers[0].livenessProbe).toEqual({ failureThreshold: 3, httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 });
    // Applying it again changes nothing, so nothing moves generation.
    expect((await lab.kubectl(['apply', '-f', '-'], { input: POD })).stdout).toBe('pod/kiada unchanged\n');
    expect(parse((await lab.kubectl(['get', 'pod', 'kiada', '-o', 'yaml'])).stdout).metadata.generation).toBe(1);
  });

  it('hostNetwork: the pod is on its node\'s network (pod IP = host IP, the node\'s hostname) and curls kiada from there', async () => {
    const kiada = JSON.parse((await lab.kubectl(['get', 'pod', 'kiada', '-o', 'json'])).stdout);
    const node: string = kiada.spec.nodeName;
    const overrides = JSON.stringify({ spec: { nodeName: node, hostNetwork: true } });
    expect((await lab.kubectl(['run', 'on-node', '--image=busybox', '--restart=Never', `--overrides=${overrides}`, '--', 'sleep', '600'])).code).toBe(0);
    await lab.waitReady('on-node');
    const pod = JSON.parse((await lab.kubectl(['get', 'pod', 'on-node', '-o', 'json'])).stdout);
    expect([pod.status.podIP, pod.status.podIPs, pod.spec.hostNetwork]).toEqual([kiada.status.hostIP, [{ ip: kiada.status.hostIP }], true]);
    expect((await lab.kubectl(['exec', 'on-node', '--', 'hostname'])).stdout).toBe(`${node}\n`);
    // From the node to a pod of its own, as the generic curl-from-node provider does it: the node's bridge address.
    const bridge = kiada.status.podIP.replace(/\.\d+$/, '.1');
    const curl = await lab.kubectl(['exec', 'on-node', '--', 'wget', '-qO-', `http://${kiada.status.podIP}:8080/`]);
    expect(curl.stdout).toBe(`Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:${bridge}\n`);
    await lab.kubectl(['delete', 'pod', 'on-node', '--grace-period=0', '--force']);
    // The node's network outlives the pod: the node still reaches kiada.
    expect((await lab.kubectl(['get', 'pod', 'kiada', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout).toBe('True');
  }, 60_000);

  it('a pod name longer than a hostname may be runs, its hostname cut to 63 characters as the kubelet cuts it', async () => {
    // 76 characters: too long for the label and container name kubectl run derives from it, hence --labels and a
    // container of another name. The first 63 end in '-', which goes too.
    const name = `long-${'x'.repeat(57)}-name-of-a-pod`;
    const overrides = JSON.stringify({ spec: { containers: [{ name: 'c', image: 'busybox', args: ['sleep', '600'] }] } });
    expect(await lab.kubectl(['run', name, '--image=busybox', '--restart=Never', '--labels=app=long', `--overrides=${overrides}`])).toMatchObject({ stderr: '', code: 0 });
    await lab.waitReady(name);
    expect((await lab.kubectl(['exec', name, '--', 'hostname'])).stdout).toBe(`long-${'x'.repeat(57)}\n`);
    await lab.kubectl(['delete', 'pod', name, '--grace-period=0', '--force']);
  }, 60_000);
});
