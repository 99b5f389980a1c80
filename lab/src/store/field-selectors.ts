// Field selectors as the API server parses them (k8s.io/apimachinery/pkg/fields/selector.go): comma-separated
// `field=value`, `field==value`, `field!=value` terms, values escaped with `\`; and the fields each resource
// offers (pkg/registry/core/*/strategy.go ToSelectableFields), with a 400 for any other.
import { badRequest } from './errors.ts';
import { KINDS, RESOURCES, type Resource } from './kinds.ts';

type Obj = Record<string, any>;
interface Term {
  field: string;
  equal: boolean;
  value: string;
}

/** Splits on the commas that are not escaped. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) escaped = false;
    else if (s[i] === '\\') escaped = true;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  return [...terms, s.slice(start)];
}

function unescape(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') {
      const next = value[++i];
      if (next === undefined) throw new Error('invalid field selector: invalid escape sequence: \\');
      if (!'\\,='.includes(next)) throw new Error(`invalid field selector: invalid escape sequence: \\${next}`);
      out += next;
    } else if (c === ',' || c === '=') throw new Error(`invalid field selector: unescaped character in value: ${c}`);
    else out += c;
  }
  return out;
}

export function parseFieldSelector(selector: string): Term[] {
  const terms: Term[] = [];
  // Sorted, as the Go parser does: which bad term is named does not depend on their order.
  for (const part of splitTerms(selector).sort()) {
    if (part === '') continue;
    // The first operator from the left; at one position "!=" before "==" before "=".
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    try {
      terms.push({ field: m[1], equal: m[2] !== '!=', value: unescape(m[3]) });
    } catch (e) {
      throw badRequest((e as Error).message);
    }
  }
  return terms;
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const meta = (o: Obj) => ({ 'metadata.name': str(o.metadata?.name), 'metadata.namespace': str(o.metadata?.namespace) });

// Unset fields are the empty string ("spec.nodeName=" selects unscheduled pods), booleans "true"/"false".
const FIELDS: Record<Resource, (o: Obj) => Record<string, string>> = {
  pods: (p) => ({
    ...meta(p),
    'spec.nodeName': str(p.spec?.nodeName),
    'spec.restartPolicy': str(p.spec?.restartPolicy),
    'spec.schedulerName': str(p.spec?.schedulerName),
    'spec.serviceAccountName': str(p.spec?.serviceAccountName),
    'spec.hostNetwork': String(p.spec?.hostNetwork === true),
    'status.phase': str(p.status?.phase),
    'status.podIP': str(p.status?.podIP || p.status?.podIPs?.[0]?.ip),
    'status.podIPs': '',
    'status.nominatedNodeName': str(p.status?.nominatedNodeName),
  }),
  nodes: (n) => ({ 'metadata.name': str(n.metadata?.name), 'spec.unschedulable': String(n.spec?.unschedulable === true) }),
  namespaces: (ns) => ({ 'metadata.name': str(ns.metadata?.name), 'status.phase': str(ns.status?.phase) }),
  events: (e) => ({
    ...meta(e),
    ...Object.fromEntries(['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((k) => [`involvedObject.${k}`, str(e.involvedObject?.[k])])),
    reason: str(e.reason),
    reportingComponent: str(e.reportingComponent),
    source: str(e.source?.component),
    type: str(e.type),
  }),
  // What every other resource offers (DefaultClusterScopedAttr / DefaultNamespaceScopedAttr).
  serviceaccounts: meta,
  resourcequotas: meta,
  limitranges: meta,
  roles: meta,
  rolebindings: meta,
  clusterroles: (o) => ({ 'metadata.name': str(o.metadata?.name) }),
  clusterrolebindings: (o) => ({ 'metadata.name': str(o.metadata?.name) }),
};
/** Pods also take the old clients' "spec.host" for spec.nodeName (no other resource has either). */
const ALIASES: Record<string, string> = { 'spec.host': 'spec.nodeName' };
const alias = (field: string) => (Object.hasOwn(ALIASES, field) ? ALIASES[field] : field);
const BY_KIND: Record<string, Resource> = Object.fromEntries(RESOURCES.map((r) => [KINDS[r].kind, r]));

/**
 * A filter for objects of `resource`; a selector naming a field the resource does not offer is a 400, as on a
 * real server. Without `resource`, each object's fields are those of its kind and no field is refused.
 */
export function fieldMatcher(selector: string | null | undefined, resource?: Resource): (obj: Obj) => boolean {
  if (!selector) return () => true;
  const terms = parseFieldSelector(selector).map((t) => ({ ...t, field: alias(t.field), asked: t.field }));
  if (resource) {
    const offered = FIELDS[resource]({});
    for (const t of terms) if (!Object.hasOwn(offered, t.field)) throw badRequest(`field label not supported: ${t.asked}`);
  }
  return (obj) => {
    const kind = resource ?? (Object.hasOwn(BY_KIND, obj.kind) ? BY_KIND[obj.kind] : undefined);
    const fields = kind ? FIELDS[kind](obj) : {};
    // Own keys only: "constructor" or "__proto__" name no field.
    return terms.every((t) => ((Object.hasOwn(fields, t.field) ? fields[t.field] : '') === t.value) === t.equal);
  };
}
