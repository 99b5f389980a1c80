// `kiada lab down`: stop the lab daemon of this id and remove what it leaves. It is stopped only from its own state
// directory, only a PID that is still its daemon (start time and command line) is signalled, and only the files
// its record names are removed.
import fs from 'node:fs';
import path from 'node:path';
import { canonicalDir, labPaths, resolveLabId } from '../paths.ts';
import { invokingUser, type Invoker } from '../invoker.ts';
import { OwnedDir, removeEmptyDir } from '../owned-dir.ts';
import { isSameProcess, signalIfSame } from '../proc.ts';
import { daemonIdentity, isLive, readOwner, releaseOwner, removeOrphanRegistry } from '../registry.ts';
import { removeKubeconfig } from '../api/kubeconfig.ts';
import { checkPrivileges, cleanupLeftovers, labNamespaces } from '../net/index.ts';
import { LabError } from '../errors.ts';
import { sleep, STATE_DIR, whose, type LabOptions } from './common.ts';

export interface DownResult {
  wasRunning: boolean;
}

/**
 * Stops the lab of this id if it was started from this state directory (anyone else's is a one-line refusal),
 * signalling only a PID that is still its daemon; then removes the id's namespaces (no live daemon owns them any
 * more), its registry entry, the kubeconfig its record names and the state directory's own files.
 */
export async function labDown(opts: LabOptions = {}): Promise<DownResult> {
  const id = resolveLabId(opts.id);
  const paths = labPaths(id, opts);
  const stateDir = canonicalDir(paths.home);
  const r = readOwner(id);
  if (isLive(r) && r.stateDir !== stateDir) {
    throw new LabError(`the lab "${id}" is running for ${whose(r)}, not from ${stateDir}: only its owner stops it (lab down with that state directory)`);
  }
  if (r || (await labNamespaces(id)).length > 0) {
    const problem = await checkPrivileges();
    if (problem) throw new LabError(problem);
  }
  let wasRunning = false;
  if (r && isLive(r)) {
    wasRunning = true;
    const daemon = daemonIdentity(r);
    signalIfSame(daemon, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (isSameProcess(daemon) && Date.now() < deadline) await sleep(50);
    if (signalIfSame(daemon, 'SIGKILL')) while (isSameProcess(daemon)) await sleep(20);
  }
  // Whatever the daemon could not remove (it was SIGKILLed, or it crashed) goes now — unless a new daemon has
  // claimed the id meanwhile: then the namespaces are that one's.
  if (!isLive(readOwner(id))) await cleanupLeftovers(id);
  if (r) releaseOwner(r);
  else removeOrphanRegistry(id);

  const who = invokingUser();
  // The kubeconfig the record names, if the lab was ours; a record of someone else's dead lab leaves their files.
  if (r && r.stateDir === stateDir) removeKubeconfig(r.kubeconfig, r.user);
  removeStateFiles(paths.home, who);
  return { wasRunning };
}

/** The state directory's own files (fixed names, in a directory checked to be the caller's), then the directory if empty. */
function removeStateFiles(dir: string, who: Invoker): void {
  if (!fs.existsSync(dir)) return;
  const home = OwnedDir.open(dir, who, STATE_DIR);
  try {
    home.remove('daemon.log');
    home.remove('state.json'); // written by earlier versions
  } finally {
    home.close();
  }
  removeKubeconfig(path.join(dir, 'kubeconfig'), who);
  removeEmptyDir(dir, who);
}
