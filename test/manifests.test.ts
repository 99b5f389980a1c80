// Every manifest in k8s/ against the Kubernetes schemas (kubernetes-models), and each pod against the Pod Security
// Standards level k8s/README.md gives it.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Pod } from 'kubernetes-models/v1';
import { Role, RoleBinding, ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';

const K8S = path.resolve(import.meta.dirname, '..', 'k8s');
const files = fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml'));

type Obj = Record<string, any>;

// Capabilities a "baseline" pod may add (Pod Security Standards, v1.32).
const BASELINE_CAPS = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'];

const containersOf = (pod: Obj): Obj[] => [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];

/** The rules of PSS "baseline" (v1.32) a pod spec can break with the fields these manifests use; returns the violated fields. */
export function baselineViolations(pod: Obj): string[] {
  const out: string[] = [];
  const spec = pod.spec ?? {};
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f]) out.push(`spec.${f}`);
  for (const v of spec.volumes ?? []) if (v.hostPath) out.push(`spec.volumes.${v.name}.hostPath`);
  for (const [i, c] of containersOf(pod).entries()) {
    const at = `spec.containers[${i}]`;
    if (c.securityContext?.privileged) out.push(`${at}.securityContext.privileged`);
    if ((c.securityContext?.capabilities?.add ?? []).some((x: string) => !BASELINE_CAPS.includes(x))) out.push(`${at}.securityContext.capabilities.add`);
    if ((c.ports ?? []).some((p: Obj) => p.hostPort)) out.push(`${at}.ports.hostPort`);
  }
  return out;
}

/** The rules of PSS "restricted" (v1.32: baseline's and its own) a pod spec must meet; returns the violated fields. */
export function restrictedViolations(pod: Obj): string[] {
  const out = baselineViolations(pod);
  const spec = pod.spec ?? {};
  const psc = spec.securityContext ?? {};
  if (psc.runAsUser === 0) out.push('spec.securityContext.runAsUser');
  const podSeccomp = psc.seccompProfile?.type;
  for (const [i, c] of containersOf(pod).entries()) {
    const at = `spec.containers[${i}].securityContext`;
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`${at}.allowPrivilegeEscalation`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}.capabilities.drop`);
    const added = (sc.capabilities?.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE');
    if (added.length && !out.includes(`${at}.capabilities.add`)) out.push(`${at}.capabilities.add`);
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) out.push(`${at}.runAsNonRoot`);
    if (sc.runAsUser === 0) out.push(`${at}.runAsUser`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${at}.seccompProfile`);
    // Not a PSS rule, but ours: the app writes nothing, so its root filesystem is read-only.
    if (sc.readOnlyRootFilesystem !== true) out.push(`${at}.readOnlyRootFilesystem`);
  }
  return out;
}

/** The most restrictive Pod Security level a pod meets. */
const levelOf = (pod: Obj) => (restrictedViolations(pod).length === 0 ? 'restricted' : baselineViolations(pod).length === 0 ? 'baseline' : 'privileged');

/** k8s/README.md's table: file → its "Pod Security level" column. */
function readmeLevels(): Record<string, string> {
  const rows = fs.readFileSync(path.join(K8S, 'README.md'), 'utf8').matchAll(/^\| `([^`]+)` \| ([^|]+?) \|/gm);
  return Object.fromEntries([...rows].map((m) => [m[1], m[2]]));
}

function validatePod(obj: Obj): void {
  new Pod(obj as never).validate();
}

describe('k8s manifests', () => {
  it('are the files the README lists', () => {
    expect(files.sort()).toEqual(['pod.client-pod.yaml', 'pod.kiada-eth0-only.yaml', 'pod.kiada.yaml', 'pod.node-debug.yaml', 'rbac.kiada-tools.yaml']);
    expect(Object.keys(readmeLevels()).sort()).toEqual(files);
  });

  it('meet the Pod Security level the README gives each: three restricted pods, one privileged', () => {
    const levels = Object.fromEntries(
      files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(K8S, f), 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o.kind === 'Pod').map((pod) => [f, levelOf(pod)])),
    );
    expect(levels).toEqual({ 'pod.client-pod.yaml': 'restricted', 'pod.kiada-eth0-only.yaml': 'restricted', 'pod.kiada.yaml': 'restricted', 'pod.node-debug.yaml': 'privileged' });
    expect({ ...levels, 'rbac.kiada-tools.yaml': '—' }).toEqual(readmeLevels());
  });

  for (const file of files) {
    describe(file, () => {
      const docs = parseAllDocuments(fs.readFileSync(path.join(K8S, file), 'utf8'));
      it('parses as YAML', () => {
        for (const d of docs) expect(d.errors).toEqual([]);
      });
      for (const doc of docs) {
        const obj = doc.toJS() as Obj;
        it(`${obj.kind} ${obj.metadata?.name} is valid against the schema`, () => {
          const Model = { Pod, Role, RoleBinding, ClusterRole, ClusterRoleBinding }[obj.kind as string];
          expect(Model, `kind ${obj.kind}`).toBeDefined();
          expect(() => new Model!(obj as never).validate()).not.toThrow();
        });
      }
    });
  }

  it('pod.kiada.yaml is the chapter pod: kiada:0.1, IfNotPresent, port 8080 named http, probes', () => {
    const pod = parseAllDocuments(fs.readFileSync(path.join(K8S, 'pod.kiada.yaml'), 'utf8'))[0].toJS() as Obj;
    const c = pod.spec.containers[0];
    expect(pod.metadata.name).toBe('kiada');
    expect([c.name, c.image, c.imagePullPolicy]).toEqual(['kiada', 'kiada:0.1', 'IfNotPresent']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(Object.keys(c.resources).sort()).toEqual(['limits', 'requests']);
  });

  it('the RBAC grants exactly what the commands use', () => {
    const docs = parseAllDocuments(fs.readFileSync(path.join(K8S, 'rbac.kiada-tools.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
    const role = docs.find((d) => d.kind === 'Role')!;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['get', 'create'] },
    ]);
    expect(docs.find((d) => d.kind === 'ClusterRole')!.rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]);
  });

  it('a broken manifest fails with the field named', () => {
    const broken = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'x', image: 'x', ports: [{ containerPort: 'eighty' }] }] } };
    expect(() => validatePod(broken)).toThrow('data/spec/containers/0/ports/0/containerPort must be integer');
    const noContainers = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} };
    expect(() => validatePod(noContainers)).toThrow(/containers/);
    expect(restrictedViolations({ spec: { containers: [{ name: 'x', securityContext: { privileged: true } }] } })).toContain('spec.containers[0].securityContext.privileged');
    // The node-debug pod shares the host network by design: that alone puts it below baseline.
    expect(baselineViolations(parseAllDocuments(fs.readFileSync(path.join(K8S, 'pod.node-debug.yaml'), 'utf8'))[0].toJS() as Obj)).toEqual(['spec.hostNetwork']);
    expect(baselineViolations({ spec: { containers: [{ name: 'x', securityContext: { capabilities: { add: ['NET_RAW', 'CHOWN'] } } }] } })).toEqual(['spec.containers[0].securityContext.capabilities.add']);
  });
});
