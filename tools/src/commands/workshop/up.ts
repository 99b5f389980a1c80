// `kiada workshop up --students N | --names a,b [--deploy] [--expires 8h] [--dir DIR] [-o json|yaml]`: a namespace,
// service account, Role/RoleBinding, quota and limits per student, each student's kubeconfig, and login cards.
import path from 'node:path';
import type { Ctx } from '../../lib/context.ts';
import { CliError, describeError } from '../../lib/errors.ts';
import { formatData } from '../../lib/print.ts';
import { alignColumns } from '../../lib/kubectl-print.ts';
import { createStudent } from '../../lib/workshop/create-student.ts';
import { pool } from '../../lib/workshop/pool.ts';
import { writeCards } from '../../lib/workshop/files.ts';
import { MANAGED_BY, parseDuration, studentNames } from '../../lib/workshop/students.ts';

const MIN_TOKEN = 600; // what TokenRequest accepts
const MAX_TOKEN = 2 ** 32;

export interface UpFlags {
  students?: string;
  names?: string;
  deploy?: boolean;
  /** Let students run hostNetwork pods (curl-from-node through the generic provider): Pod Security privileged. */
  allowHostNetwork?: boolean;
  expires: string;
  dir: string;
  output?: 'json' | 'yaml';
  /** --quiet: no kubectl commands, nor the notes that go with them. */
  quiet?: boolean;
}

export function tokenSeconds(expires: string): number {
  const s = Math.floor(parseDuration('--expires', expires));
  if (s < MIN_TOKEN) throw new CliError(`error: invalid --expires "${expires}": at least 10m (the shortest token the API issues)`);
  if (s > MAX_TOKEN) throw new CliError(`error: invalid --expires "${expires}": at most 2^32 seconds`);
  return s;
}

export async function up(ctx: Ctx, flags: UpFlags): Promise<void> {
  // Everything is checked before the first request.
  const names = studentNames(flags);
  const expirationSeconds = tokenSeconds(flags.expires);
  const dir = path.resolve(flags.dir);
  // A namespace of a student's name that is not the workshop's stops everything before anything is made.
  const taken = (await ctx.core.listNamespace()).items.filter((ns) => names.includes(ns.metadata!.name!) && ns.metadata?.labels?.[MANAGED_BY.key] !== MANAGED_BY.value);
  if (taken.length) throw new CliError(`error: namespace${taken.length > 1 ? 's' : ''} ${taken.map((ns) => `"${ns.metadata!.name}"`).join(', ')} already exist${taken.length > 1 ? '' : 's'} and ${taken.length > 1 ? 'are' : 'is'} not the workshop's: choose other names, or delete ${taken.length > 1 ? 'them' : 'it'} first`);
  let students;
  try {
    students = await pool(names, 6, (name, i) => createStudent(ctx, name, { deploy: !!flags.deploy, allowHostNetwork: !!flags.allowHostNetwork, expirationSeconds, dir, show: i === 0 && !flags.quiet }));
  } catch (err) {
    // Nothing is rolled back: `up` is safe to run again once the cause is fixed, and `down` removes it all.
    throw new CliError(`${describeError(err)}\nWhat was made so far stays: run the same \`kiada workshop up\` again once this is fixed, or \`kiada workshop down\`.`);
  }
  if (names.length > 1 && !flags.quiet) ctx.print.info(`  (the same for the other ${names.length === 2 ? 'student' : `${names.length - 1} students`})\n`);
  const cards = await writeCards(ctx, dir);
  if (flags.output) {
    ctx.print.out(formatData(flags.output, { students }));
    return;
  }
  ctx.print.out(alignColumns([['NAME', 'NAMESPACE', 'KUBECONFIG'], ...students.map((s) => [s.name, s.namespace, path.relative(process.cwd(), s.kubeconfig) || s.kubeconfig])]));
  if (flags.allowHostNetwork) ctx.print.info('Pod Security "privileged" in every student namespace: hostNetwork pods (curl-from-node) — and privileged ones — are allowed there.\n');
  ctx.print.info(`Login cards: ${cards.map((f) => path.relative(process.cwd(), f)).join(', ')}. Hand each student their kubeconfig file; tokens expire in ${flags.expires}.\n`);
}
