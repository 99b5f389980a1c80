// `kiada workshop up|board|check|reset|down`: one teacher, many students, on the lab or any cluster.
import { Command, Option } from 'commander';
import type { Ctx } from '../../lib/context.ts';
import { validateStudentName } from '../../lib/workshop/students.ts';

export const DEFAULT_DIR = 'kiada-workshop';

// Each action imports its module when it runs (as in cli.ts): the other commands load none of the workshop's.
export function addWorkshopCommands(program: Command, ctx: () => Promise<Ctx>, setExit: (code: number) => void): void {
  const output = () => new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']);
  const dir = () => new Option('--dir <dir>', 'where the kubeconfigs and login cards are written').default(DEFAULT_DIR);
  const student = (v: string) => validateStudentName(v);
  const w = program.command('workshop').description('one teacher, many students: a namespace, account and kubeconfig each; a board of who did what');
  w.command('up').description('make each student a namespace, service account, Role, quota and kubeconfig, and print login cards')
    .option('--students <n>', 'this many students: student1 … studentN').option('--names <names>', 'students with these names (comma-separated DNS labels)')
    .option('--deploy', 'also deploy kiada (k8s/pod.kiada.yaml) in each namespace')
    .option('--allow-host-network', 'let students run hostNetwork pods (curl-from-node without a node shell): Pod Security "privileged" instead of "baseline" — which also admits privileged pods').option('--expires <duration>', 'how long the students\' tokens last', '8h')
    .addOption(dir()).addOption(output())
    .action(async (o) => (await import('./up.ts')).up(await ctx(), { ...o, quiet: program.opts().quiet }));
  w.command('board').description('students × exercises, redrawn in place on a terminal (-o json: once)')
    .option('--interval <duration>', 'time between looks', '1s').addOption(output())
    .action(async (o) => setExit(await (await import('./board.ts')).board(await ctx(), o)));
  w.command('check').argument('<name>', 'the student', student).description('exit 0 when the student has done every exercise, else 1 and what is missing')
    .addOption(output())
    .action(async (name, o) => setExit(await (await import('./check.ts')).check(await ctx(), name, o)));
  w.command('reset').argument('<name>', 'the student', student).description('delete and remake the student\'s namespace (and kiada if deployed); writes a new kubeconfig')
    .option('--expires <duration>', 'token lifetime (default: what the old one had left)').addOption(dir()).addOption(output())
    .action(async (name, o) => (await import('./reset.ts')).reset(await ctx(), name, { ...o, quiet: program.opts().quiet }));
  w.command('down').description('delete every namespace, account, binding and token of the workshop, and its files')
    .addOption(dir()).addOption(output())
    .action(async (o) => (await import('./down.ts')).down(await ctx(), o));
}
