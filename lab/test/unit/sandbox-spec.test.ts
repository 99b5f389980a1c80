// The sandbox's pieces without root: the setup script the sandbox runs (net/rootfs-script.ts), a container's user
// and privileges from its securityContext and image (kubelet/security.ts), the files the kubelet writes for it
// (kubelet/rootfs.ts), and `lab up`'s refusal when the system allows no user namespace.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { rootfsScript, type ScriptOptions } from '../../src/net/rootfs-script.ts';
import { checkUserNamespaces, UID_BASE } from '../../src/net/userns.ts';
import type { ContainerSpec } from '../../src/net/index.ts';
import { containerSecurity, DEFAULT_CAPABILITIES } from '../../src/kubelet/security.ts';
import { hostsFile, nodeHostsFile, podHostname, resolvConf } from '../../src/kubelet/rootfs.ts';
import { IMAGES } from '../../src/kubelet/image-table.ts';
import { ConfigError } from '../../src/kubelet/env.ts';

const HOST: Record<string, ReturnType<ScriptOptions['lstat']>> = {
  '/usr': { kind: 'dir' }, '/bin': { kind: 'symlink', target: 'usr/bin' }, '/lib': { kind: 'symlink', target: 'usr/lib' },
  '/repo/app': { kind: 'dir' }, '/repo/app/package.json': { kind: 'file' }, '/node': { kind: 'file' },
};
const OPTS: ScriptOptions = {
  userns: '/run/kiada/t/sockets/ns/kiada-t-p4/user', mountPoint: '/run/kiada/t/sockets/rootfs', uidBase: UID_BASE, lstat: (p) => HOST[p],
  bin: { sh: '/usr/bin/dash', stage: '/usr/bin/bash', setpriv: '/usr/bin/setpriv', nsenter: '/usr/bin/nsenter' },
};
const spec = (over: Partial<ContainerSpec> = {}, rootfs: Partial<ContainerSpec['rootfs']> = {}): ContainerSpec => ({
  argv: ['node', 'dist/main.ts'], env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, cwd: '/app', stdin: false,
  user: { uid: 1000, gid: 1000, groups: [] }, capabilities: [], noNewPrivs: true, readOnlyRoot: true,
  rootfs: {
    host: ['/usr', '/bin', '/lib', '/lib64'], layers: ['/usr/local'],
    dirs: [{ path: '/tmp', mode: 0o1777 }, { path: '/home/node', mode: 0o755, uid: 1000, gid: 1000 }],
    files: [{ path: '/etc/hosts', content: "it's\n$(x)`y`\n", mode: 0o644, ownMount: true }],
    symlinks: [], binds: [{ path: '/app', source: '/repo/app' }, { path: '/usr/local/bin/node', source: '/node' }],
    ...rootfs,
  },
  ...over,
});

