// A container's user, groups and privileges as the kubelet and containerd work them out from the pod's and the
// container's securityContext and the image's USER: runAsNonRoot is checked as the kubelet checks it
// (verifyRunAsNonRoot), the user string resolved as containerd's WithUser/WithAdditionalGIDs do against the image's
// /etc/passwd and /etc/group, capabilities as containerd's default set with drop/add. All of it holds inside the
// pod's user namespace only: the pod's root is never the host's.
import type { Obj } from '../store/index.ts';
import { CAPABILITIES, ID_COUNT } from '../net/index.ts';
import { ConfigError } from './env.ts';
import type { Image } from './image-table.ts';

/** containerd's default capabilities for a container that is not privileged. */
export const DEFAULT_CAPABILITIES = [
  'chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap', 'setpcap', 'net_bind_service',
  'sys_chroot', 'kill', 'audit_write',
];

export interface ContainerSecurity {
  uid: number;
  gid: number;
  groups: number[];
  /** The user's name in the image's /etc/passwd, if it has one. */
  username?: string;
  home: string;
  capabilities: string[];
  noNewPrivs: boolean;
  readOnlyRoot: boolean;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

const passwd = (image: Image): PasswdEntry[] =>
  image.passwd.split('\n').filter(Boolean).map((l) => {
    const f = l.split(':');
    return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
  });
const groups = (image: Image) =>
  image.group.split('\n').filter(Boolean).map((l) => {
    const f = l.split(':');
    return { name: f[0], gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] };
  });

const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const isNumeric = (s: string) => /^\d+$/.test(s);

/** The image's user as containerd reports it to the kubelet: a numeric uid, or else a name ("" = none: root). */
function imageUser(image: Image): { uid?: number; username: string; group?: string } {
  const [user, group] = image.user.split(':');
  if (!user) return { uid: 0, username: '' };
  return isNumeric(user) ? { uid: Number(user), username: '', group } : { username: user, group };
}

export function containerSecurity(pod: Obj, container: Obj, image: Image): ContainerSecurity {
  const psc: Obj = pod.spec?.securityContext ?? {};
  const csc: Obj = container.securityContext ?? {};
  const runAsUser = int(csc.runAsUser) ?? int(psc.runAsUser);
  const runAsGroup = int(csc.runAsGroup) ?? int(psc.runAsGroup);
  const runAsNonRoot = csc.runAsNonRoot ?? psc.runAsNonRoot;
  const podRef = `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
  const img = imageUser(image);

  // verifyRunAsNonRoot (kubelet): the pod's runAsUser, else what the image says.
  if (runAsNonRoot === true) {
    if (runAsUser !== undefined) {
      if (runAsUser === 0) throw new ConfigError(`container's runAsUser breaks non-root policy (pod: "${podRef}", container: ${container.name})`);
    } else if (img.uid === 0) {
      throw new ConfigError(`container has runAsNonRoot and image will run as root (pod: "${podRef}", container: ${container.name})`);
    } else if (img.uid === undefined && img.username) {
      throw new ConfigError(`container has runAsNonRoot and image has non-numeric user (${img.username}), cannot verify user is non-root (pod: "${podRef}", container: ${container.name})`);
    }
  }

  // The kubelet passes runAsUser, or else the image's uid or user name; containerd resolves it in the image.
  const users = passwd(image);
  let uid: number;
  let gid: number | undefined;
  let entry: PasswdEntry | undefined;
  if (runAsUser !== undefined || img.uid !== undefined) {
    uid = (runAsUser ?? img.uid)!;
    entry = users.find((u) => u.uid === uid);
  } else {
    entry = users.find((u) => u.name === img.username);
    if (!entry) throw new ConfigError(`failed to create containerd container: unable to find user ${img.username}: no matching entries in passwd file`);
    uid = entry.uid;
  }
  if (runAsGroup !== undefined) gid = runAsGroup;
  else if (runAsUser === undefined && img.group) {
    gid = isNumeric(img.group) ? Number(img.group) : groups(image).find((g) => g.name === img.group)?.gid;
    if (gid === undefined) throw new ConfigError(`failed to create containerd container: unable to find group ${img.group}: no matching entries in group file`);
  } else gid = entry?.gid ?? 0;

  // WithAdditionalGIDs: the groups that list the user by name (not the one named after it), then the pod's
  // supplementalGroups and fsGroup.
  const extra = entry ? groups(image).filter((g) => g.name !== entry!.name && g.members.includes(entry!.name)).map((g) => g.gid) : [];
  const supplemental = Array.isArray(psc.supplementalGroups) ? psc.supplementalGroups.map(int).filter((g: number | undefined) => g !== undefined) : [];
  const fsGroup = int(psc.fsGroup);
  const all = [...new Set([...extra, ...supplemental, ...(fsGroup !== undefined ? [fsGroup] : [])])];
  for (const [what, id] of [['runAsUser', uid], ['runAsGroup', gid], ...all.map((g) => ['supplemental group', g] as const)] as const) {
    if (id < 0 || id >= ID_COUNT) throw new ConfigError(`${what} ${id} is outside the pod's user namespace: the lab maps ids 0-${ID_COUNT - 1} only`);
  }

  return {
    uid,
    gid,
    groups: all,
    username: entry?.name,
    home: entry?.home ?? '/',
    capabilities: capabilities(csc),
    // kubelet: no_new_privs only when allowPrivilegeEscalation is false (and never for privileged containers).
    noNewPrivs: csc.allowPrivilegeEscalation === false && csc.privileged !== true,
    readOnlyRoot: csc.readOnlyRootFilesystem === true,
  };
}

/** containerd's WithCapabilities: ALL first (add, then drop), then each added, then each dropped. */
function capabilities(csc: Obj): string[] {
  if (csc.privileged === true) return [...CAPABILITIES];
  const names = (list: unknown) => {
    const out: string[] = [];
    for (const n of Array.isArray(list) ? list : []) {
      const name = String(n).toUpperCase();
      if (name === 'ALL') {
        out.push('all');
        continue;
      }
      const cap = name.replace(/^CAP_/, '').toLowerCase();
      if (!CAPABILITIES.includes(cap)) throw new ConfigError(`failed to generate container spec: unknown capability "CAP_${name.replace(/^CAP_/, '')}"`);
      out.push(cap);
    }
    return out;
  };
  const add = names(csc.capabilities?.add);
  const drop = names(csc.capabilities?.drop);
  let caps = new Set(DEFAULT_CAPABILITIES);
  if (add.includes('all')) caps = new Set(CAPABILITIES);
  if (drop.includes('all')) caps = new Set();
  for (const c of add) if (c !== 'all') caps.add(c);
  for (const c of drop) if (c !== 'all') caps.delete(c);
  return [...caps];
}
