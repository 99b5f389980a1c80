// Containers as the lab runs them: each one its own PID namespace (its command is PID 1) and mount namespace (a
// root filesystem shaped like its image, rootfs-script.ts), the pod's network, UTS and IPC namespaces and the
// pod's user namespace (userns.ts: container uid N is host uid UID_BASE + N, never a host account), all joined by
// their files (namespaces.ts). What a container writes lives in its own tmpfs and goes with its mount namespace when PID 1 ends.
//
//   nsenter --net= --uts= --ipc=<files>     the pod's network, hostname and IPC
//     unshare --pid --fork --mount         PID 1 of a new PID namespace, a private mount namespace
//       sh -c <rootfs script>              as root: mounts, pivot_root
//         nsenter --user → setpriv → sh    the pod's user namespace, the container's user and capabilities
//           env -i <env> <command>         the container's process, PID 1
//
// exec joins a running container from its PID 1: `nsenter -t <pid 1> -U -m -p -n -u -i -r -w`, then the same user,
// capabilities and no_new_privs as the container's process.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerSpec } from './container-spec.ts';
import { rootfsScript, stageInput, EXEC_STAGE, type ScriptOptions } from './rootfs-script.ts';
import { SAFE_PATH, UID_BASE } from './userns.ts';

/** The container was made but its command cannot start; the message is runc's cause ("exec: \"x\": …"). */
export class ContainerStartError extends Error {}

interface Running {
  spec: ContainerSpec;
  /** Host pid of the container's PID 1 (0: it had ended before the lab looked). */
  initPid: number;
}
const running = new WeakMap<ChildProcess, Running>();

/** Where a program is on this machine: the same path is the same program inside a container (the host's /usr). */
function hostProgram(name: string): string {
  for (const dir of SAFE_PATH.split(':')) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.realpathSync(p);
    } catch {
      /* next */
    }
  }
  return name;
}
let programs: ScriptOptions['bin'] | undefined;
const bin = () => {
  if (!programs) {
    const sh = hostProgram('sh');
    const bash = hostProgram('bash');
    programs = { sh, stage: bash.startsWith('/') ? bash : sh, setpriv: hostProgram('setpriv'), nsenter: hostProgram('nsenter') };
  }
  return programs;
};

function lstat(p: string): ReturnType<ScriptOptions['lstat']> {
  try {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return { kind: 'symlink', target: fs.readlinkSync(p) };
    return st.isDirectory() ? { kind: 'dir' } : { kind: 'file' };
  } catch {
    return undefined;
  }
}

