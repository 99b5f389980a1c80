// The three patch types kubectl and client-node send: JSON merge patch (RFC 7386), strategic merge patch
// (lists of named things merged by their key, directives ignored) and JSON patch (RFC 6902).
import { badRequest, type Obj } from '../store/index.ts';

const MERGE_KEYS: Record<string, string> = { containers: 'name', initContainers: 'name', env: 'name', ports: 'containerPort', volumes: 'name', volumeMounts: 'mountPath', conditions: 'type' };

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: unknown, patch: unknown, strategic = false, field = ''): unknown {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // $setElementOrder, $patch, $retainKeys: order and directives are not needed here
    if (v === null) delete out[k];
    else if (strategic && Array.isArray(v) && MERGE_KEYS[k] && Array.isArray(out[k])) {
      const mk = MERGE_KEYS[k];
      const list: Obj[] = [...out[k]];
      for (const item of v as Obj[]) {
        if (isObj(item) && item.$patch === 'delete') {
          const i = list.findIndex((x) => x[mk] === item[mk]);
          if (i >= 0) list.splice(i, 1);
          continue;
        }
        const i = list.findIndex((x) => isObj(item) && x[mk] === item[mk]);
        if (i >= 0) list[i] = mergePatch(list[i], item, true, k) as Obj;
        else list.push(item);
      }
      out[k] = list;
    } else out[k] = mergePatch(out[k], v, strategic, k);
  }
  void field;
  return out;
}

function pointer(path: string): string[] {
  return path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function jsonPatch(doc: Obj, ops: Obj[]): Obj {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  const out = structuredClone(doc);
  for (const op of ops) {
    const parts = pointer(op.path ?? '');
    const last = parts.pop()!;
    let parent: any = out;
    for (const p of parts) {
      parent = parent?.[p];
      if (parent === undefined) throw badRequest(`jsonpatch ${op.op} operation does not apply: doc is missing path: ${op.path}`);
    }
    switch (op.op) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, op.value);
        else parent[last] = op.value;
        break;
      case 'replace':
        if (!(last in parent)) throw badRequest(`jsonpatch replace operation does not apply: doc is missing key: ${op.path}`);
        parent[last] = op.value;
        break;
      case 'remove':
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'test':
        if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw badRequest(`testing value ${op.path} failed`);
        break;
      default:
        throw badRequest(`unsupported json patch operation: ${op.op}`);
    }
  }
  return out;
}
