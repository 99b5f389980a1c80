// The OpenAPI v2 document as kubectl 1.27/1.28 ask for it: `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`,
// gnostic's openapi_v2.Document (github.com/google/gnostic, openapiv2/OpenAPIv2.proto; field numbers below). Only
// what the JSON document holds is encoded; vendor extensions carry their value as YAML text (JSON is YAML), as
// gnostic's compiler stores them and kube-openapi reads them.
type Obj = Record<string, any>;

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

const field = (n: number, body: Buffer) => Buffer.concat([varint((n << 3) | 2), varint(body.length), body]);
const str = (n: number, s: string | undefined) => (s ? field(n, Buffer.from(s, 'utf8')) : Buffer.alloc(0));
const strs = (n: number, list: string[] | undefined) => Buffer.concat((list ?? []).map((s) => field(n, Buffer.from(s, 'utf8'))));
const bool = (n: number, b: boolean | undefined) => (b ? Buffer.concat([varint(n << 3), Buffer.from([1])]) : Buffer.alloc(0));
const msg = (n: number, body: Buffer | undefined) => (body ? field(n, body) : Buffer.alloc(0));
const cat = (...parts: Buffer[]) => Buffer.concat(parts);

/** NamedAny { name = 1; Any value = 2 { yaml = 2 } } for every `x-` key. */
function extensions(n: number, o: Obj): Buffer {
  return cat(...Object.keys(o).filter((k) => k.startsWith('x-')).map((k) => msg(n, cat(str(1, k), msg(2, str(2, JSON.stringify(o[k]) + '\n'))))));
}

function schema(s: Obj): Buffer {
  return cat(
    str(1, s.$ref), str(2, s.format), str(4, s.description), strs(19, s.required),
    s.additionalProperties ? msg(21, msg(1, schema(s.additionalProperties))) : Buffer.alloc(0),
    s.type ? msg(22, strs(1, [s.type])) : Buffer.alloc(0),
    s.items ? msg(23, msg(1, schema(s.items))) : Buffer.alloc(0),
    cat(...(s.allOf ?? []).map((x: Obj) => msg(24, schema(x)))),
    s.properties ? msg(25, cat(...Object.entries(s.properties).map(([k, v]) => msg(1, cat(str(1, k), msg(2, schema(v as Obj))))))) : Buffer.alloc(0),
    extensions(31, s),
  );
}

/** ParametersItem { Parameter parameter = 1 { NonBodyParameter = 2 { query = 3 | path = 4 } } }. */
function parameter(p: Obj): Buffer {
  const query = p.in === 'query';
  const sub = cat(bool(1, p.required), str(2, p.in), str(4, p.name), str(query ? 6 : 5, p.type), bool(query ? 20 : 19, p.uniqueItems));
  return msg(1, msg(2, msg(query ? 3 : 4, sub)));
}

function operation(op: Obj | undefined): Buffer | undefined {
  if (!op) return undefined;
  return cat(str(5, op.operationId), cat(...(op.parameters ?? []).map((p: Obj) => msg(8, parameter(p)))), extensions(13, op));
}

function pathItem(p: Obj): Buffer {
  return cat(
    msg(2, operation(p.get)), msg(3, operation(p.put)), msg(4, operation(p.post)), msg(5, operation(p.delete)), msg(8, operation(p.patch)),
    cat(...(p.parameters ?? []).map((x: Obj) => msg(9, parameter(x)))),
  );
}

export function encodeOpenApiV2(doc: Obj): Buffer {
  return cat(
    str(1, doc.swagger),
    msg(2, cat(str(1, doc.info.title), str(2, doc.info.version))),
    msg(8, cat(...Object.entries(doc.paths).map(([k, v]) => msg(2, cat(str(1, k), msg(2, pathItem(v as Obj))))))),
    msg(9, cat(...Object.entries(doc.definitions).map(([k, v]) => msg(1, cat(str(1, k), msg(2, schema(v as Obj))))))),
  );
}
