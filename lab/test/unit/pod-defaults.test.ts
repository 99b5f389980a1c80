// What a real API server fills into a pod (SetDefaults_Pod and friends, the Priority and DefaultTolerationSeconds
// admission) and what the kubelet reports of its image: k8s/pod.kiada.yaml as `kubectl get -o yaml` shows it on kind.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadSchema } from '../../src/api/schema.ts';
import { admitCreate } from '../../src/api/admission.ts';
import { statusImage, imageId } from '../../src/kubelet/status.ts';
import { createStore } from '../../src/store/index.ts';
import { REPO_ROOT } from '../../src/paths.ts';

beforeAll(() => loadSchema());
const create = (pod: object) => admitCreate('pods', 'default', pod, new URLSearchParams()).obj;
const podWith = (spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });

describe('pod defaults', () => {
  it('k8s/pod.kiada.yaml gets the spec kind shows (all but the service account token volume)', () => {
    const pod = create(parse(fs.readFileSync(path.join(REPO_ROOT, 'k8s/pod.kiada.yaml'), 'utf8')));
    const probe = (p: string, period: number) => ({ failureThreshold: 3, httpGet: { path: p, port: 'http', scheme: 'HTTP' }, periodSeconds: period, successThreshold: 1, timeoutSeconds: 1 });
    expect(pod.spec).toEqual({
      containers: [{
        image: 'kiada:0.1', imagePullPolicy: 'IfNotPresent', livenessProbe: probe('/healthz', 10), name: 'kiada',
        ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }], readinessProbe: probe('/readyz', 2),
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '50m', memory: '64Mi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
      }],
      dnsPolicy: 'ClusterFirst', enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', priority: 0, restartPolicy: 'Always',
      schedulerName: 'default-scheduler', securityContext: { runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      serviceAccount: 'default', serviceAccountName: 'default', terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    });
  });

  it('limits without requests are requested; hostNetwork ports listen on the node; volumes get their sources\' defaults', () => {
    const pod = create(podWith({
      hostNetwork: true,
      containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 81 }], resources: { limits: { cpu: '1' }, requests: { memory: '1Mi' } } }],
      volumes: [{ name: 'scratch' }, { name: 's', secret: { secretName: 'x' } }, { name: 'c', configMap: { name: 'x' } }, { name: 'h', hostPath: { path: '/tmp' } },
        { name: 'd', downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name' } }] } }],
    }));
    const c = pod.spec.containers[0];
    expect(c.resources).toEqual({ limits: { cpu: '1' }, requests: { memory: '1Mi', cpu: '1' } });
    expect(c.ports).toEqual([{ containerPort: 80, hostPort: 80, protocol: 'TCP' }, { containerPort: 81, hostPort: 81, protocol: 'TCP' }]);
    expect(pod.spec.volumes).toEqual([
      { name: 'scratch', emptyDir: {} }, { name: 's', secret: { secretName: 'x', defaultMode: 420 } }, { name: 'c', configMap: { name: 'x', defaultMode: 420 } },
      { name: 'h', hostPath: { path: '/tmp', type: '' } }, { name: 'd', downwardAPI: { items: [{ path: 'n', fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } }], defaultMode: 420 } },
    ]);
    expect(create(podWith({ containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }] }] })).spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('generation is 1 on create and stays there when the scheduler binds or the kubelet reports; a client\'s spec change moves it', () => {
    const store = createStore();
    store.create('pods', create(podWith({ containers: [{ name: 'c', image: 'busybox' }] })));
    store.mutate('pods', 'default', 'p', (p) => (p.spec.nodeName = 'kind-worker'));
    store.mutate('pods', 'default', 'p', (p) => (p.status = { phase: 'Running' }));
    expect(store.get('pods', 'default', 'p')!.metadata.generation).toBe(1);
    const cur = store.get('pods', 'default', 'p')!;
    cur.spec.containers[0].image = 'busybox:1.36';
    expect(store.update('pods', cur).metadata.generation).toBe(2);
  });

  it('the image as containerd names it in a status, and an image ID stable per image', () => {
    expect(['kiada:0.1', 'busybox', 'curlimages/curl', 'luksa/kiada:0.1', 'registry.k8s.io/pause:3.10', 'localhost:5000/x'].map(statusImage)).toEqual([
      'docker.io/library/kiada:0.1', 'docker.io/library/busybox:latest', 'docker.io/curlimages/curl:latest', 'docker.io/luksa/kiada:0.1',
      'registry.k8s.io/pause:3.10', 'localhost:5000/x:latest',
    ]);
    expect(imageId('kiada:0.1')).toMatch(/^docker\.io\/library\/kiada@sha256:[0-9a-f]{64}$/);
    expect(imageId('kiada:0.1')).toBe(imageId('docker.io/library/kiada:0.1'));
    expect(imageId('kiada:0.1')).not.toBe(imageId('kiada:0.2'));
    expect(imageId('localhost:5000/x')).toMatch(/^localhost:5000\/x@sha256:/);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(imageId(`busybox@${digest}`)).toBe(`docker.io/library/busybox@${digest}`);
  });
});
