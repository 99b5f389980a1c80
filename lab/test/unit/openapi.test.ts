// The OpenAPI documents, made from client-node's models (the decode's source): v2 as JSON and as gnostic protobuf,
// and v3 per group-version behind an index naming each by the hash of its bytes.
import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { loadSchema } from '../../src/api/schema.ts';
import { openapiV2, openapiV3 } from '../../src/api/openapi-docs.ts';
import { encodeOpenApiV2 } from '../../src/api/openapi-proto.ts';
import { serveOpenApi } from '../../src/api/openapi.ts';

beforeAll(() => loadSchema());

/** Protobuf fields by number: length-delimited ones as buffers, varints as numbers. */
function fields(buf: Buffer): Map<number, (Buffer | number)[]> {
  const out = new Map<number, (Buffer | number)[]>();
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[off++];
      v += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return v;
    }
  };
  let off = 0;
  while (off < buf.length) {
    const tag = varint();
    let value: Buffer | number;
    if ((tag & 7) === 2) {
      const len = varint();
      value = buf.subarray(off, off + len);
      off += len;
    } else value = varint();
    out.set(tag >>> 3, [...(out.get(tag >>> 3) ?? []), value]);
  }
  return out;
}
const text = (b: Buffer | number | undefined) => (b as Buffer).toString('utf8');

/** Serves one path into a fake response: status, headers and body. */
function serve(path: string, accept?: string) {
  let head: Record<string, unknown> = {};
  let body: Buffer = Buffer.alloc(0);
  const res = { writeHead: (_: number, h: Record<string, unknown>) => (head = h), end: (b: Buffer) => (body = b) } as unknown as http.ServerResponse;
  return { served: serveOpenApi(path, accept, res), head, body };
}

