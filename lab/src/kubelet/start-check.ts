// What runc refuses before a container's process runs, in the words containerd hands the kubelet. The lab checks
// these itself: its nsenter wrapper would start anyway (and exit 127), and a working directory that is missing
// would leave no process at all. Unlike runc, the lab does not create a missing workingDir: containers share the
// host's filesystem, and the lab must not make directories on it.
import fs from 'node:fs';
import path from 'node:path';

/** The container was created but its process could not start: RunContainerError, terminated StartError (128). */
export class StartError extends Error {}

/** containerd 2 + runc 1.2 (kind's node image) wording for a task that could not start. */
export const runcFailure = (cause: string) =>
  new StartError(
    'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: ' +
      `unable to start container process: error during container init: ${cause}: unknown`,
  );

// Go's errno texts, as runc prints them.
const ERRNO: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EACCES: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};
const errnoText = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  return ERRNO[e.code ?? ''] ?? e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
};
const quote = (s: string) => JSON.stringify(s);

/** Go's exec.findExecutable: undefined when `file` can be run, else why not. */
function whyNotExecutable(file: string, shown: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    return `stat ${shown}: ${errnoText(err)}`;
  }
  return !st.isDirectory() && (st.mode & 0o111) !== 0 ? undefined : 'permission denied';
}

/**
 * runc's exec.LookPath of a command: undefined when it would run, else runc's reason (`exec: "x": …`). A name with
 * a slash is used as it is; a bare name is searched in the container's $PATH.
 */
export function whyNotFound(argv: string[], cwd: string, env: Record<string, string>): string | undefined {
  const file = argv[0] ?? '';
  if (file.includes('/')) {
    const why = whyNotExecutable(path.resolve(cwd, file), file);
    return why && `exec: ${quote(file)}: ${why}`;
  }
  if (file !== '') {
    for (const dir of (env.PATH ?? '').split(':')) {
      if (!whyNotExecutable(path.resolve(cwd, dir || '.', file), file)) return undefined;
    }
  }
  return `exec: ${quote(file)}: executable file not found in $PATH`;
}

/** Throws the StartError runc would give for this working directory and command; returns when they would run. */
export function checkStart(argv: string[], cwd: string, env: Record<string, string>): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(cwd);
  } catch (err) {
    throw runcFailure(`chdir to cwd (${quote(cwd)}) set in config.json failed: ${errnoText(err)}`);
  }
  if (!st.isDirectory()) throw runcFailure(`chdir to cwd (${quote(cwd)}) set in config.json failed: not a directory`);
  const why = whyNotFound(argv, cwd, env);
  if (why) throw runcFailure(why);
}
