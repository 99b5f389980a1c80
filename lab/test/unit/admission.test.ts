// The API server's admission path in-process, with kube-apiserver's exact words: the typed decode (Go's json
// errors, strict decoding paths), fieldValidation, defaults before validation, 422 field errors, update rules,
// deletes and log options.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadSchema } from '../../src/api/schema.ts';
import { admitCreate, admitPatch, admitReplace, fieldValidation } from '../../src/api/admission.ts';
import { deleteObject, deletionTimestamp } from '../../src/api/delete.ts';
import { logOptions } from '../../src/api/logoptions.ts';
import { finalize } from '../../src/api/namespaces.ts';
import { ApiError, createStore, type Obj } from '../../src/store/index.ts';

const q = (fieldValidation = 'Strict') => new URLSearchParams({ fieldValidation });
const pod = (spec: Obj, metadata: Obj = { name: 'p' }) => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec });
const c = (extra: Obj = {}) => ({ name: 'main', image: 'busybox', ...extra });
const status = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error('accepted');
};
const created = (body: unknown, v = 'Strict') => admitCreate('pods', 'default', body, q(v));

describe('admission', () => {
  beforeAll(() => loadSchema());

  it('wrong types: 400 with Go encoding/json words, the innermost struct and the path without indices', () => {
    const bad = (spec: Obj) => status(() => created(pod(spec)));
    const prefix = 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal ';
    expect(bad({ containers: [c({ args: 5 })] })).toEqual({ code: 400, message: `${prefix}number into Go struct field Container.spec.containers.args of type []string` });
    expect(bad({ containers: [c({ args: [5] })] }).message).toBe(`${prefix}number into Go struct field Container.spec.containers.args of type string`);
    expect(bad({ containers: {} }).message).toBe(`${prefix}object into Go struct field PodSpec.spec.containers of type []v1.Container`);
    expect(bad({ containers: [c({ ports: [{ containerPort: 2 ** 31 }] })] }).message).toBe(`${prefix}number 2147483648 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32`);
    expect(bad({ terminationGracePeriodSeconds: 'x', containers: [c()] }).message).toBe(`${prefix}string into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64`);
    expect(bad({ containers: [c({ livenessProbe: { httpGet: { port: true } } })] }).message).toBe(`${prefix}bool into Go struct field HTTPGetAction.spec.containers.livenessProbe.httpGet.port of type int32`);
    expect(bad({ containers: [c()], nodeSelector: { a: 1 } }).message).toBe(`${prefix}number into Go struct field PodSpec.spec.nodeSelector of type string`);
    expect(status(() => created({ kind: 5, metadata: { name: 'p' } })).message).toBe("couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string");
    expect(status(() => created([])).message).toBe("Object 'Kind' is missing in '[]'");
    expect(status(() => created(pod({ containers: [c({ resources: { limits: { memory: '1Mm' } } })] }))).message).toBe('Pod in version "v1" cannot be handled as a Pod: unable to parse quantity\'s suffix');
  });

  it('unknown fields: Strict refuses, Warn warns, Ignore drops silently; prototype keys are unknown fields', () => {
    const typo = JSON.parse('{"kind":"Pod","metadata":{"name":"p","__proto__":{"x":1}},"spec":{"containres":[],"containers":[{"name":"a","image":"b","ports":[{"containerPort":80,"nmae":"x"}]}]},"constructor":1}');
    expect(status(() => created(typo)).message).toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "metadata.__proto__", unknown field "spec.containres", unknown field "spec.containers[0].ports[0].nmae", unknown field "constructor"');
    const warned = created(typo, 'Warn');
    expect(warned.warnings).toEqual(['unknown field "metadata.__proto__"', 'unknown field "spec.containres"', 'unknown field "spec.containers[0].ports[0].nmae"', 'unknown field "constructor"']);
    expect(Object.keys(warned.obj)).toEqual(['kind', 'metadata', 'spec', 'apiVersion', 'status'].filter((k) => k in warned.obj));
    expect(Object.keys(warned.obj.metadata)).toEqual(['name', 'namespace']);
    expect(created(typo, '').warnings.length).toBe(4);
    expect(created(typo, 'Ignore').warnings).toEqual([]);
    expect(status(() => fieldValidation(q('strict'), 'CreateOptions'))).toEqual({ code: 422, message: 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"' });
  });

  it('nulls are Go zero values; numbers become quantities; defaults come before validation', () => {
    const p = created(pod({ containers: [c({ args: ['a', null], env: null, resources: { limits: { cpu: 1 } }, readinessProbe: { exec: { command: ['true'] }, periodSeconds: 0 } })] })).obj;
    expect(p.spec.containers[0].args).toEqual(['a', '']);
    expect(p.spec.containers[0].env).toBeUndefined();
    expect(p.spec.containers[0].resources.limits.cpu).toBe('1');
    expect(p.spec.containers[0].readinessProbe).toEqual({ exec: { command: ['true'] }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    expect(p.spec.containers[0].imagePullPolicy).toBe('Always');
    expect(p.status).toBeUndefined(); // the server sets it
  });

  it('bad values: 422 with the field path, one error as is, several in brackets', () => {
    const invalid = (spec: Obj, metadata?: Obj) => status(() => created(pod(spec, metadata))).message;
    expect(invalid({ containers: [c({ ports: [{ containerPort: 70000, name: 'Http_Port' }] })] })).toBe('Pod "p" is invalid: [spec.containers[0].ports[0].name: Invalid value: "Http_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive]');
    expect(invalid({ containers: [c({ env: [{ name: 'A=B' }, { name: 'X', value: 'v', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] })] })).toBe('Pod "p" is invalid: [spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\', spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty]');
    expect(invalid({ containers: [c({ livenessProbe: { exec: { command: ['x'] }, tcpSocket: { port: 1 }, successThreshold: 2 } })] })).toBe('Pod "p" is invalid: [spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type, spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1]');
    expect(invalid({ containers: [c({ volumeMounts: [{ name: 'data', mountPath: '/d' }] })] })).toBe('Pod "p" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"');
    expect(invalid({ containers: [c(), c()] })).toBe('Pod "p" is invalid: spec.containers[1].name: Duplicate value: "main"');
    expect(invalid({ containers: [c()], activeDeadlineSeconds: 0 })).toBe('Pod "p" is invalid: spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive');
    expect(invalid({ containers: [c()] }, { name: 'p', labels: { 'a/b/c': 'x', ok: 'bad value' } })).toBe(`Pod "p" is invalid: [metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName'), metadata.labels: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]`);
    expect(status(() => admitCreate('namespaces', undefined, { metadata: { name: 'a.b' } }, q())).message).toBe('Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots');
    expect(status(() => created(pod({ containers: [c()] }, { name: 'p', resourceVersion: '5' }))).message).toBe('resourceVersion should not be set on objects to be created');
  });

  it('updates: only images and a few fields of a pod change; system fields stay; patches fail as kube-apiserver words it', () => {
    const cur = created(pod({ containers: [c({ args: ['sleep', '1'] })] })).obj;
    Object.assign(cur.metadata, { uid: 'u1', creationTimestamp: '2020-01-01T00:00:00Z', resourceVersion: '7' });
    cur.spec.nodeName = 'kind-worker';
    const image = admitPatch('pods', cur, 'strategic', { spec: { containers: [{ name: 'main', image: 'alpine' }] }, metadata: { uid: 'x', deletionTimestamp: '2020-01-01T00:00:00Z' } }, q()).obj;
    expect(image.spec.containers[0].image).toBe('alpine');
    expect(image.metadata.uid).toBe('u1');
    expect(image.metadata.deletionTimestamp).toBeUndefined();
    expect(image.spec.nodeName).toBe('kind-worker');
    expect(status(() => admitPatch('pods', cur, 'merge', { spec: { restartPolicy: 'Never' } }, q())).message).toMatch(/^Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\]\.image`/);
    expect(status(() => admitPatch('pods', cur, 'strategic', { spec: { containres: 1 } }, q()))).toEqual({ code: 422, message: ' "" is invalid: patch: Invalid value: "map[spec:map[containres:1]]": strict decoding error: unknown field "spec.containres"' });
    expect(status(() => admitPatch('pods', cur, 'json', [{ op: 'replace', path: '/metadata/name', value: 'q' }], q()))).toEqual({ code: 400, message: 'the name of the object (q) does not match the name on the URL (p)' });
    expect(status(() => admitPatch('pods', cur, 'json', [{ op: 'add', path: '/__proto__/x', value: 1 }], q()))).toEqual({ code: 422, message: 'the server rejected our request due to an error in our request' });
    const replaced = admitReplace('pods', cur, { ...cur, metadata: { name: 'p', labels: { a: 'b' } } }, q()).obj;
    expect(replaced.metadata).toMatchObject({ name: 'p', namespace: 'default', uid: 'u1', labels: { a: 'b' } });
  });

  it('deletes: the grace period wraps as a Go duration; kube-system and default are never deleted; namespaces go in one step', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(deletionTimestamp(now, 30)).toBe('2025-01-01T00:00:30Z');
    expect(deletionTimestamp(now, 1e14)).toBe(new Date(now + Number(BigInt.asIntN(64, 10n ** 23n) / 1_000_000n)).toISOString().replace(/\.\d+Z$/, 'Z'));
    const store = createStore();
    expect(status(() => deleteObject(store, 'namespaces', undefined, 'default', new URLSearchParams(), undefined))).toEqual({ code: 403, message: 'namespaces "default" is forbidden: this namespace may not be deleted' });
    expect(status(() => deleteObject(store, 'pods', 'default', 'x', new URLSearchParams({ gracePeriodSeconds: 'abc' }), undefined))).toEqual({ code: 404, message: 'pods "x" not found' });
    store.create('namespaces', { metadata: { name: 'team' } });
    for (const [name, grace] of [['a', 1e14], ['b', 30], ['c', 0]] as const) {
      store.create('pods', { metadata: { name, namespace: 'team' }, spec: { nodeName: 'kind-worker', terminationGracePeriodSeconds: grace }, status: { phase: 'Running' } });
    }
    expect(status(() => deleteObject(store, 'pods', 'team', 'a', new URLSearchParams({ gracePeriodSeconds: '1.5' }), undefined))).toEqual({ code: 400, message: 'strconv.ParseInt: parsing "1.5": invalid syntax' });
    expect(status(() => deleteObject(store, 'pods', 'team', 'a', new URLSearchParams(), { gracePeriodSeconds: 'x' }))).toEqual({ code: 400, message: 'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64' });
    store.create('namespaces', { metadata: { name: 'empty' } });
    expect(deleteObject(store, 'namespaces', undefined, 'empty', new URLSearchParams(), undefined).status).toEqual({ phase: 'Terminating' });
    expect(store.get('namespaces', undefined, 'empty')).toBeUndefined();
    const ns = deleteObject(store, 'namespaces', undefined, 'team', new URLSearchParams(), undefined);
    expect([ns.status.phase, ns.spec?.finalizers ?? null, typeof ns.metadata.deletionTimestamp]).toEqual(['Terminating', null, 'string']);
    expect(store.list('pods', 'team').map((p) => [p.metadata.name, !!p.metadata.deletionTimestamp])).toEqual([['a', true], ['b', true]]);
    expect(status(() => deleteObject(store, 'namespaces', undefined, 'team', new URLSearchParams(), undefined))).toEqual({
      code: 409, message: 'Operation cannot be fulfilled on namespaces "team": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
    });
    store.delete('pods', 'team', 'a');
    finalize(store, 'team');
    expect(store.get('namespaces', undefined, 'team')?.status.phase).toBe('Terminating');
    store.delete('pods', 'team', 'b');
    finalize(store, 'team');
    expect(store.get('namespaces', undefined, 'team')).toBeUndefined();
  });

  it('log options: 400 for what does not parse, 422 for what is out of range', () => {
    const opts = (query: string) => status(() => logOptions(new URLSearchParams(query), 'p'));
    expect(opts('limitBytes=abc')).toEqual({ code: 400, message: 'strconv.ParseInt: parsing "abc": invalid syntax' });
    expect(opts('follow=yes')).toEqual({ code: 400, message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
    expect(opts('limitBytes=0&tailLines=-1')).toEqual({ code: 422, message: 'PodLogOptions "p" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]' });
    expect(opts('sinceSeconds=5&sinceTime=2020-01-01T00:00:00Z')).toEqual({ code: 422, message: 'PodLogOptions "p" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
    expect(logOptions(new URLSearchParams('follow=1&tailLines=%2B5&timestamps=True'), 'p')).toMatchObject({ follow: true, tailLines: 5, timestamps: true });
  });
});
