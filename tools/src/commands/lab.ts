// `kiada lab up | down | status | node-shell`: the embedded cluster's life cycle.
import { labUp, labDown, labStatus, nodeShell, labPaths, LabError, serverUrl, type UpResult } from '@kiada/lab/control.ts';
import { formatData } from '../lib/print.ts';
import { CliError } from '../lib/errors.ts';
import { withSpinner } from '../lib/spinner.ts';
import { validateName } from '../lib/names.ts';

const wrap = async <T>(p: Promise<T>): Promise<T> => {
  try {
    return await p;
  } catch (err) {
    if (err instanceof LabError) throw new CliError(`error: ${err.message}`);
    throw err;
  }
};

/** Every start prints it, also "already running": the kubectl commands of the book then work in a new shell. */
export const exportLine = (kubeconfig: string) => `export KUBECONFIG=${kubeconfig}`;

export async function up(opts: { id?: string; kubeconfig?: string; foreground?: boolean; listen?: string }): Promise<number> {
  const r = await wrap(withSpinner('starting the lab (3 nodes)', labUp({ id: opts.id, kubeconfig: opts.kubeconfig, listen: opts.listen })));
  process.stdout.write(
    `${r.alreadyRunning ? 'The lab is already running' : 'The lab is up'}: API server ${serverUrl(r.host, r.port)}, nodes kind-control-plane, kind-worker, kind-worker2.\n` +
      `Kubeconfig: ${r.kubeconfig}\n\n${exportLine(r.kubeconfig)}\n`,
  );
  if (!opts.foreground) return 0;
  process.stdout.write('Running in the foreground; Ctrl-C stops the lab.\n');
  return attach(r);
}

/**
 * Stays attached to the lab: Ctrl-C or SIGTERM stop it (`lab down`, then 130/143, as a signalled process ends);
 * a daemon that dies, or a lab stopped from elsewhere, ends this with one line and exit code 1.
 */
function attach(r: UpResult): Promise<number> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const done = () => {
      clearInterval(watch);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    };
    // The interval also keeps the event loop alive: without it `await` on this promise ends the process (code 13).
    const watch = setInterval(() => {
      if (stopping) return;
      const s = labStatus({ id: r.id });
      if (s.running && s.state?.pid === r.pid) return;
      done();
      const log = labPaths(r.id).log;
      reject(new CliError(s.stale
        ? `error: the lab's daemon (pid ${r.pid}) died; see ${log}, then \`kiada lab down\` removes what it left`
        : `error: the lab was stopped from elsewhere (its daemon, pid ${r.pid}, is gone)`));
    }, 300);
    const stop = (code: number) => {
      if (stopping) return; // a second Ctrl-C while stopping changes nothing
      stopping = true;
      labDown({ id: r.id }).then(() => {
        done();
        resolve(code);
      }, (err) => {
        done();
        reject(err instanceof LabError ? new CliError(`error: ${err.message}`) : err);
      });
    };
    const onInt = () => stop(130);
    const onTerm = () => stop(143);
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

export async function down(opts: { id?: string }): Promise<void> {
  const r = await wrap(labDown({ id: opts.id }));
  process.stdout.write(r.wasRunning ? 'The lab is stopped; its namespaces, processes and files are removed.\n' : 'The lab was not running; leftovers (if any) are removed.\n');
}

export function status(opts: { id?: string; output?: string }): number {
  let s: ReturnType<typeof labStatus>;
  try {
    s = labStatus({ id: opts.id });
  } catch (err) {
    if (err instanceof LabError) throw new CliError(`error: ${err.message}`);
    throw err;
  }
  if (opts.output === 'json' || opts.output === 'yaml') process.stdout.write(formatData(opts.output, s));
  else if (s.running) {
    const st = s.state!;
    process.stdout.write(`running: pid ${st.pid}, API ${serverUrl(st.host ?? '127.0.0.1', st.port)}, kubeconfig ${st.kubeconfig}${s.mine ? '' : `, user ${st.user.name}, state in ${st.stateDir}`}\n`);
  } else if (s.stale) process.stdout.write(`not running (its daemon, pid ${s.stale.pid}, is gone; \`kiada lab down\` removes what it left)\n`);
  else process.stdout.write('not running\n');
  return s.running ? 0 : 1;
}

export async function shell(node: string, argv: string[], opts: { id?: string }): Promise<number> {
  validateName('node', node);
  return wrap(nodeShell({ id: opts.id, node, argv }));
}
