// JSON merge patch (RFC 7386) and strategic merge patch (lists of named things merged by their key; $patch,
// $setElementOrder, $retainKeys, $deleteFromPrimitiveList), as kubectl and client-node send them. Keys are own data
// properties only (own-json.ts).
import type { Obj } from '../store/index.ts';
import { copyJson, getOwn as get, isObj, setOwn } from './own-json.ts';

export const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', env: 'name', ports: 'containerPort', volumes: 'name',
  volumeMounts: 'mountPath', volumeDevices: 'devicePath', conditions: 'type', imagePullSecrets: 'name', ownerReferences: 'uid',
  hostAliases: 'ip', readinessGates: 'conditionType', resizePolicy: 'resourceName', topologySpreadConstraints: 'topologyKey',
};

export function mergePatch(target: unknown, patch: unknown, strategic = false): unknown {
  if (!isObj(patch)) return copyJson(patch);
  if (strategic && patch.$patch === 'replace') return withoutDirectives(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (strategic && k.startsWith('$')) {
      if (k.startsWith('$deleteFromPrimitiveList/')) {
        const list = k.slice('$deleteFromPrimitiveList/'.length);
        const cur = get(out, list);
        if (Array.isArray(cur) && Array.isArray(v)) setOwn(out, list, cur.filter((x: unknown) => !v.includes(x)));
        continue;
      }
      // $setElementOrder and $retainKeys only order or prune what the patch already says; other "$" keys are fields.
      if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    }
    if (v === null || (strategic && isObj(v) && v.$patch === 'delete')) delete out[k];
    else if (strategic && Array.isArray(v) && MERGE_KEYS[k] && Array.isArray(get(out, k))) setOwn(out, k, mergeList(out[k], v, MERGE_KEYS[k]));
    else setOwn(out, k, mergePatch(get(out, k), v, strategic));
  }
  return out;
}

function withoutDirectives(o: Obj): Obj {
  const out: Obj = {};
  for (const k of Object.keys(o)) if (!k.startsWith('$')) setOwn(out, k, copyJson(o[k]));
  return out;
}

/** A strategic list: items with the merge key of one in the list are merged into it, others appended. */
function mergeList(current: unknown[], patch: unknown[], key: string): unknown[] {
  if (patch.some((item) => isObj(item) && item.$patch === 'replace')) return patch.filter((item) => !(isObj(item) && item.$patch === 'replace')).map(copyJson);
  const list = [...current];
  for (const item of patch) {
    const i = isObj(item) ? list.findIndex((x) => isObj(x) && x[key] === item[key]) : -1;
    if (isObj(item) && item.$patch === 'delete') {
      if (i >= 0) list.splice(i, 1);
    } else if (i >= 0) list[i] = mergePatch(list[i], item, true);
    else list.push(mergePatch(undefined, item, true));
  }
  return list;
}
