// `kiada lab up | down | status | node-shell`: the embedded cluster's life cycle.
import { labUp, labDown, labStatus, nodeShell, LabError } from '@kiada/lab/control.ts';
import { formatData } from '../lib/print.ts';
import { CliError } from '../lib/errors.ts';
import { withSpinner } from '../lib/spinner.ts';
import { validateName } from '../lib/names.ts';

const wrap = async <T>(p: Promise<T>): Promise<T> => {
  try {
    return await p;
  } catch (err) {
    if (err instanceof LabError || (err as Error).message?.startsWith('invalid lab id')) throw new CliError(`error: ${(err as Error).message}`);
    throw err;
  }
};

export async function up(opts: { id?: string; kubeconfig?: string; foreground?: boolean }): Promise<void> {
  const r = await wrap(withSpinner('starting the lab (3 nodes)', labUp({ id: opts.id, kubeconfig: opts.kubeconfig })));
  process.stdout.write(
    `${r.alreadyRunning ? 'The lab is already running' : 'The lab is up'}: API server https://127.0.0.1:${r.port}, nodes kind-control-plane, kind-worker, kind-worker2.\n` +
      `Kubeconfig: ${r.kubeconfig}\n\nexport KUBECONFIG=${r.kubeconfig}\n`,
  );
  if (!opts.foreground) return;
  process.stdout.write('Running in the foreground; Ctrl-C stops the lab.\n');
  await new Promise<void>((resolve) => {
    const stop = () => void labDown({ id: opts.id }).then(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export async function down(opts: { id?: string }): Promise<void> {
  const r = await wrap(labDown({ id: opts.id }));
  process.stdout.write(r.wasRunning ? 'The lab is stopped; its namespaces, processes and files are removed.\n' : 'The lab was not running; leftovers (if any) are removed.\n');
}

export function status(opts: { id?: string; output?: string }): number {
  const s = labStatus({ id: opts.id });
  if (opts.output === 'json' || opts.output === 'yaml') process.stdout.write(formatData(opts.output, s));
  else if (s.running) process.stdout.write(`running: pid ${s.state!.pid}, API https://127.0.0.1:${s.state!.port}, kubeconfig ${s.state!.kubeconfig}\n`);
  else process.stdout.write('not running\n');
  return s.running ? 0 : 1;
}

export async function shell(node: string, argv: string[], opts: { id?: string }): Promise<number> {
  validateName('node', node);
  return wrap(nodeShell({ id: opts.id, node, argv }));
}
