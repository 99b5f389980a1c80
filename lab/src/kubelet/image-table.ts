// The images the lab can run, as data: one entry per image, saying what its real image holds and where the lab
// takes each part from. The lab pulls nothing: an image's programs are this machine's same programs (its /usr,
// /bin, /lib*, /sbin, read-only), the app's files come from the installed package @kiada/app, and the rest of its
// root filesystem (/etc, users, working directory, entrypoint scripts) is written from the table (the base images'
// own texts are in distro-files.ts). image-sources.ts finds each source on this machine. test/dockerfile.test.ts
// keeps the kiada entry in step with the Dockerfile.
import { ALPINE_GROUP, ALPINE_PASSWD, BUSYBOX_GROUP, BUSYBOX_PASSWD, CURL_ENTRYPOINT, DEBIAN_GROUP, DEBIAN_PASSWD, NODE_ENTRYPOINT } from './distro-files.ts';

/** Where a file or directory of an image comes from. */
export type Source =
  | { pkg: string; path: string } // a path in an installed npm package that exports its package.json (the app's files)
  | { host: string; optional?: boolean } // a path of this machine (left out when optional and missing)
  | { nodeBinary: true } // the Node the lab runs on (the Dockerfile's base image is the same Node version)
  | { npmClosure: string } // an npm workspace package's production dependencies, as the lockfile pins them (copied once into a kept layer)
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
/** The book's app, as the lab finds it: the npm package, wherever it is installed. */
const APP = '@kiada/app';

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

const ALPINE = { passwd: ALPINE_PASSWD, group: ALPINE_GROUP };
const DEBIAN = { passwd: DEBIAN_PASSWD, group: DEBIAN_GROUP };

/** A distribution's own image (Docker Hub's official ones): root, no ENTRYPOINT, the usual PATH, nothing added. */
function distro(repository: string, cmd: string[], accounts: Pick<Image, 'passwd' | 'group'>, more: Partial<Image> = {}): Image {
  return { repositories: [repository], reference: repository, entrypoint: [], cmd, workdir: '/', user: '', env: { PATH }, ...accounts, dirs: [], files: [], ...more };
}

export const IMAGES: Record<string, Image> = {
  // This repository's Dockerfile: FROM node:24.21.0-alpine3.24, apk add curl bash, WORKDIR /app, the app compiled to dist/, the deps
  // stage's node_modules, USER 1000:1000, CMD node dist/main.js. The lab runs the TypeScript the build stage
  // compiles (Node 24 runs it as it is), so dist/ holds the app package's src/ and the command is node dist/main.ts.
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
      { path: '/app/node_modules', from: { npmClosure: APP } },
      { path: '/app/package.json', from: { pkg: APP, path: 'package.json' } },
      { path: '/app/dist', from: { pkg: APP, path: 'src' } },
      { path: '/app/public', from: { pkg: APP, path: 'public' } },
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
  busybox: distro('busybox', ['sh'], { passwd: BUSYBOX_PASSWD, group: BUSYBOX_GROUP }),
  alpine: distro('alpine', ['/bin/sh'], ALPINE),
  // nicolaka/netshoot (Alpine, root, CMD zsh): its tools are whatever this machine has (zsh included or not).
  netshoot: distro('nicolaka/netshoot', ['zsh'], ALPINE, { workdir: '/root' }),
  debian: distro('debian', ['bash'], DEBIAN),
  // ubuntu (24.04 on): Debian's accounts plus the `ubuntu` user, uid 1000.
  ubuntu: distro('ubuntu', ['/bin/bash'], {
    passwd: `${DEBIAN_PASSWD}ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n`,
    group: `${DEBIAN_GROUP}ubuntu:x:1000:\n`,
  }, { dirs: [{ path: '/home/ubuntu', mode: 0o750, uid: 1000, gid: 1000 }] }),
};
