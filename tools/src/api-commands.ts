// The CLI's global options and the commands that only make HTTPS calls (they take an ApiCtx), as data: cli.ts
// defines them for commander from here, and quick-parse.ts reads their plain command lines without commander
// (one definition, two readers that a test keeps in step: tools/test/quick-parse.test.ts).
import type { ApiCtx } from './lib/context.ts';

export interface OptionSpec {
  /** As commander takes them: `-o, --output <format>` (a value), `-q, --quiet` (a switch). */
  flags: string;
  description: string;
  choices?: readonly string[];
  default?: string;
}

export interface ApiCommand {
  name: string;
  description: string;
  /** A second argument, after [pod]: exec's command. */
  rest?: { name: string; description: string };
  options: OptionSpec[];
  /** Runs the command (its module imported now); an exit code, or none for 0. */
  run(ctx: ApiCtx, pod: string, opts: Record<string, string | boolean | undefined>, rest: string[]): Promise<number | void>;
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: '--kubeconfig <file>', description: 'path to the kubeconfig file' },
  { flags: '--context <name>', description: 'the kubeconfig context to use' },
  { flags: '-n, --namespace <ns>', description: 'the namespace' },
  { flags: '-q, --quiet', description: 'do not print the kubectl commands' },
  { flags: '--lab-id <id>', description: 'which lab (default: lab, or $KIADA_LAB_ID)' },
];

export const OUTPUT: OptionSpec = { flags: '-o, --output <format>', description: 'output format', choices: ['json', 'yaml', 'wide'] };
const port: OptionSpec = { flags: '--port <port>', description: 'port number or name' };
const urlPath: OptionSpec = { flags: '--path <path>', description: 'URL path', default: '/' };
const container: OptionSpec = { flags: '-c, --container <name>', description: 'container' };

// Each command's module is imported when it runs (cli.ts: --version and --help load none of them).
export const API_COMMANDS: Record<'podIp' | 'ports' | 'curlFromPod' | 'logs' | 'exec', ApiCommand> = {
  podIp: {
    name: 'pod-ip',
    description: "the pod's IP (kubectl get pod -o wide)",
    options: [OUTPUT],
    run: async (ctx, pod, o) => (await import('./commands/pod-ip.ts')).podIp(ctx, pod, o as { output?: string }),
  },
  ports: {
    name: 'ports',
    description: 'the container ports in the pod spec',
    options: [OUTPUT],
    run: async (ctx, pod, o) => (await import('./commands/ports.ts')).ports(ctx, pod, o as { output?: string }),
  },
  curlFromPod: {
    name: 'curl-from-pod',
    description: 'a one-off client pod curls the pod (kubectl run --rm)',
    options: [
      { flags: '--image <image>', description: 'client image', default: 'curlimages/curl' },
      { flags: '--name <name>', description: 'client pod name', default: 'client-pod' },
      port,
      urlPath,
    ],
    run: async (ctx, pod, o) => (await import('./commands/curl-from-pod.ts')).curlFromPod(ctx, pod, o as { image: string; name: string }),
  },
  logs: {
    name: 'logs',
    description: "the container's log (kubectl logs)",
    options: [{ flags: '-f, --follow', description: 'stream new lines' }, { flags: '--tail <n>', description: 'last N lines' }, container],
    run: async (ctx, pod, o) => (await import('./commands/logs.ts')).logs(ctx, pod, o as { follow?: boolean; tail?: string; container?: string }),
  },
  exec: {
    name: 'exec',
    description: 'run a command in the container (kubectl exec)',
    rest: { name: 'command', description: 'the command, after --' },
    options: [{ flags: '-i, --stdin', description: 'pass stdin' }, { flags: '-t, --tty', description: 'allocate a terminal' }, container],
    run: async (ctx, pod, o, command) => {
      // A command's messages are a few bytes: ws masks them in JavaScript, without loading bufferutil's native
      // addon (~3.5 ms of exec's start; port-forward, which moves megabytes, keeps it). ws reads this as it loads.
      process.env.WS_NO_BUFFER_UTIL ??= '1';
      return (await import('./commands/exec.ts')).exec(ctx, pod, command, o as { stdin?: boolean; tty?: boolean; container?: string });
    },
  },
};

/** An option's short and long names and whether it takes a value, from its flags. */
export function flagsOf(o: OptionSpec): { short?: string; long: string; value: boolean } {
  const m = /^(?:-(\w), )?--([\w-]+)( <\w+>)?$/.exec(o.flags);
  if (!m) throw new Error(`unexpected flags: ${o.flags}`);
  return { short: m[1], long: m[2], value: !!m[3] };
}

/** The key commander gives an option in opts(): --lab-id → labId. */
export const camelCase = (long: string) => long.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
