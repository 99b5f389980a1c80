// `kiada workshop check NAME`: exit 0 when the student has done every exercise, else exit 1 naming the missing ones
// — an examiner in the Educates/Killercoda manner. One look: what the cluster shows now (see exercises.ts).
import type { Ctx } from '../../lib/context.ts';
import { formatData } from '../../lib/print.ts';
import { nodeFacts, studentMarks } from '../../lib/workshop/marks.ts';
import { studentNamespace } from '../../lib/workshop/namespaces.ts';
import { EXERCISES, missing } from '../../lib/workshop/exercises.ts';
import { validateStudentName } from '../../lib/workshop/students.ts';

export async function check(ctx: Ctx, name: string, flags: { output?: 'json' | 'yaml' }): Promise<number> {
  validateStudentName(name);
  await studentNamespace(ctx, name);
  const exercises = await studentMarks(ctx, name, await nodeFacts(ctx));
  const left = missing(exercises);
  if (flags.output) ctx.print.out(formatData(flags.output, { name, exercises, missing: left }));
  else if (left.length) ctx.print.out(`${name}: missing ${left.join(', ')}\n`);
  else ctx.print.out(`${name}: all ${EXERCISES.length} exercises done\n`);
  return left.length ? 1 : 0;
}
