// `kiada workshop up|board|check|reset|down`: one teacher, many students, on the lab or any cluster.
import { Command, Option } from 'commander';
import type { Ctx } from '../../lib/context.ts';
import { validateStudentName } from '../../lib/workshop/students.ts';
import { up, DEFAULT_DIR } from './up.ts';
import { board } from './board.ts';
import { check } from './check.ts';
import { reset } from './reset.ts';
import { down } from './down.ts';

export function addWorkshopCommands(program: Command, ctx: () => Ctx, setExit: (code: number) => void): void {
  const output = () => new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']);
  const dir = () => new Option('--dir <dir>', 'where the kubeconfigs and login cards are written').default(DEFAULT_DIR);
  const student = (v: string) => validateStudentName(v);
  const w = program.command('workshop').description('one teacher, many students: a namespace, account and kubeconfig each; a board of who did what');
  w.command('up').description('make each student a namespace, service account, Role, quota and kubeconfig, and print login cards')
    .option('--students <n>', 'this many students: student1 … studentN').option('--names <names>', 'students with these names (comma-separated DNS labels)')
    .option('--deploy', 'also deploy kiada (k8s/pod.kiada.yaml) in each namespace').option('--expires <duration>', 'how long the students\' tokens last', '8h')
    .addOption(dir()).addOption(output())
    .action(async (o) => up(ctx(), { ...o, quiet: program.opts().quiet }));
  w.command('board').description('students × exercises, redrawn in place on a terminal (-o json: once)')
    .option('--interval <duration>', 'time between looks', '1s').addOption(output())
    .action(async (o) => setExit(await board(ctx(), o)));
  w.command('check').argument('<name>', 'the student', student).description('exit 0 when the student has done every exercise, else 1 and what is missing')
    .addOption(output())
    .action(async (name, o) => setExit(await check(ctx(), name, o)));
  w.command('reset').argument('<name>', 'the student', student).description('delete and remake the student\'s namespace (and kiada if deployed); writes a new kubeconfig')
    .option('--expires <duration>', 'token lifetime (default: what the old one had left)').addOption(dir()).addOption(output())
    .action(async (name, o) => reset(ctx(), name, { ...o, quiet: program.opts().quiet }));
  w.command('down').description('delete every namespace, account, binding and token of the workshop, and its files')
    .addOption(dir()).addOption(output())
    .action(async (o) => down(ctx(), o));
}
