// `kiada workshop down`: every namespace of the workshop deleted (its account, Role, binding, quota, pods with it;
// the account's tokens stop working with it), waited for, and the kubeconfigs and cards written for it removed.
import fs from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../../lib/context.ts';
import { formatData } from '../../lib/print.ts';
import { withSpinner } from '../../lib/spinner.ts';
import { POD_GRACE_SECONDS, deletePodsNow, waitNamespaceGone, workshopNamespaces } from '../../lib/workshop/namespaces.ts';
import { pool } from '../../lib/workshop/pool.ts';
import { codeOf } from '../../lib/errors.ts';

export async function down(ctx: Ctx, flags: { dir: string; output?: 'json' | 'yaml' }): Promise<void> {
  const names = (await workshopNamespaces(ctx)).map((ns) => ns.metadata!.name!);
  if (names.length) {
    ctx.print.command(['kubectl', 'delete', 'pods', '--all', `--grace-period=${POD_GRACE_SECONDS}`, '-n', names[0]]);
    if (names.length > 1) ctx.print.info(`  (the same in the other ${names.length === 2 ? 'namespace' : `${names.length - 1} namespaces`}: a teardown need not wait 30 s for each pod)\n`);
    ctx.print.command(['kubectl', 'delete', 'namespace', '-l', 'app.kubernetes.io/managed-by=kiada-workshop']);
  }
  await pool(names, 6, async (name) => {
    try {
      await deletePodsNow(ctx, name);
      await ctx.core.deleteNamespace({ name });
    } catch (err) {
      if (codeOf(err) !== 404) throw err;
    }
  });
  if (!flags.output) for (const name of names) ctx.print.out(`namespace "${name}" deleted\n`);
  await withSpinner('waiting for the namespaces to go', pool(names, 6, (name) => waitNamespaceGone(ctx, name)));
  const dir = path.resolve(flags.dir);
  for (const f of [...names.map((n) => `${n}.kubeconfig`), 'cards.txt', 'cards.html']) fs.rmSync(path.join(dir, f), { force: true });
  try {
    fs.rmdirSync(dir); // only when nothing else is left in it
  } catch {
    // not empty, or not there
  }
  if (flags.output) ctx.print.out(formatData(flags.output, { deleted: names }));
  else if (!names.length) ctx.print.info('No workshop on this cluster.\n');
}
