// Label and field selectors as the API server understands them (the subset kubectl and client-node send).
type Obj = Record<string, any>;

interface Requirement {
  key: string;
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!exists';
  values: string[];
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

export function parseSelector(s: string | null | undefined): Requirement[] {
  if (!s) return [];
  return splitTop(s).map((part) => {
    let m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(part);
    if (m) return { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()) };
    m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (m) return { key: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', values: [m[3].trim()] };
    if (part.startsWith('!')) return { key: part.slice(1), op: '!exists', values: [] };
    return { key: part, op: 'exists', values: [] };
  });
}

function matches(reqs: Requirement[], get: (key: string) => string | undefined): boolean {
  return reqs.every((r) => {
    const v = get(r.key);
    switch (r.op) {
      case '=': return v === r.values[0];
      case '!=': return v !== r.values[0];
      case 'in': return v !== undefined && r.values.includes(v);
      case 'notin': return v === undefined || !r.values.includes(v);
      case 'exists': return v !== undefined;
      case '!exists': return v === undefined;
    }
  });
}

/** Own properties only: a selector key such as `__proto__` or `constructor` names no label or field. */
const own = (o: unknown, k: string): any => (typeof o === 'object' && o !== null && Object.hasOwn(o, k) ? (o as Obj)[k] : undefined);

export function labelMatcher(selector: string | null | undefined) {
  const reqs = parseSelector(selector);
  return (obj: Obj) => matches(reqs, (k) => own(obj.metadata?.labels, k));
}

export function fieldMatcher(selector: string | null | undefined) {
  const reqs = parseSelector(selector);
  return (obj: Obj) =>
    matches(reqs, (path) => {
      let v: any = obj;
      for (const p of path.split('.')) v = own(v, p);
      // Unset fields compare as the empty string, as on a real server (spec.nodeName= selects unscheduled pods).
      return v === undefined || v === null ? '' : String(v);
    });
}