describe('the setup script', () => {
  const script = rootfsScript(spec(), OPTS);
  const lines = script.split('\n');

  it('is valid sh, whatever the file contents hold (quotes, $(…), backquotes)', () => {
    execFileSync('sh', ['-n', '-c', script]);
    expect(script).toContain(`printf '%s' 'it'\\''s\n$(x)\`y\`\n' > "$M"'/etc/hosts'`);
  });

  it('chowns nothing once something is mounted on it: a chown through a bind mount would change the host\'s file', () => {
    const bound = new Set<string>();
    for (const l of lines) {
      const m = /^mount --bind (?:-o \S+ )?\S+ (\S+)$/.exec(l);
      if (m) bound.add(m[1]);
      if (/^chown /.test(l)) for (const target of l.split(' ').slice(3)) expect(bound.has(target), `${target} in: ${l}`).toBe(false);
    }
    expect([...bound]).toEqual([`"$M"'/usr'`, `"$M"'/app'`, `"$M"'/usr/local/bin/node'`, `"$M"'/etc/hosts'`]);
    // The host's directories are read-only binds, its symlinks copied, a missing one left out.
    expect(lines).toContain(`mount --bind -o ro,nosuid,nodev '/usr' "$M"'/usr'`);
    expect(lines).toContain(`ln -s 'usr/bin' "$M"'/bin'`);
    expect(script).not.toContain('/lib64');
  });

  it('makes each tmpfs\'s entries with few processes: one mkdir for its directories, one chmod per mode, one chown per owner', () => {
    // The sections of the script that fill a tmpfs: from its mount to the next mount of anything.
    const sections: string[][] = [];
    for (const l of lines.slice(0, lines.indexOf('pivot_root . .'))) {
      if (/^mount -t tmpfs .* kiada-(rootfs|layer) /.test(l)) sections.push([]);
      else if (l.startsWith('mount ')) sections.push([]);
      else sections.at(-1)?.push(l);
    }
    const filled = sections.filter((sec) => sec.some((l) => l.startsWith('mkdir "$M"')));
    expect(filled.length).toBe(2); // the root and /usr/local
    for (const sec of filled) {
      // mkdir's first path, chmod's mode, chown's owner (after -h).
      const of = (cmd: string) => sec.filter((l) => l.startsWith(`${cmd} `)).map((l) => l.split(' ')[cmd === 'chown' ? 2 : 1]);
      expect(of('mkdir')).toHaveLength(1);
      expect(new Set(of('chmod')).size).toBe(of('chmod').length);
      expect(new Set(of('chown')).size).toBe(of('chown').length);
    }
    expect(lines).toContain(`mkdir "$M"'/app' "$M"'/dev' "$M"'/etc' "$M"'/home' "$M"'/home/node' "$M"'/proc' "$M"'/sys' "$M"'/tmp' "$M"'/usr'`);
  });

  it('maps every owner into the pod\'s range and drops to the container\'s user in its user namespace', () => {
    expect(lines).toContain(`chown -h ${UID_BASE + 1000}:${UID_BASE + 1000} "$M"'/home/node'`);
    expect(lines).toContain(`exec 5<'/run/kiada/t/sockets/ns/kiada-t-p4/user'`);
    expect(lines.find((l) => l.startsWith('exec /usr/bin/nsenter'))).toMatch(/^exec \/usr\/bin\/nsenter --user=\/proc\/self\/fd\/5 -- '\/usr\/bin\/setpriv' '--reuid=1000' '--regid=1000' '--clear-groups' '--bounding-set=-all' '--inh-caps=-all' '--no-new-privs' -- \/usr\/bin\/bash -c /);
  });

  it('readOnlyRootFilesystem remounts each layer read-only per mount, after the pivot; the kubelet\'s files keep a mount of their own', () => {
    const pivot = lines.indexOf('pivot_root . .');
    expect(lines.indexOf('mount -o remount,bind,ro /')).toBeGreaterThan(pivot);
    expect(lines).toContain("mount -o remount,bind,ro '/usr/local'");
    expect(lines).toContain(`mount --bind "$M"'/etc/hosts' "$M"'/etc/hosts'`);
    expect(rootfsScript(spec({ readOnlyRoot: false }), OPTS)).not.toContain('remount,bind,ro');
  });

  it('refuses a layout that would write through a symlink or into the host\'s files before the pivot', () => {
    expect(() => rootfsScript(spec({}, { symlinks: [{ path: '/var/run', target: '/run' }], files: [{ path: '/var/run/x', content: '', mode: 0o644 }] }), OPTS)).toThrow('/var/run/x is below the symbolic link /var/run');
    expect(() => rootfsScript(spec({}, { dirs: [{ path: '/usr/share/x', mode: 0o755 }] }), OPTS)).toThrow("/usr/share/x is inside the host's /usr, which the container sees read-only");
    expect(() => rootfsScript(spec({}, { dirs: [{ path: '/bin/x', mode: 0o755 }] }), OPTS)).toThrow("/bin/x is inside the host's /bin");
    expect(() => rootfsScript(spec({}, { layers: ['/opt'] }), OPTS)).toThrow('layer /opt is not inside a host directory');
    expect(() => rootfsScript(spec({}, { binds: [{ path: '/x', source: '/nonexistent' }] }), OPTS)).toThrow("the image's /x needs /nonexistent, which is missing on this machine");
    expect(() => rootfsScript(spec({ capabilities: ['sys_everything'] }), OPTS)).toThrow('unknown capability sys_everything');
  });
});

