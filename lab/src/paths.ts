// Which lab, and where its files go. One place resolves the lab id for every entry point (lab up/down/status/
// node-shell, tour, the tools' context, tests): --lab-id, else $KIADA_LAB_ID, else "lab". The state directory is
// $KIADA_LAB_HOME, else ~/.kiada/lab/<id> of the user the lab works for (under sudo: theirs, not root's).
// Never ~/.kube/config.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from './errors.ts';
import { invokingUser } from './invoker.ts';

const DEFAULT_ID = 'lab';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function validateId(id: string): string {
  if (!/^[a-z0-9]{1,8}$/.test(id)) throw new LabError(`invalid lab id "${id}": use 1 to 8 lower-case letters or digits`);
  return id;
}

/** The lab id: explicit (--lab-id) ?? $KIADA_LAB_ID ?? "lab". */
export function resolveLabId(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return validateId(explicit ?? (env.KIADA_LAB_ID || DEFAULT_ID));
}

function labHome(id: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = explicit ?? env.KIADA_LAB_HOME;
  return dir ? path.resolve(dir) : path.join(invokingUser(env).home, '.kiada', 'lab', id);
}

/** The name a directory is recorded and compared under: its real path when it exists. */
export function canonicalDir(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

export interface LabPaths {
  home: string;
  log: string;
  kubeconfig: string;
}

export function labPaths(id: string, o: { home?: string; kubeconfig?: string } = {}): LabPaths {
  const home = labHome(id, o.home);
  return {
    home,
    log: path.join(home, 'daemon.log'),
    kubeconfig: o.kubeconfig ? path.resolve(o.kubeconfig) : path.join(home, 'kubeconfig'),
  };
}
