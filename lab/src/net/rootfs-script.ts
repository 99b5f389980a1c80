// The shell script that turns a fresh process into a container, run as root by `unshare --pid --fork --mount`
// inside the pod's network, UTS and IPC namespaces (so it is PID 1 of a new PID namespace, with a private mount
// namespace). It builds the root filesystem on a tmpfs, pivots into it, then joins the pod's user namespace and
// drops to the container's user, capabilities and no_new_privs before the container's command runs:
//
//   root tmpfs (the container's writable layer, owned by the container's root)
//     ├─ host paths, read-only binds (nosuid, nodev) or copied symlinks       rootfs.host
//     ├─ the image's layers inside them (/usr/local: a tmpfs of its own)      rootfs.layers
//     ├─ the image's dirs, files (/etc/passwd, /etc/hosts …) and symlinks     rootfs.dirs/files/symlinks
//     ├─ the image's own files, read-only binds from the host                 rootfs.binds
//     ├─ /proc of the new PID namespace (kernel knobs read-only, kcore & co masked), /sys read-only
//     └─ /dev: a tmpfs with null zero full random urandom tty, a devpts of its own, shm, fd links
//   readOnlyRootFilesystem: the tmpfs layers are remounted read-only (/dev, /dev/shm, /proc and the kubelet's
//   /etc/hosts, /etc/hostname and /etc/resolv.conf, mounts of their own, stay as they are)
//
// Nothing is ever chowned once something is mounted on top of it: a chown through a bind mount would change the
// host's file. So every entry is made and chowned first, on the tmpfs, and mounts come after.
// Messages to the lab go on fd 3, one per line: "ok" (the command is about to run), "err <runc's cause>", or
// anything the setup printed on stderr. The container's own stderr waits on fd 4 until then.
import path from 'node:path';
import type { ContainerSpec } from './container-spec.ts';
import { START_STAGE } from './last-stage.ts';

// sandbox.ts takes these from here for now (it runs EXEC_STAGE for kubectl exec); they are last-stage.ts's.
export { EXEC_STAGE, stageInput } from './last-stage.ts';

export interface ScriptOptions {
  /** The pod's user namespace: the file it is bound on. */
  userns: string;
  /** Any directory that holds none of the image's files: the root tmpfs is mounted there first. */
  mountPoint: string;
  uidBase: number;
  /** How the host path is (for rootfs.host and the binds' sources): a symlink target, a directory, a file, or missing. */
  lstat(p: string): { kind: 'symlink'; target: string } | { kind: 'dir' } | { kind: 'file' } | undefined;
  /**
   * Absolute paths of the programs the script execs after the pivot (the host's, seen read-only in the container);
   * `stage`: the shell of the last stage (bash where there is one, else sh).
   */
  bin: { sh: string; stage: string; setpriv: string; nsenter: string };
  /** Size of each tmpfs layer. */
  sizeMb?: number;
}

export const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Capability names setpriv knows (capabilities(7), without CAP_). */
export const CAPABILITIES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable',
  'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot',
  'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease',
  'audit_write', 'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read',
  'perfmon', 'bpf', 'checkpoint_restore',
];

const isUnder = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
const norm = (p: string) => {
  if (!p.startsWith('/')) throw new Error(`${JSON.stringify(p)} is not an absolute path`);
  return path.posix.normalize(p).replace(/(.)\/$/, '$1');
};

