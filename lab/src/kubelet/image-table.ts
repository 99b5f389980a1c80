// The images the lab can run, as data: one entry per image, saying what its real image holds and where the lab
// takes each part from. The lab pulls nothing: an image's programs are this machine's same programs (its /usr,
// /bin, /lib*, /sbin, read-only), its own files come from this repository, and the rest of its root filesystem
// (/etc, users, working directory, entrypoint scripts) is written from the table. test/dockerfile.test.ts keeps the
// kiada entry in step with the Dockerfile.

/** Where a file or directory of an image comes from. */
export type Source =
  | { repo: string } // a path in this repository (the app's own files)
  | { host: string; optional?: boolean } // a path of this machine (left out when optional and missing)
  | { nodeBinary: true } // the Node the lab runs on (the Dockerfile's base image is the same Node version)
  | { npmClosure: string } // a workspace's production dependencies, as the lockfile pins them (copied once per lab)
  | { text: string; mode: number }; // a file the table spells out

export interface Image {
  // Repository names it answers to; "*/kiada" is kiada under any registry or namespace.
  repositories: string[];
  /** The real image it stands for. */
  reference: string;
  /** Its base image (FROM), when the table follows a Dockerfile. */
  base?: string;
  /** The programs its Dockerfile installs (apk add): the lab's container has them as the host's own. */
  packages?: string[];
  entrypoint: string[];
  cmd: string[];
  /** WORKDIR ("/" when the image sets none). */
  workdir: string;
  /** USER as the image config has it: "" (root), "uid[:gid]" or a name from its /etc/passwd. */
  user: string;
  env: Record<string, string>;
  passwd: string;
  group: string;
  dirs: { path: string; mode: number; uid?: number; gid?: number }[];
  files: { path: string; from: Source }[];
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What every image has: the host's programs, an empty /usr/local of its own, the usual directories. */
export const BASE = {
  host: ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'],
  layers: ['/usr/local'],
  dirs: [
    { path: '/etc', mode: 0o755 }, { path: '/tmp', mode: 0o1777 }, { path: '/root', mode: 0o700 }, { path: '/home', mode: 0o755 },
    { path: '/var', mode: 0o755 }, { path: '/var/tmp', mode: 0o1777 }, { path: '/run', mode: 0o755 }, { path: '/mnt', mode: 0o755 },
    { path: '/opt', mode: 0o755 }, { path: '/srv', mode: 0o755 }, { path: '/media', mode: 0o755 },
  ],
  files: [
    // The host's programs are Debian's: some are links through /etc/alternatives, and glibc reads nsswitch.conf.
    { path: '/etc/alternatives', from: { host: '/etc/alternatives', optional: true } },
    { path: '/etc/nsswitch.conf', from: { text: 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n', mode: 0o644 } },
  ],
} satisfies { host: string[]; layers: string[]; dirs: Image['dirs']; files: Image['files'] };

// Alpine's /etc/passwd and /etc/group (the base of node:*-alpine and curlimages/curl).
const ALPINE_PASSWD = `root:x:0:0:root:/root:/bin/sh
bin:x:1:1:bin:/bin:/sbin/nologin
daemon:x:2:2:daemon:/sbin:/sbin/nologin
lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
sync:x:5:0:sync:/sbin:/bin/sync
shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
halt:x:7:0:halt:/sbin:/sbin/halt
mail:x:8:12:mail:/var/mail:/sbin/nologin
news:x:9:13:news:/usr/lib/news:/sbin/nologin
uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin
cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
ftp:x:21:21::/var/lib/ftp:/sbin/nologin
sshd:x:22:22:sshd:/dev/null:/sbin/nologin
games:x:35:35:games:/usr/games:/sbin/nologin
ntp:x:123:123:NTP:/var/empty:/sbin/nologin
guest:x:405:100:guest:/dev/null:/sbin/nologin
nobody:x:65534:65534:nobody:/:/sbin/nologin
`;
const ALPINE_GROUP = `root:x:0:root
bin:x:1:root,bin,daemon
daemon:x:2:root,bin,daemon
sys:x:3:root,bin
adm:x:4:root,daemon
tty:x:5:
disk:x:6:root
lp:x:7:lp
kmem:x:9:
wheel:x:10:root
floppy:x:11:root
mail:x:12:mail
news:x:13:news
uucp:x:14:uucp
cron:x:16:cron
audio:x:18:
cdrom:x:19:
dialout:x:20:root
ftp:x:21:
sshd:x:22:
input:x:23:
tape:x:26:root
video:x:27:root
netdev:x:28:
kvm:x:34:kvm
games:x:35:
shadow:x:42:
www-data:x:82:
users:x:100:games
ntp:x:123:
utmp:x:406:
ping:x:999:
nogroup:x:65533:
nobody:x:65534:
`;

const DEBIAN_PASSWD = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
`;
const DEBIAN_GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
news:x:9:
uucp:x:10:
man:x:12:
proxy:x:13:
kmem:x:15:
dialout:x:20:
fax:x:21:
voice:x:22:
cdrom:x:24:
floppy:x:25:
tape:x:26:
sudo:x:27:
audio:x:29:
dip:x:30:
www-data:x:33:
backup:x:34:
operator:x:37:
list:x:38:
irc:x:39:
src:x:40:
shadow:x:42:
utmp:x:43:
video:x:44:
sasl:x:45:
plugdev:x:46:
staff:x:50:
games:x:60:
users:x:100:
nogroup:x:65534:
`;

// node:<version>-alpine's entrypoint: a first argument that is an option or no command runs under node.
const NODE_ENTRYPOINT = `#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ] || { [ -f "\${1}" ] && ! [ -x "\${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
`;

// curlimages/curl's entrypoint: options (or anything that is not a command) go to curl.
const CURL_ENTRYPOINT = `#!/bin/sh
set -e

if [ "\${1#-}" != "\${1}" ] || [ -z "$(command -v "\${1}")" ]; then
  set -- curl "$@"
fi

exec "$@"
`;

export const IMAGES: Record<string, Image> = {
  // This repository's Dockerfile: FROM node:24.21.0-alpine3.24, apk add curl bash, WORKDIR /app, the app compiled to dist/, the deps
  // stage's node_modules, USER 1000:1000, CMD node dist/main.js. The lab runs the TypeScript the build stage
  // compiles (Node 24 runs it as it is), so dist/ holds apps/kiada/src and the command is node dist/main.ts.
  kiada: {
    repositories: ['kiada', '*/kiada'],
    reference: 'kiada:0.1 (this repository\'s Dockerfile)',
    base: 'node:24.21.0-alpine3.24',
    packages: ['curl', 'bash'],
    entrypoint: ['docker-entrypoint.sh'],
    cmd: ['node', 'dist/main.ts'],
    workdir: '/app',
    user: '1000:1000',
    env: { PATH, NODE_VERSION: '24.21.0', NODE_ENV: 'production' },
    passwd: `${ALPINE_PASSWD}node:x:1000:1000:Linux User,,,:/home/node:/bin/sh\n`,
    group: `${ALPINE_GROUP}node:x:1000:node\n`,
    dirs: [{ path: '/home/node', mode: 0o755, uid: 1000, gid: 1000 }],
    files: [
      { path: '/usr/local/bin/node', from: { nodeBinary: true } },
      { path: '/usr/local/bin/docker-entrypoint.sh', from: { text: NODE_ENTRYPOINT, mode: 0o755 } },
      { path: '/app/node_modules', from: { npmClosure: 'apps/kiada' } },
      { path: '/app/package.json', from: { repo: 'apps/kiada/package.json' } },
      { path: '/app/dist', from: { repo: 'apps/kiada/src' } },
      { path: '/app/public', from: { repo: 'apps/kiada/public' } },
    ],
  },
  // curlimages/curl (Alpine): USER curl_user (uid 100, group curl_group 101), ENTRYPOINT /entrypoint.sh, CMD curl.
  curl: {
    repositories: ['curlimages/curl'],
    reference: 'curlimages/curl',
    entrypoint: ['/entrypoint.sh'],
    cmd: ['curl'],
    workdir: '/',
    user: 'curl_user',
    env: { PATH, CURL_CA_BUNDLE: '/cacert.pem' },
    passwd: `${ALPINE_PASSWD}curl_user:x:100:101:Linux User,,,:/home/curl_user:/sbin/nologin\n`,
    group: `${ALPINE_GROUP}curl_group:x:101:curl_user\n`,
    dirs: [{ path: '/home/curl_user', mode: 0o755, uid: 100, gid: 101 }],
    files: [
      { path: '/entrypoint.sh', from: { text: CURL_ENTRYPOINT, mode: 0o755 } },
      { path: '/cacert.pem', from: { host: '/etc/ssl/certs/ca-certificates.crt', optional: true } },
    ],
  },
  busybox: {
    repositories: ['busybox'],
    reference: 'busybox',
    entrypoint: [],
    cmd: ['sh'],
    workdir: '/',
    user: '',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    passwd: `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`,
    group: `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
`,
    dirs: [],
    files: [],
  },
  alpine: {
    repositories: ['alpine'],
    reference: 'alpine',
    entrypoint: [],
    cmd: ['/bin/sh'],
    workdir: '/',
    user: '',
    env: { PATH },
    passwd: ALPINE_PASSWD,
    group: ALPINE_GROUP,
    dirs: [],
    files: [],
  },
  // nicolaka/netshoot (Alpine, root, CMD zsh): its tools are whatever this machine has (zsh included or not).
  netshoot: {
    repositories: ['nicolaka/netshoot'],
    reference: 'nicolaka/netshoot',
    entrypoint: [],
    cmd: ['zsh'],
    workdir: '/root',
    user: '',
    env: { PATH },
    passwd: ALPINE_PASSWD,
    group: ALPINE_GROUP,
    dirs: [],
    files: [],
  },
  debian: {
    repositories: ['debian'],
    reference: 'debian',
    entrypoint: [],
    cmd: ['bash'],
    workdir: '/',
    user: '',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    passwd: DEBIAN_PASSWD,
    group: DEBIAN_GROUP,
    dirs: [],
    files: [],
  },
  // ubuntu (24.04 on): Debian's accounts plus the `ubuntu` user, uid 1000.
  ubuntu: {
    repositories: ['ubuntu'],
    reference: 'ubuntu',
    entrypoint: [],
    cmd: ['/bin/bash'],
    workdir: '/',
    user: '',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    passwd: `${DEBIAN_PASSWD}ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n`,
    group: `${DEBIAN_GROUP}ubuntu:x:1000:\n`,
    dirs: [{ path: '/home/ubuntu', mode: 0o750, uid: 1000, gid: 1000 }],
    files: [],
  },
};
