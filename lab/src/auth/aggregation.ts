// Aggregated ClusterRoles (admin, edit, view) as kube-controller-manager's clusterrole-aggregation controller fills
// them (pkg/controller/clusterroleaggregation): for each selector in turn, the rules of every other ClusterRole it
// selects, those roles sorted by name, each rule once. The controller reacts to every change until nothing changes
// (admin takes edit's rules once edit has taken view's); here that fixpoint is computed at once.
import type { ClusterRole, LabelSelector, PolicyRule } from './rbac.ts';

/** metav1.LabelSelectorAsSelector: an empty selector selects everything; an unknown operator, nothing. */
export function labelSelectorMatches(sel: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of sel.matchExpressions ?? []) {
    const present = Object.hasOwn(labels, r.key);
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In': if (!present || !values.includes(labels[r.key])) return false; break;
      case 'NotIn': if (present && values.includes(labels[r.key])) return false; break;
      case 'Exists': if (!present) return false; break;
      case 'DoesNotExist': if (present) return false; break;
      default: return false;
    }
  }
  return true;
}

// equality.Semantic.DeepEqual of two rules: nil and empty lists are the same.
const norm = (r: PolicyRule) => JSON.stringify([r.verbs ?? [], r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);

function aggregateOne(role: ClusterRole, all: ClusterRole[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const sel of role.aggregationRule!.clusterRoleSelectors ?? []) {
    const selected = all.filter((r) => labelSelectorMatches(sel, r.metadata.labels)).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
    for (const r of selected) {
      if (r.metadata.name === role.metadata.name) continue;
      for (const rule of r.rules ?? []) {
        const key = norm(rule);
        if (!seen.has(key)) {
          seen.add(key);
          rules.push(rule);
        }
      }
    }
  }
  return rules;
}

/** The ClusterRoles with every aggregated role's rules filled in (the others unchanged). */
export function aggregateClusterRoles(roles: ClusterRole[]): ClusterRole[] {
  let current = roles;
  // Each pass can only add what a role one level down gained in the pass before; a chain of n roles settles in n
  // passes. The bound stops a cycle of aggregated roles selecting each other (the controller would loop too).
  for (let pass = 0; pass <= roles.length; pass++) {
    let changed = false;
    const next = current.map((r) => {
      if (!r.aggregationRule) return r;
      const rules = aggregateOne(r, current);
      if (JSON.stringify(rules.map(norm)) === JSON.stringify((r.rules ?? []).map(norm))) return r;
      changed = true;
      return { ...r, rules };
    });
    current = next;
    if (!changed) break;
  }
  return current;
}