describe('OpenAPI documents', () => {
  it('v2 definitions carry the models\' types, descriptions and required fields, the kinds\' GVK and patch merge keys', () => {
    const defs = openapiV2().definitions;
    expect(defs['io.k8s.api.core.v1.ContainerPort']).toEqual({
      description: 'ContainerPort represents a network port in a single container.',
      properties: {
        containerPort: { type: 'integer', format: 'int32', description: "Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536." },
        hostIP: { type: 'string', description: 'What host IP to bind the external port to.' },
        hostPort: { type: 'integer', format: 'int32', description: 'Number of port to expose on the host. If specified, this must be a valid port number, 0 < x < 65536. If HostNetwork is specified, this must match ContainerPort. Most containers do not need this.' },
        name: { type: 'string', description: 'If specified, this must be an IANA_SVC_NAME and unique within the pod. Each named port in a pod must have a unique name. Name for the port that can be referred to by services.' },
        protocol: { type: 'string', description: 'Protocol for port. Must be UDP, TCP, or SCTP. Defaults to "TCP".' },
      },
      required: ['containerPort'],
      type: 'object',
    });
    expect(defs['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    expect(defs['io.k8s.api.coordination.v1.Lease']['x-kubernetes-group-version-kind']).toEqual([{ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' }]);
    const containers = defs['io.k8s.api.core.v1.PodSpec'].properties.containers;
    expect([containers.items, containers['x-kubernetes-patch-merge-key'], containers['x-kubernetes-patch-strategy']]).toEqual([{ $ref: '#/definitions/io.k8s.api.core.v1.Container' }, 'name', 'merge']);
    expect(defs['io.k8s.api.core.v1.Probe'].properties.httpGet).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.HTTPGetAction' });
    expect(defs['io.k8s.api.core.v1.HTTPGetAction'].properties.port.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    expect(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({ type: 'string', format: 'int-or-string' });
    expect(defs['io.k8s.api.core.v1.ResourceRequirements'].properties.limits.additionalProperties).toEqual({ $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' });
    for (const name of ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status', 'io.k8s.api.core.v1.Namespace', 'io.k8s.api.core.v1.Node', 'io.k8s.api.core.v1.Event']) expect(defs[name]).toBeDefined();
  });

  it('every $ref points at a definition', () => {
    const defs = openapiV2().definitions;
    const refs = JSON.stringify(defs).match(/"\$ref":"[^"]+"/g)!;
    for (const r of new Set(refs)) expect(defs[r.slice(22, -1)]).toBeDefined();
  });

  it('v2 and v3 paths: each kind\'s PATCH names its GVK and takes fieldValidation (kubectl validates on the server)', () => {
    const pods = openapiV2().paths['/api/v1/namespaces/{namespace}/pods/{name}'];
    expect(pods.patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(pods.patch.parameters.map((p: any) => [p.in, p.name])).toEqual([['query', 'dryRun'], ['query', 'fieldManager'], ['query', 'fieldValidation'], ['query', 'force']]);
    const v3 = openapiV3('api/v1');
    expect(Object.keys(v3.paths)).toEqual(['/api/v1/namespaces/{namespace}/pods/{name}', '/api/v1/namespaces/{name}', '/api/v1/nodes/{name}', '/api/v1/namespaces/{namespace}/events/{name}',
      '/api/v1/namespaces/{namespace}/serviceaccounts/{name}', '/api/v1/namespaces/{namespace}/resourcequotas/{name}', '/api/v1/namespaces/{namespace}/limitranges/{name}']);
    expect(v3.paths['/api/v1/nodes/{name}'].patch.parameters[2]).toEqual({ in: 'query', name: 'fieldValidation', schema: { type: 'string', uniqueItems: true } });
    // v3 wraps a described $ref in allOf, as upstream does.
    expect(v3.components.schemas['io.k8s.api.core.v1.PodSpec'].properties.containers.items).toEqual({ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
    expect(Object.keys(openapiV3('apis/coordination.k8s.io/v1').paths)).toEqual(['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}']);
    const rbac = openapiV3('apis/rbac.authorization.k8s.io/v1');
    expect(Object.keys(rbac.paths)).toEqual(['/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/{name}', '/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{name}',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}']);
    expect(rbac.paths['/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}'].patch['x-kubernetes-group-version-kind']).toEqual({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' });
    // The RBAC, authentication and authorization types are named by their own API packages.
    expect(Object.keys(rbac.components.schemas).filter((n) => /\.(rbac|authentication|authorization)\.v1\./.test(n))).toEqual(expect.arrayContaining([
      'io.k8s.api.rbac.v1.Role', 'io.k8s.api.rbac.v1.Subject', 'io.k8s.api.rbac.v1.PolicyRule', 'io.k8s.api.rbac.v1.AggregationRule',
      'io.k8s.api.authentication.v1.TokenRequest', 'io.k8s.api.authentication.v1.SelfSubjectReview', 'io.k8s.api.authentication.v1.UserInfo',
      'io.k8s.api.authorization.v1.SelfSubjectAccessReview', 'io.k8s.api.authorization.v1.ResourceAttributes', 'io.k8s.api.authorization.v1.SubjectRulesReviewStatus']));
    expect(rbac.components.schemas['io.k8s.api.rbac.v1.RoleBinding'].properties.subjects.items).toEqual({ $ref: '#/components/schemas/io.k8s.api.rbac.v1.Subject' });
  });

  it('v2 as protobuf: gnostic\'s Document with the same paths and definitions, extensions as YAML', () => {
    const doc = openapiV2();
    const pb = fields(encodeOpenApiV2(doc));
    expect([text(pb.get(1)![0]), text(fields(pb.get(2)![0] as Buffer).get(1)![0]), text(fields(pb.get(2)![0] as Buffer).get(2)![0])]).toEqual(['2.0', 'Kubernetes', 'v1.32.0']);
    const defs = fields(pb.get(9)![0] as Buffer).get(1)!.map((d) => fields(d as Buffer));
    expect(defs.map((d) => text(d.get(1)![0]))).toEqual(Object.keys(doc.definitions));
    const port = fields(defs.find((d) => text(d.get(1)![0]) === 'io.k8s.api.core.v1.ContainerPort')!.get(2)![0] as Buffer);
    expect([text(port.get(4)![0]), text(port.get(19)![0]), text(fields(port.get(22)![0] as Buffer).get(1)![0])]).toEqual(['ContainerPort represents a network port in a single container.', 'containerPort', 'object']);
    const pod = fields(defs.find((d) => text(d.get(1)![0]) === 'io.k8s.api.core.v1.Pod')!.get(2)![0] as Buffer);
    const ext = fields(pod.get(31)![0] as Buffer);
    expect([text(ext.get(1)![0]), JSON.parse(text(fields(ext.get(2)![0] as Buffer).get(2)![0]))]).toEqual(['x-kubernetes-group-version-kind', [{ group: '', version: 'v1', kind: 'Pod' }]]);
    const paths = fields(pb.get(8)![0] as Buffer).get(2)!.map((p) => fields(p as Buffer));
    const podPath = fields(paths.find((p) => text(p.get(1)![0]) === '/api/v1/namespaces/{namespace}/pods/{name}')!.get(2)![0] as Buffer);
    const params = fields(podPath.get(8)![0] as Buffer).get(8)!.map((p) => fields(fields(fields(fields(p as Buffer).get(1)![0] as Buffer).get(2)![0] as Buffer).get(3)![0] as Buffer));
    expect(params.map((q) => [text(q.get(2)![0]), text(q.get(4)![0]), text(q.get(6)![0]), q.get(20)![0]])).toEqual(PATCH_PARAMS);
  });

  it('served as kube-apiserver serves them: protobuf when asked, v3 named by the SHA-512 of its bytes', () => {
    const json = serve('/openapi/v2', 'application/json');
    expect([json.served, json.head['Content-Type'], JSON.parse(json.body.toString()).swagger]).toEqual([true, 'application/json', '2.0']);
    const pb = serve('/openapi/v2', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    expect([pb.head['Content-Type'], pb.body.equals(encodeOpenApiV2(openapiV2()))]).toEqual(['application/com.github.proto-openapi.spec.v2.v1.0+protobuf', true]);
    const index = JSON.parse(serve('/openapi/v3').body.toString());
    expect(Object.keys(index.paths)).toEqual(['api/v1', 'apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/rbac.authorization.k8s.io/v1']);
    const v1 = serve('/openapi/v3/api/v1');
    const hash = createHash('sha512').update(v1.body).digest('hex').toUpperCase();
    expect([index.paths['api/v1'].serverRelativeURL, v1.head.ETag]).toEqual([`/openapi/v3/api/v1?hash=${hash}`, `"${hash}"`]);
    expect(serve('/openapi/v3/apis/apps/v1').served).toBe(false);
    expect(serve('/swagger-2.0.0.pb-v1').served).toBe(false);
  });
});

const PATCH_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((n) => ['query', n, 'string', 1]);
