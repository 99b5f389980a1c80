// Where a lab keeps its files: $KIADA_LAB_HOME, else ~/.kiada/lab/<id>. Never ~/.kube/config.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_ID = 'lab';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function validateId(id: string): string {
  if (!/^[a-z0-9]{1,8}$/.test(id)) throw new Error(`invalid lab id "${id}": use 1 to 8 lower-case letters or digits`);
  return id;
}

export function labHome(id: string, env = process.env): string {
  return env.KIADA_LAB_HOME ? path.resolve(env.KIADA_LAB_HOME) : path.join(os.homedir(), '.kiada', 'lab', id);
}

export interface LabPaths {
  home: string;
  state: string;
  log: string;
  kubeconfig: string;
}

export function labPaths(id: string, kubeconfig?: string): LabPaths {
  const home = labHome(id);
  return {
    home,
    state: path.join(home, 'state.json'),
    log: path.join(home, 'daemon.log'),
    kubeconfig: kubeconfig ? path.resolve(kubeconfig) : path.join(home, 'kubeconfig'),
  };
}