describe('a container\'s user and privileges', () => {
  const pod = (spec: object, meta = {}) => ({ metadata: { name: 'p', namespace: 'default', uid: 'u-1', ...meta }, spec });
  const c = (over: object = {}) => ({ name: 'c', image: 'x', ...over });

  it('k8s/pod.kiada.yaml: user 1000:1000, no capability, no_new_privs, a read-only root', () => {
    const sc = containerSecurity(
      pod({ securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 } }),
      c({ securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } }),
      IMAGES.kiada,
    );
    expect(sc).toEqual({ uid: 1000, gid: 1000, groups: [], username: 'node', home: '/home/node', capabilities: [], noNewPrivs: true, readOnlyRoot: true });
  });

  it('the image\'s user when the pod says none: kiada 1000:1000, curl_user 100 (curl_group 101), busybox root with wheel', () => {
    expect(containerSecurity(pod({}), c(), IMAGES.kiada)).toMatchObject({ uid: 1000, gid: 1000, groups: [], home: '/home/node' });
    expect(containerSecurity(pod({}), c(), IMAGES.curl)).toMatchObject({ uid: 100, gid: 101, groups: [101], username: 'curl_user' });
    expect(containerSecurity(pod({}), c(), IMAGES.busybox)).toMatchObject({ uid: 0, gid: 0, groups: [10], home: '/root', capabilities: DEFAULT_CAPABILITIES, noNewPrivs: false, readOnlyRoot: false });
    expect(containerSecurity(pod({}), c(), IMAGES.alpine).groups).toEqual([1, 2, 3, 4, 6, 10, 11, 20, 26, 27]);
  });

  it('runAsUser/runAsGroup: the container\'s over the pod\'s; a uid the image does not know has group 0; supplementalGroups and fsGroup added', () => {
    const p = pod({ securityContext: { runAsUser: 1234, supplementalGroups: [3456], fsGroup: 2000 } });
    expect(containerSecurity(p, c(), IMAGES.busybox)).toMatchObject({ uid: 1234, gid: 0, groups: [3456, 2000], home: '/' });
    expect(containerSecurity(p, c({ securityContext: { runAsUser: 0, runAsGroup: 5 } }), IMAGES.busybox)).toMatchObject({ uid: 0, gid: 5, groups: [10, 3456, 2000] });
  });

  it('runAsNonRoot as the kubelet checks it, in its words', () => {
    const nonRoot = (image: keyof typeof IMAGES, csc: object = {}) => () => containerSecurity(pod({ securityContext: { runAsNonRoot: true } }), c({ securityContext: csc }), IMAGES[image]);
    expect(nonRoot('busybox')).toThrow(new ConfigError('container has runAsNonRoot and image will run as root (pod: "p_default(u-1)", container: c)'));
    expect(nonRoot('curl')).toThrow(new ConfigError('container has runAsNonRoot and image has non-numeric user (curl_user), cannot verify user is non-root (pod: "p_default(u-1)", container: c)'));
    expect(nonRoot('busybox', { runAsUser: 0 })).toThrow(new ConfigError('container\'s runAsUser breaks non-root policy (pod: "p_default(u-1)", container: c)'));
    expect(nonRoot('kiada')()).toMatchObject({ uid: 1000 });
    expect(nonRoot('curl', { runAsUser: 100 })()).toMatchObject({ uid: 100, gid: 101 });
  });

  it('capabilities as containerd computes them: ALL first, then each added, then each dropped; privileged has all', () => {
    const caps = (capabilities: object, extra = {}) => containerSecurity(pod({}), c({ securityContext: { capabilities, ...extra } }), IMAGES.busybox).capabilities;
    expect(caps({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] })).toEqual(['net_bind_service']);
    expect(caps({ add: ['CAP_NET_ADMIN'], drop: ['CHOWN', 'kill'] })).toEqual([...DEFAULT_CAPABILITIES.filter((x) => x !== 'chown' && x !== 'kill'), 'net_admin']);
    expect(caps({ add: ['ALL'], drop: ['SYS_ADMIN'] })).not.toContain('sys_admin');
    expect(caps({}, { privileged: true })).toContain('sys_admin');
    expect(() => caps({ add: ['NET_WIZARD'] })).toThrow(new ConfigError('failed to generate container spec: unknown capability "CAP_NET_WIZARD"'));
    expect(containerSecurity(pod({}), c({ securityContext: { allowPrivilegeEscalation: false, privileged: true } }), IMAGES.busybox).noNewPrivs).toBe(false);
  });

  it('ids outside the pod\'s user namespace (0-65535) are refused, not run as someone else', () => {
    expect(() => containerSecurity(pod({ securityContext: { runAsUser: 70000 } }), c(), IMAGES.busybox)).toThrow(
      new ConfigError("runAsUser 70000 is outside the pod's user namespace: the lab maps ids 0-65535 only"),
    );
  });
});

