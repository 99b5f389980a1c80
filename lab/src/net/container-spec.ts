// What a container is, as the sandbox runs it: a process, its user and privileges, and the root filesystem it sees.
// The kubelet fills this in from the pod spec and the image table; net/ knows nothing of images or pods.

export interface ContainerSpec {
  argv: string[];
  /** The command runc checks before it runs (argv[0] unless the process is a relay, such as a terminal's). */
  lookup?: string;
  env: Record<string, string>;
  /** The working directory, absolute; made (owned by the container's root) if missing, as runc does. */
  cwd: string;
  stdin: boolean;
  /** Ids inside the container (the pod's user namespace maps them onto the host's UID_BASE + id). */
  user: { uid: number; gid: number; groups: number[] };
  /** The capability bounding set, names as capabilities(7) spells them without CAP_, lower case ("chown"). */
  capabilities: string[];
  noNewPrivs: boolean;
  readOnlyRoot: boolean;
  rootfs: Rootfs;
}

/** Ownership inside the container; container root (0:0) when left out. */
export interface Owned {
  uid?: number;
  gid?: number;
}

export interface Rootfs {
  /**
   * Host paths the container sees read-only at the same place: a directory is bind-mounted (nosuid, nodev), a
   * symbolic link is copied (so /bin → usr/bin stays a link), a missing path is left out.
   */
  host: string[];
  /** Directories of the image inside a host path (e.g. /usr/local in /usr): a writable layer of their own. */
  layers: string[];
  dirs: ({ path: string; mode: number } & Owned)[];
  /**
   * Files written for the container. `ownMount`: a mount of its own that stays writable when the root is
   * read-only, as the kubelet's /etc/hosts, /etc/hostname and /etc/resolv.conf are.
   */
  files: ({ path: string; content: string; mode: number; ownMount?: boolean } & Owned)[];
  symlinks: { path: string; target: string }[];
  /** The image's own files and directories, taken read-only from the host (nosuid, nodev). */
  binds: { path: string; source: string }[];
}
