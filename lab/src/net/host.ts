// Host side of the lab's network: what the machine must offer, and the kiada-<id>-* namespaces left behind.
import fs from 'node:fs';
import { findOnPath, ip } from './exec.ts';
import { checkUserNamespaces } from './userns.ts';
import { releaseLabNsFiles } from './namespaces.ts';

export async function checkPrivileges(): Promise<string | null> {
  if (process.platform !== 'linux') return 'The lab needs Linux network namespaces; on this system use kind or Minikube instead.';
  for (const [cmd, pkg] of [['ip', 'iproute2'], ['nsenter', 'util-linux'], ['unshare', 'util-linux'], ['setpriv', 'util-linux']]) {
    if (!findOnPath(cmd)) return `The lab needs the \`${cmd}\` command (Debian package ${pkg}).`;
  }
  if (process.getuid?.() !== 0) {
    return 'The lab needs root to create network namespaces: run it with sudo (it creates kiada-* network namespaces and removes them on `kiada lab down`).';
  }
  return checkUserNamespaces();
}

export const prefix = (id: string) => `kiada-${id}-`;

/** The `kiada-<id>-*` network namespaces that exist now: /run/netns's entries, as `ip netns list` reads them. */
export async function labNamespaces(id: string): Promise<string[]> {
  let names: string[] = [];
  try {
    names = await fs.promises.readdir('/run/netns');
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix(id))).sort();
}

/**
 * Kills what runs inside the lab's network namespaces and deletes them, then unmounts the namespace files of its
 * nodes and pods (`kiada-<id>-*` directories): for a daemon that died without cleaning. Call it only when no live
 * daemon owns the id (the registry says so): the names are the id's, whoever made them.
 */
export async function cleanupLeftovers(id: string): Promise<void> {
  for (const ns of await labNamespaces(id)) await deleteNetns(ns);
  await releaseLabNsFiles(prefix(id));
}

export async function deleteNetns(ns: string): Promise<void> {
  try {
    const pids = (await ip('netns', 'pids', ns)).split('\n').filter(Boolean).map(Number);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  } catch {
    /* no such namespace */
  }
  try {
    await ip('netns', 'del', ns);
  } catch {
    /* already gone */
  }
}