describe('the files the kubelet writes into every container', () => {
  it('/etc/hosts as kubelet_pods.go writes it, with a subdomain and hostAliases', () => {
    const header = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
    expect(hostsFile({ metadata: { namespace: 'default' }, spec: {} }, 'kiada', '10.244.1.2')).toBe(`${header}10.244.1.2\tkiada\n`);
    const pod = { metadata: { namespace: 'ns1' }, spec: { subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }] } };
    expect(hostsFile(pod, 'web', '10.244.2.9')).toBe(`${header}10.244.2.9\tweb.sub.ns1.svc.cluster.local\tweb\n\n# Entries added by HostAliases.\n1.2.3.4\ta\tb\n`);
    expect(nodeHostsFile({ spec: {} }, 'kind-worker', '172.18.0.3')).toMatch(/\n172\.18\.0\.3\tkind-worker\n$/);
  });

  it('the hostname as the kubelet makes it: spec.hostname, else the name cut to 63 characters, no trailing - or .', () => {
    expect(podHostname({ metadata: { name: 'kiada' }, spec: {} })).toBe('kiada');
    expect(podHostname({ metadata: { name: 'kiada' }, spec: { hostname: 'web' } })).toBe('web');
    expect(podHostname({ metadata: { name: 'a'.repeat(63) }, spec: {} })).toBe('a'.repeat(63));
    expect(podHostname({ metadata: { name: 'a'.repeat(64) }, spec: {} })).toBe('a'.repeat(63));
    expect(podHostname({ metadata: { name: `${'a'.repeat(61)}-.b` }, spec: {} })).toBe('a'.repeat(61));
    expect(podHostname({ metadata: { name: 'x'.repeat(253) }, spec: {} })).toHaveLength(63);
  });

  it('/etc/resolv.conf for each dnsPolicy, with dnsConfig', () => {
    expect(resolvConf({ metadata: { namespace: 'team' }, spec: {} })).toBe('search team.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const none = { metadata: { namespace: 'x' }, spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['example.com'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } } };
    expect(resolvConf(none)).toBe('search example.com\nnameserver 1.1.1.1\noptions ndots:2 edns0\n');
    const first = { metadata: { namespace: 'x' }, spec: { dnsConfig: { options: [{ name: 'ndots', value: '1' }] } } };
    expect(resolvConf(first)).toBe('search x.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:1\n');
  });
});

describe('lab up on a system that refuses user namespaces', () => {
  it('says so in one line, and what to enable', async () => {
    const refused = () => Promise.reject(new Error('unshare: unshare failed: No space left on device'));
    expect(await checkUserNamespaces(refused, () => '0')).toBe(
      `The lab runs each pod in a user namespace (pod uid N is host uid ${UID_BASE}+N) and this system refuses one (unshare: unshare failed: No space left on device): ` +
        'user.max_user_namespaces is 0: set it with `sudo sysctl -w user.max_user_namespaces=15000`.',
    );
    expect(await checkUserNamespaces(refused, () => '15000')).toMatch(/: allow user namespaces for root \(a seccomp or LSM policy refuses them\)\.$/);
  });
});