/** The setup script; its arguments (after $0) are those of the last stage: cwd, command, PATH, env…, argv…. */
export function rootfsScript(spec: ContainerSpec, o: ScriptOptions): string {
  const B = o.uidBase;
  const size = `${o.sizeMb ?? 256}m`;
  const owner = (e: { uid?: number; gid?: number }) => `${B + (e.uid ?? 0)}:${B + (e.gid ?? 0)}`;
  const at = (p: string) => `"$M"${q(p)}`;
  const rf = spec.rootfs;
  const mirrors = rf.host.map(norm).sort().map((p) => ({ path: p, st: o.lstat(p) })).filter((m) => m.st) as { path: string; st: NonNullable<ReturnType<ScriptOptions['lstat']>> }[];
  const mirrorDirs = mirrors.filter((m) => m.st.kind === 'dir').map((m) => m.path);
  const layers = rf.layers.map(norm).sort();
  for (const l of layers) if (!mirrorDirs.some((d) => isUnder(l, d) && l !== d)) throw new Error(`layer ${l} is not inside a host directory`);
  /** Which tmpfs an entry lives on: '/' for the root, else its layer. Entries inside a host path are refused. */
  const fsOf = (p: string) => {
    const layer = layers.filter((l) => isUnder(p, l)).at(-1);
    if (layer) return layer;
    const inHost = mirrors.find((m) => isUnder(p, m.path) && p !== m.path);
    if (inHost) throw new Error(`${p} is inside the host's ${inHost.path}, which the container sees read-only`);
    return '/';
  };

  // What is made on each tmpfs: path → shell command, owner, mode. Parents the table does not list are the
  // container root's 0755 directories (as COPY makes them). No entry may sit below a symbolic link: before the
  // pivot, "$M/<link>/x" could resolve to the host's own files.
  type Entry = { path: string; cmd: string; owner: string; mode?: string; implicit?: boolean; link?: boolean };
  const made = new Map<string, Map<string, Entry>>();
  const add = (e: Entry) => {
    const top = fsOf(e.path);
    const group = made.get(top) ?? new Map<string, Entry>();
    made.set(top, group);
    for (let dir = path.posix.dirname(e.path); dir !== top && dir !== '/'; dir = path.posix.dirname(dir)) {
      const parent = group.get(dir);
      if (parent?.link) throw new Error(`${e.path} is below the symbolic link ${dir}`);
      if (!parent) group.set(dir, { path: dir, cmd: `mkdir ${at(dir)}`, owner: owner({}), mode: '0755', implicit: true });
    }
    const prev = group.get(e.path);
    if (prev && !(prev.implicit && e.cmd === prev.cmd)) throw new Error(`${e.path} is listed twice`);
    group.set(e.path, e);
  };
  const dir = (p: string, mode = '0755', who = owner({})) => add({ path: p, cmd: `mkdir ${at(p)}`, owner: who, mode });
  for (const m of mirrors) {
    if (m.st.kind === 'symlink') add({ path: m.path, cmd: `ln -s ${q(m.st.target)} ${at(m.path)}`, owner: owner({}), link: true });
    else if (m.st.kind === 'dir') dir(m.path);
    else add({ path: m.path, cmd: `: > ${at(m.path)}`, owner: owner({}), mode: '0644' });
  }
  // Symbolic links first: nothing may then be made below one.
  for (const s of rf.symlinks) add({ path: norm(s.path), cmd: `ln -s ${q(s.target)} ${at(norm(s.path))}`, owner: owner({}), link: true });
  for (const d of rf.dirs) dir(norm(d.path), d.mode.toString(8).padStart(4, '0'), owner(d));
  for (const f of rf.files) add({ path: norm(f.path), cmd: `printf '%s' ${q(f.content)} > ${at(norm(f.path))}`, owner: owner(f), mode: f.mode.toString(8).padStart(4, '0') });
  const binds = rf.binds.map((b) => ({ path: norm(b.path), source: b.source, st: o.lstat(b.source) }));
  for (const b of binds) {
    if (!b.st || b.st.kind === 'symlink') throw new Error(`the image's ${b.path} needs ${b.source}, which is missing on this machine`);
    if (b.st.kind === 'dir') dir(b.path);
    else add({ path: b.path, cmd: `: > ${at(b.path)}`, owner: owner({}), mode: '0644' });
  }
  for (const p of ['/proc', '/sys', '/dev']) if (!made.get('/')?.has(p)) dir(p);

  /**
   * Makes a tmpfs's entries, sets their modes, then chowns them: nothing is mounted there yet. Few processes (each
   * one a fork of the shell): every directory by one mkdir (sorted, so parents come first; no entry is below a
   * link), then the links and files, then one chmod per mode and one chown per owner.
   */
  const make = (group: Map<string, Entry> | undefined) => {
    if (!group) return [];
    const entries = [...group.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    const isDir = (e: Entry) => e.cmd === `mkdir ${at(e.path)}`;
    const dirs = entries.filter(isDir).map((e) => at(e.path));
    const lines = [...(dirs.length ? [`mkdir ${dirs.join(' ')}`] : []), ...entries.filter((e) => !isDir(e)).map((e) => e.cmd)];
    const grouped = (key: (e: Entry) => string | undefined) => {
      const by = new Map<string, string[]>();
      for (const e of entries) {
        const k = key(e);
        if (k !== undefined) by.set(k, [...(by.get(k) ?? []), at(e.path)]);
      }
      return [...by];
    };
    for (const [mode, paths] of grouped((e) => e.mode)) lines.push(`chmod ${mode} ${paths.join(' ')}`);
    for (const [who, paths] of grouped((e) => e.owner)) lines.push(`chown -h ${who} ${paths.join(' ')}`);
    return lines;
  };
  const tmpfs = (p: string, name: string) => `mount -t tmpfs -o size=${size},mode=0755,uid=${B},gid=${B} ${name} ${p === '/' ? '"$M"' : at(p)}`;
  const bindRo = (src: string, dst: string) => `mount --bind -o ro,nosuid,nodev ${q(src)} ${at(dst)}`;

  const caps = spec.capabilities.map((c) => c.toLowerCase());
  for (const c of caps) if (!CAPABILITIES.includes(c)) throw new Error(`unknown capability ${c}`);
  const setpriv = [
    o.bin.setpriv, `--reuid=${spec.user.uid}`, `--regid=${spec.user.gid}`,
    spec.user.groups.length ? `--groups=${spec.user.groups.join(',')}` : '--clear-groups',
    `--bounding-set=-all${caps.map((c) => `,+${c}`).join('')}`, '--inh-caps=-all', ...(spec.noNewPrivs ? ['--no-new-privs'] : []),
  ];
  const cwd = norm(spec.cwd);
  const cwdParts = cwd.split('/').filter(Boolean).map((_, i, all) => `/${all.slice(0, i + 1).join('/')}`);

  return [
    'set -e',
    'exec 4>&2 2>&3',
    // libmount would keep its utab under /run: the host's before the pivot, the container's after. Neither.
    'export LIBMOUNT_UTAB=/proc/kiada-no-utab',
    `exec 5<${q(o.userns)}`,
    `M=${q(o.mountPoint)}`,
    tmpfs('/', 'kiada-rootfs'),
    ...make(made.get('/')),
    ...mirrors.filter((m) => m.st.kind !== 'symlink').map((m) => bindRo(m.path, m.path)),
    ...layers.flatMap((l) => [tmpfs(l, 'kiada-layer'), ...make(made.get(l))]),
    ...binds.map((b) => bindRo(b.source, b.path)),
    ...rf.files.filter((f) => f.ownMount).map((f) => `mount --bind ${at(norm(f.path))} ${at(norm(f.path))}`),
    // /proc of the container's PID namespace; as runc, the kernel's knobs read-only and what leaks the host masked.
    `mount -t proc -o nosuid,nodev,noexec proc "$M/proc"`,
    `for p in bus fs irq sys sysrq-trigger; do [ ! -e "$M/proc/$p" ] || mount --bind -o ro,nosuid,nodev,noexec "$M/proc/$p" "$M/proc/$p"; done`,
    `for p in kcore keys timer_list sched_debug; do [ ! -e "$M/proc/$p" ] || mount --bind /dev/null "$M/proc/$p"; done`,
    `mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$M/sys"`,
    `[ ! -d "$M/sys/firmware" ] || mount -t tmpfs -o ro,size=0 kiada-masked "$M/sys/firmware"`,
    // /dev as a runtime makes it: device nodes of the container's root (mknod; the host's nodes bound where mknod is
    // not allowed — never chowned then), its own pseudo-terminals, shm, the fd links.
    `mount -t tmpfs -o nosuid,mode=0755,size=64k,uid=${B},gid=${B} kiada-dev "$M/dev"`,
    `for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do n=\${d%%:*} d=\${d#*:}; ` +
      `if mknod -m 0666 "$M/dev/$n" c \${d%:*} \${d#*:} 2>/dev/null; then chown ${B}:${B} "$M/dev/$n"; else : > "$M/dev/$n"; mount --bind "/dev/$n" "$M/dev/$n"; fi; done`,
    `mkdir -m 0755 "$M/dev/pts" "$M/dev/shm" "$M/dev/mqueue"`,
    `: > "$M/dev/termination-log"; chmod 0666 "$M/dev/termination-log"`,
    `ln -s pts/ptmx "$M/dev/ptmx"; ln -s /proc/self/fd "$M/dev/fd"; ln -s /proc/self/fd/0 "$M/dev/stdin"; ln -s /proc/self/fd/1 "$M/dev/stdout"; ln -s /proc/self/fd/2 "$M/dev/stderr";`,
    `chown -h ${B}:${B} "$M/dev/pts" "$M/dev/shm" "$M/dev/mqueue" "$M/dev/termination-log" "$M/dev/ptmx" "$M/dev/fd" "$M/dev/stdin" "$M/dev/stdout" "$M/dev/stderr"`,
    `mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=${B + 5},nosuid,noexec devpts "$M/dev/pts"`,
    `mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=64m,uid=${B},gid=${B} shm "$M/dev/shm"`,
    `mount -t mqueue -o nosuid,nodev,noexec mqueue "$M/dev/mqueue" 2>/dev/null || true`,
    'cd "$M"',
    'pivot_root . .',
    'umount -l .',
    'cd /',
    // The working directory, made if missing as runc does (container root's, 0755), inside the new root (a symbolic
    // link there resolves in the container's filesystem, never the host's), before the root goes read-only.
    ...cwdParts.map((p) =>
      `if [ ! -e ${q(p)} ] && [ ! -L ${q(p)} ]; then ` +
        `if ! e=$(mkdir -m 0755 ${q(p)} 2>&1); then case $e in *ead-only*) e='read-only file system';; *ermission*) e='permission denied';; *) e='no such file or directory';; esac; printf 'err mkdir %s: %s\\n' ${q(p)} "$e" >&3; exit 1; fi; ` +
        `chown ${B}:${B} ${q(p)}; ` +
        `elif [ ! -d ${q(p)} ]; then printf 'err mkdir %s: not a directory\\n' ${q(p)} >&3; exit 1; fi`,
    ),
    // Read-only per mount (as runc does), so that the files with a mount of their own stay writable.
    ...(spec.readOnlyRoot ? ['mount -o remount,bind,ro /', ...layers.map((l) => `mount -o remount,bind,ro ${q(l)}`)] : []),
    // Into the pod's user namespace (as its root, mapped), then the container's user; fd 5 is closed by the last stage.
    `exec ${o.bin.nsenter} --user=/proc/self/fd/5 -- ${setpriv.map(q).join(' ')} -- ${o.bin.stage} -c ${q(START_STAGE)} kiada-start "$@"`,
  ].join('\n') + '\n';
}
