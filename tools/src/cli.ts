// The `kiada` command line (also `kubectl kiada …` as a plugin): one subcommand per way of reaching a pod.
import fs from 'node:fs';
import { Argument, Command, Option } from 'commander';
import type { GlobalOptions } from './lib/context.ts';
import { reportError } from './lib/errors.ts';
import { validateName } from './lib/names.ts';
import { METHODS } from './lib/hops.ts';
import { addWorkshopCommands } from './commands/workshop/command.ts';
import { API_COMMANDS, GLOBAL_OPTIONS, OUTPUT, type ApiCommand, type OptionSpec } from './api-commands.ts';

// Each command's module is imported by its action, when that command runs: `--version`, `--help`, `completion`
// and argument errors load none of them, nor @kubernetes/client-node (tools/test/startup.test.ts checks it).
const VERSION: string = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** A commander Option from its description in api-commands.ts. */
function optionOf(o: OptionSpec): Option {
  const option = new Option(o.flags, o.description);
  if (o.choices) option.choices(o.choices);
  if (o.default !== undefined) option.default(o.default);
  return option;
}

/**
 * The program; with `only`, the global options and that one command alone (fast.cjs runs one command: defining the
 * other twenty costs ~1 ms of a start-up).
 */
function buildProgram(setExit: (code: number) => void, only?: string): Command {
  const program = new Command('kiada')
    .description('Every way of chapter 5 of Kubernetes in Action to talk to a pod; each prints the kubectl command it stands for. POD defaults to kiada.');
  for (const o of GLOBAL_OPTIONS) program.addOption(optionOf(o));
  program
    .version(VERSION, '--version', 'the version of kiada')
    // One line for the mistake and where help is, as kubectl does, not the whole help again.
    .showHelpAfterError("See 'kiada --help' for usage.")
    .configureOutput({ outputError: (s, write) => write(s) });
  const g = (): GlobalOptions => program.opts();
  // The lab id is resolved in one place (lab/src/paths.ts): --lab-id, else $KIADA_LAB_ID, else "lab".
  const labId = () => g().labId;
  const ctx = async () => (await import('./lib/context.ts')).createCtx(g());
  // For the commands that only make HTTPS calls: without client-node when the kubeconfig allows (lib/kubeconfig.ts).
  const apiCtx = async () => (await import('./lib/context.ts')).createApiCtx(g());
  // Names are checked while parsing, before any cluster is contacted.
  const podName = (v: string) => validateName('pod', v);
  // completion describes every command.
  const want = (name: string) => only === undefined || only === 'completion' || only === name;
  // A command of api-commands.ts: [pod], exec's [command...] after it, its options.
  const apiCommand = (c: ApiCommand) => {
    const cmd = program.command(c.name).argument('[pod]', 'pod name', podName, 'kiada');
    if (c.rest) cmd.argument(`[${c.rest.name}...]`, c.rest.description);
    cmd.description(c.description);
    for (const o of c.options) cmd.addOption(optionOf(o));
    cmd.action(async (pod: string, ...args: unknown[]) => {
      const [rest, o] = c.rest ? [args[0] as string[], args[1]] : [[], args[0]];
      setExit((await c.run(await apiCtx(), pod, o as Record<string, string>, rest)) ?? 0);
    });
  };

  if (want('pod-ip')) apiCommand(API_COMMANDS.podIp);
  if (want('ports')) apiCommand(API_COMMANDS.ports);
  if (want('curl-from-node')) program.command('curl-from-node').argument('[pod]', 'pod name', podName, 'kiada').description('log into the pod\'s node and curl the pod from there')
    .option('--port <port>', 'port number or name').option('--path <path>', 'URL path', '/')
    .addOption(new Option('--provider <name>', 'how to reach the node').choices(['lab', 'kind', 'minikube', 'gke', 'generic']))
    .action(async (pod, o) => setExit(await (await import('./commands/curl-from-node.ts')).curlFromNode(await ctx(), pod, o)));
  if (want('curl-from-pod')) apiCommand(API_COMMANDS.curlFromPod);
  // `kiada port-forward 8080` leaves POD out: a port spec (digits, or with a colon) where POD goes is a port.
  const isPortSpec = (v: string) => /^\d+$/.test(v) || v.includes(':');
  if (want('port-forward')) program.command('port-forward').argument('[pod]', 'pod name (kiada when the first word is a port)', (v: string) => (isPortSpec(v) ? v : podName(v)), 'kiada')
    .argument('[ports...]', '[LOCAL:]REMOTE or a port name', ['8080'])
    .description("forward local ports to the pod's loopback (kubectl port-forward)")
    .option('--address <addresses>', 'addresses to listen on, comma-separated', (v: string) => v.split(','))
    .action(async (pod: string, specs: string[], o, cmd: Command) => {
      const { portForward } = await import('./commands/port-forward.ts');
      return isPortSpec(pod) ? portForward(await ctx(), 'kiada', cmd.args, o) : portForward(await ctx(), pod, specs, o);
    });
  if (want('logs')) apiCommand(API_COMMANDS.logs);
  if (want('exec')) apiCommand(API_COMMANDS.exec);
  if (want('diagnose')) program.command('diagnose').argument('[pod]', 'pod name', podName, 'kiada').description('try each route to the pod and name the first that fails')
    .addOption(new Option('--provider <name>', 'how to reach the node').choices(['lab', 'kind', 'minikube', 'gke', 'generic']))
    .action(async (pod, o) => setExit(await (await import('./commands/diagnose.ts')).diagnose(await ctx(), pod, o)));
  if (want('trace')) program.command('trace').addArgument(new Argument('<method>', 'the route: node, pod, port-forward or exec').choices(METHODS))
    .argument('[pod]', 'pod name', podName, 'kiada').description('make one request along a route and show every hop it takes, with timings and the client IP')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']))
    .addOption(new Option('--provider <name>', 'how to reach the node (trace node)').choices(['lab', 'kind', 'minikube', 'gke', 'generic']))
    .action(async (method, pod, o) => setExit(await (await import('./commands/trace.ts')).trace(await ctx(), method, pod, o)));
  if (want('view')) program.command('view').description('a page on 127.0.0.1 drawing the cluster live, and every request hop by hop as it happens')
    .option('--port <port>', 'the port to serve on (default: any free port)').option('--no-open', 'do not open a browser')
    .action(async (o) => setExit(await (await import('./commands/view.ts')).view(await ctx(), o)));
  if (want('tour')) program.command('tour').description('the guided walk through chapter 5 (on the lab when no cluster is configured)')
    .option('--step', 'pause before each step').action(async (o) => (await import('./commands/tour.ts')).tour({ ...g(), ...o }));

  if (want('lab')) {
    const lab = () => import('./commands/lab.ts');
    const labCmd = program.command('lab').description('the embedded kind-like cluster (needs root for network namespaces)');
    labCmd.command('up').description('start the lab in the background').option('--foreground', 'stay attached; Ctrl-C stops it')
      .option('--listen <addr[:port]>', 'serve the API on this address instead of 127.0.0.1 (an IP or a DNS name; the kubeconfigs and the certificate name it), e.g. for remote workshop students')
      .action(async (o) => setExit(await (await lab()).up({ id: labId(), kubeconfig: g().kubeconfig, foreground: o.foreground, listen: o.listen })));
    labCmd.command('down').description('stop the lab and remove everything it made').action(async () => (await lab()).down({ id: labId() }));
    labCmd.command('status').description('is the lab running?').addOption(optionOf(OUTPUT)).action(async (o) => setExit((await lab()).status({ id: labId(), output: o.output })));
    labCmd.command('node-shell').argument('<node>', 'kind-control-plane, kind-worker or kind-worker2').argument('[command...]', 'command (default: a shell)')
      .description('a shell on a node (the lab\'s docker exec -it kind-worker bash)')
      .action(async (node, command) => setExit(await (await lab()).shell(node, command, { id: labId() })));
  }
  if (want('workshop')) addWorkshopCommands(program, ctx, setExit);
  if (want('completion')) program.command('completion').argument('[shell]', 'bash or zsh', 'bash').description('print a shell completion script')
    .action(async (shell) => void process.stdout.write((await import('./commands/completion.ts')).completionScript(program, shell)));
  return program;
}