const childrenOf = (pid: number): number[] => {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const parentOf = (pid: number): number | undefined => {
  try {
    // The command name (field 2) may hold spaces and parentheses: the fields after the last ')' are fixed.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
};

/**
 * Signals go to the process inside: to the container's PID 1 (which, as PID 1, ignores what it has no handler for,
 * as in any container) or an exec's command, not to the nsenter/unshare wrapper that the lab holds.
 */
function signalInside(child: ChildProcess, inner: () => number | undefined): void {
  const original = child.kill.bind(child);
  child.kill = (signal: NodeJS.Signals | number = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const pid = inner();
    // Only while it is still the wrapper's child: a pid that was reaped may be someone else's now.
    if (pid && parentOf(pid) === child.pid) {
      try {
        process.kill(pid, signal);
        return true;
      } catch {
        /* gone meanwhile */
      }
    }
    if (signal === 'SIGKILL' || signal === 9) {
      for (const c of childrenOf(child.pid!)) {
        try {
          process.kill(c, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }
    }
    return original(signal);
  };
}

/** The pod's namespace files. */
export interface PodNamespaces {
  net: string;
  uts: string;
  ipc: string;
  user: string;
}

/**
 * Starts a container; resolves once its command is about to run (the ChildProcess is the wrapper: its exit is the
 * container's, its kill() signals PID 1), rejects with a ContainerStartError for what runc would refuse.
 */
export function startContainer(pod: PodNamespaces, spec: ContainerSpec, mountPoint: string): Promise<ChildProcess> {
  let script: string;
  try {
    script = rootfsScript(spec, { userns: pod.user, mountPoint, uidBase: UID_BASE, lstat, bin: bin() });
  } catch (err) {
    return Promise.reject(err);
  }
  const input = stageInput(spec);
  const child = spawn(
    'nsenter',
    [`--net=${pod.net}`, `--uts=${pod.uts}`, `--ipc=${pod.ipc}`, '--', 'unshare', '--pid', '--fork', '--kill-child', '--mount', '--propagation', 'private', '--', bin().sh, '-c', script, 'kiada-setup', ...input.args],
    // What runs as root here gets the lab's safe PATH, and the container's env only as data for its command.
    { env: { PATH: SAFE_PATH, ...input.env }, stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let info: Running | undefined;
  signalInside(child, () => info?.initPid);
  return new Promise((resolve, reject) => {
    const status = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    let buf = '';
    let said = '';
    let settled = false;
    let exited: string | undefined;
    let ended = false;
    const timer = setTimeout(() => done(new Error("the container's sandbox took more than 30 s to set up")), 30_000);
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      status.removeAllListeners('data');
      status.destroy();
      if (err) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err);
      } else resolve(child);
    };
    // The wrapper may be reaped before its last words are read: it failed only once both are in.
    const failed = () => {
      if (exited !== undefined && ended) done(new Error(`the container's sandbox could not be set up (${exited})${said ? `: ${said.trim().split('\n').slice(-3).join('; ')}` : ''}`));
    };
    child.once('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
      failed();
    });
    child.once('error', (err) => done(err));
    status.once('end', () => {
      ended = true;
      failed();
    });
    status.setEncoding('utf8');
    status.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'ok') {
          // A command that ends at once may be gone already (reaped by unshare): it did start, and its exit follows.
          info = { spec, initPid: childrenOf(child.pid!)[0] ?? 0 };
          running.set(child, info);
          return done();
        }
        if (line.startsWith('err ')) return done(new ContainerStartError(line.slice(4)));
        said += `${line}\n`;
      }
    });
  });
}

/** An exec's process; `started` resolves once its command runs, rejects with a ContainerStartError (runc's cause). */
export type ExecProcess = ChildProcess & { started: Promise<void> };

/**
 * A process in a running container, as `runc exec` makes it: the container's namespaces, root, working directory,
 * user, groups, capabilities and no_new_privs; `env` is its whole environment. `lookup`: the command runc checks
 * (argv[0] unless the command runs under a wrapper, such as `script` for a terminal).
 */
export function execInContainer(container: ChildProcess, argv: string[], o: { env: Record<string, string>; stdin?: boolean; lookup?: string }): ExecProcess {
  const c = running.get(container);
  if (!c?.initPid || container.exitCode !== null || container.signalCode !== null) throw new Error('the container is not running');
  const { user, capabilities, noNewPrivs } = c.spec;
  const setpriv = [
    bin().setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, user.groups.length ? `--groups=${user.groups.join(',')}` : '--clear-groups',
    `--bounding-set=-all${capabilities.map((x) => `,+${x.toLowerCase()}`).join('')}`, '--inh-caps=-all', ...(noNewPrivs ? ['--no-new-privs'] : []),
  ];
  const input = stageInput({ env: o.env, argv, lookup: o.lookup });
  const child = spawn(
    'nsenter',
    ['-t', String(c.initPid), '-U', '-m', '-p', '-n', '-u', '-i', '-r', '-w', '--', ...setpriv, '--', bin().stage, '-c', EXEC_STAGE, 'kiada-exec', ...input.args],
    { env: { PATH: SAFE_PATH, ...input.env }, stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  // nsenter forks into the PID namespace and waits: the command is its child.
  signalInside(child, () => childrenOf(child.pid!)[0]);
  const status = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
  const started = new Promise<void>((resolve, reject) => {
    let buf = '';
    status.setEncoding('utf8');
    status.on('data', (d: string) => {
      buf += d;
      if (!buf.includes('\n')) return;
      const line = buf.slice(0, buf.indexOf('\n'));
      status.destroy();
      if (line.startsWith('err ')) reject(new ContainerStartError(line.slice(4)));
      else resolve();
    });
    // Ended without a word: nsenter itself failed (its stderr says why); the exit code tells the rest.
    status.once('end', () => resolve());
    child.once('error', () => resolve());
  });
  return Object.assign(child, { started });
}
