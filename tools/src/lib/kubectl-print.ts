// What `kubectl get` prints, byte for byte: the server's Table (-o wide), and -o json. Readers compare our output
// with kubectl's; the printed command must give exactly what we printed.

export interface Table {
  columnDefinitions: { name: string; priority?: number }[];
  rows: { cells: unknown[] }[];
}

/**
 * Rows as kubectl's tabwriter aligns them (cli-runtime printers: minwidth 6, padding 3): each column as wide as its
 * widest cell plus 3, at least 6; the last cell as it is.
 */
export function alignColumns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(6, ...rows.map((r) => r[i].length + 3)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('') + '\n').join('');
}

/** A server-side Table as `kubectl get` prints it: headers upper-cased, -o wide adds the priority > 0 columns. */
export function printTable(table: Table, wide: boolean): string {
  const shown = table.columnDefinitions.map((c, i) => [c, i] as const).filter(([c]) => wide || !c.priority);
  const cell = (v: unknown) => (v === null || v === undefined ? '<none>' : String(v));
  return alignColumns([shown.map(([c]) => c.name.toUpperCase()), ...table.rows.map((r) => shown.map(([, i]) => cell(r.cells[i])))]);
}

/** Go map keys come out sorted; Go's encoder escapes <, >, & and U+2028/2029 (HTML-safe JSON). */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** An object as `kubectl get … -o json` prints it: its keys sorted, indented by four, managedFields left out. */
export function kubectlJson(obj: { metadata?: { managedFields?: unknown } }): string {
  const { managedFields: _, ...metadata } = obj.metadata ?? {};
  const shown = obj.metadata ? { ...obj, metadata } : obj;
  const json = JSON.stringify(sortKeys(shown), null, 4).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return json + '\n';
}