/** The flags that take a value (`-c app`), on the program and on `exec`: read from their definitions. */
function execValueFlags(program: Command): Set<string> {
  const exec = program.commands.find((c) => c.name() === 'exec')!;
  return new Set([...program.options, ...exec.options].filter((o) => o.required || o.optional).flatMap((o) => [o.short, o.long].filter((f) => f !== undefined)));
}

/**
 * POD defaults to kiada, also for exec: `kiada exec -- curl -s localhost:8080`. Commander would take the first word
 * after `--` for the pod, so when no pod comes before `--`, the default is put there. A flag's value (`-c app`) is
 * not a pod.
 */
export function withDefaultExecPod(argv: string[], valueFlags = execValueFlags(buildProgram(() => {}))): string[] {
  const at = argv.indexOf('exec');
  const dd = argv.indexOf('--', at);
  if (at < 0 || dd < 0) return argv;
  for (let i = at + 1; i < dd; i++) {
    if (valueFlags.has(argv[i])) i++;
    else if (!argv[i].startsWith('-')) return argv; // a pod was given
  }
  return [...argv.slice(0, dd), 'kiada', ...argv.slice(dd)];
}

/**
 * Runs a command line; `only`: its first word (fast.cjs), the command it runs, defined alone — unless no command has
 * that name. The exit code.
 */
export async function main(argv: string[], only?: string): Promise<number> {
  let code = 0;
  const setExit = (c: number) => {
    code = c;
  };
  let program = buildProgram(setExit, only);
  // Not a command's name (fast.cjs runs `--help`, `--version` … too): the whole program.
  if (only !== undefined && !program.commands.some((c) => c.name() === only)) program = buildProgram(setExit);
  if (only === undefined || only === 'exec') argv = withDefaultExecPod(argv, execValueFlags(program));
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return e.exitCode ?? 1;
    return reportError(err);
  }
}
