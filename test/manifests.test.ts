// Every manifest in k8s/ against the Kubernetes schemas (kubernetes-models) and Pod Security Standards "restricted".
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Pod } from 'kubernetes-models/v1';
import { Role, RoleBinding, ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';

const K8S = path.resolve(import.meta.dirname, '..', 'k8s');
const files = fs.readdirSync(K8S).filter((f) => f.endsWith('.yaml'));

type Obj = Record<string, any>;

/** The rules of PSS "restricted" (v1.32) that a pod spec must meet; returns the violated fields. */
export function restrictedViolations(pod: Obj): string[] {
  const out: string[] = [];
  const spec = pod.spec ?? {};
  const psc = spec.securityContext ?? {};
  const containers: Obj[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f]) out.push(`spec.${f}`);
  if (psc.runAsUser === 0) out.push('spec.securityContext.runAsUser');
  const podSeccomp = psc.seccompProfile?.type;
  for (const [i, c] of containers.entries()) {
    const at = `spec.containers[${i}].securityContext`;
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`${at}.privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${at}.allowPrivilegeEscalation`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${at}.capabilities.drop`);
    const added = (sc.capabilities?.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE');
    if (added.length) out.push(`${at}.capabilities.add`);
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) out.push(`${at}.runAsNonRoot`);
    if (sc.runAsUser === 0) out.push(`${at}.runAsUser`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${at}.seccompProfile`);
    // Not a PSS rule, but ours: the app writes nothing, so its root filesystem is read-only.
    if (sc.readOnlyRootFilesystem !== true) out.push(`${at}.readOnlyRootFilesystem`);
    for (const v of spec.volumes ?? []) if (v.hostPath) out.push(`spec.volumes.${v.name}.hostPath`);
  }
  return out;
}

function validatePod(obj: Obj): void {
  new Pod(obj as never).validate();
}

describe('k8s manifests', () => {
  it('are the files the README lists', () => {
    expect(files.sort()).toEqual(['pod.client-pod.yaml', 'pod.kiada-eth0-only.yaml', 'pod.kiada.yaml', 'pod.node-debug.yaml', 'rbac.kiada-tools.yaml']);
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
        // The node-debug pod shares the host network by design: it is the one pod that is not "restricted".
        if (obj.kind === 'Pod' && file !== 'pod.node-debug.yaml') {
          it(`${obj.kind} ${obj.metadata?.name} passes PSS restricted`, () => {
            expect(restrictedViolations(obj)).toEqual([]);
          });
        }
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
    expect(restrictedViolations(parseAllDocuments(fs.readFileSync(path.join(K8S, 'pod.node-debug.yaml'), 'utf8'))[0].toJS() as Obj)).toContain('spec.hostNetwork');
  });

  it('a broken manifest fails with the field named', () => {
    const broken = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ name: 'x', image: 'x', ports: [{ containerPort: 'eighty' }] }] } };
    expect(() => validatePod(broken)).toThrow('data/spec/containers/0/ports/0/containerPort must be integer');
    const noContainers = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} };
    expect(() => validatePod(noContainers)).toThrow(/containers/);
    expect(restrictedViolations({ spec: { containers: [{ name: 'x', securityContext: { privileged: true } }] } })).toContain('spec.containers[0].securityContext.privileged');
  });
});
