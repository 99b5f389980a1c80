// Who takes part: student names (generated or given) checked before anything is created, since each becomes a
// namespace, and the marks a workshop leaves on what it makes so that board, check, reset and down find it again
// on any cluster — no local state to lose.
import { CliError } from '../errors.ts';

/** The label every object of a workshop carries; its namespaces are found by it. */
export const MANAGED_BY = { key: 'app.kubernetes.io/managed-by', value: 'kiada-workshop' } as const;
export const STUDENT_LABEL = 'kiada.io/student';
export const DEPLOY_ANNOTATION = 'kiada.io/deploy';
export const EXPIRES_ANNOTATION = 'kiada.io/token-expires';
/** The service account each student acts as, in their namespace. */
export const STUDENT_ACCOUNT = 'student';
export const MAX_STUDENTS = 500;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Namespaces a cluster has or reserves: a student of that name would get (and, at `down`, lose) the cluster's own.
const RESERVED = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

const shown = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

export function validateStudentName(name: string): string {
  if (name.length > 63 || !DNS1123_LABEL.test(name)) {
    throw new CliError(`error: invalid student name ${shown(name)}: must be a lowercase RFC 1123 label (a-z, 0-9, '-'; starting and ending with a letter or digit; at most 63 characters)`);
  }
  if (RESERVED.has(name) || name.startsWith('kube-')) throw new CliError(`error: invalid student name ${shown(name)}: the cluster uses that namespace itself`);
  return name;
}

/** `--students N` → student1…studentN; `--names a,b` → those, checked; exactly one of the two. */
export function studentNames(o: { students?: string; names?: string }): string[] {
  if ((o.students === undefined) === (o.names === undefined)) throw new CliError('error: give either --students N or --names NAME,NAME,…');
  if (o.students !== undefined) {
    const n = /^\d+$/.test(o.students) ? Number(o.students) : NaN;
    if (!(n >= 1 && n <= MAX_STUDENTS)) throw new CliError(`error: invalid --students ${shown(o.students)}: must be a whole number from 1 to ${MAX_STUDENTS}`);
    return Array.from({ length: n }, (_, i) => `student${i + 1}`);
  }
  const names = o.names!.split(',').map((s) => s.trim());
  if (names.length > MAX_STUDENTS) throw new CliError(`error: too many names (${names.length}): at most ${MAX_STUDENTS}`);
  const seen = new Set<string>();
  for (const name of names) {
    validateStudentName(name);
    if (seen.has(name)) throw new CliError(`error: student name ${shown(name)} is given twice`);
    seen.add(name);
  }
  return names;
}

/** student2 before student10: names compared with their digits as numbers. */
export const byStudentName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** A Go duration as kubectl's --duration takes it ("8h", "90m", "1h30m", "3600s", "500ms") → seconds. */
export function parseDuration(flag: string, value: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    total += Number(m[1]) * units[m[2]];
    matched = re.lastIndex;
  }
  if (!value || matched !== value.length) throw new CliError(`error: invalid ${flag} ${shown(value)}: a duration such as 8h, 90m or 1h30m`);
  return total;
}
