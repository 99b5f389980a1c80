// A container's root filesystem from its image's table entry (image-table.ts) and its pod: the files the kubelet
// manages for every container (/etc/hostname, /etc/hosts, /etc/resolv.conf, as kubelet_pods.go and containerd
// write them) and the image's own (/etc/passwd, /etc/group, its files and directories, found by image-sources.ts).
import type { Obj } from '../store/index.ts';
import type { Rootfs } from '../net/index.ts';
import { BASE, type Image } from './image-table.ts';
import { sourcePath, type SourceContext } from './image-sources.ts';

export interface PodContext extends SourceContext {
  hostname: string;
  podIP: string;
  /** The pod runs in its node's network: /etc/hosts is the node's, as the kubelet copies it. */
  hostNetwork: boolean;
}

/** The pod's hostname: spec.hostname, else its name (the UTS hostname and /etc/hostname). */
// The kubelet's GeneratePodHostNameAndDomain: spec.hostname, else the pod's name cut to 63 characters (a pod name
// may be 253) without a trailing '-' or '.' (truncatePodHostnameIfNeeded).
export const podHostname = (pod: Obj): string => {
  const name = (typeof pod.spec?.hostname === 'string' && pod.spec.hostname) || String(pod.metadata?.name);
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, '');
};

/** A kind node's /etc/hosts (Docker writes it): what a hostNetwork pod gets, with its hostAliases. */
export function nodeHostsFile(pod: Obj, node: string, address: string): string {
  return '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n' +
    `ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n${address}\t${node}\n` + aliases(pod);
}

const aliases = (pod: Obj) => {
  const list: Obj[] = Array.isArray(pod.spec?.hostAliases) ? pod.spec.hostAliases : [];
  return list.length ? `\n# Entries added by HostAliases.\n${list.map((a) => `${a.ip}\t${(Array.isArray(a.hostnames) ? a.hostnames : []).join('\t')}\n`).join('')}` : '';
};

/** kubelet_pods.go managedHostsFileContent, for a pod with its own network. */
export function hostsFile(pod: Obj, hostname: string, podIP: string): string {
  let out =
    '# Kubernetes-managed hosts file.\n' +
    '127.0.0.1\tlocalhost\n' +
    '::1\tlocalhost ip6-localhost ip6-loopback\n' +
    'fe00::0\tip6-localnet\n' +
    'fe00::0\tip6-mcastprefix\n' +
    'fe00::1\tip6-allnodes\n' +
    'fe00::2\tip6-allrouters\n';
  const sub = typeof pod.spec?.subdomain === 'string' && pod.spec.subdomain;
  out += sub ? `${podIP}\t${hostname}.${sub}.${pod.metadata?.namespace}.svc.cluster.local\t${hostname}\n` : `${podIP}\t${hostname}\n`;
  return out + aliases(pod);
}

/** resolv.conf as the kubelet makes it on kind (cluster DNS 10.96.0.10, cluster.local), with dnsPolicy/dnsConfig. */
export function resolvConf(pod: Obj): string {
  const ns = String(pod.metadata?.namespace ?? 'default');
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const cfg: Obj = pod.spec?.dnsConfig ?? {};
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
    servers = ['10.96.0.10'];
    searches = [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'];
    options = ['ndots:5'];
  } else if (policy === 'Default') {
    // kind's nodes resolve through Docker's embedded DNS.
    servers = ['172.18.0.1'];
  }
  servers = [...servers, ...(cfg.nameservers ?? [])];
  searches = [...searches, ...(cfg.searches ?? [])];
  for (const o of cfg.options ?? []) {
    const opt = o.value !== undefined && o.value !== null ? `${o.name}:${o.value}` : String(o.name);
    options = [...options.filter((x) => x.split(':')[0] !== o.name), opt];
  }
  return [
    ...(searches.length ? [`search ${searches.join(' ')}`] : []),
    ...servers.map((s) => `nameserver ${s}`),
    ...(options.length ? [`options ${options.join(' ')}`] : []),
  ].join('\n') + '\n';
}

export function imageRootfs(image: Image, pod: Obj, ctx: PodContext): Rootfs {
  const rootfs: Rootfs = {
    host: [...BASE.host],
    layers: [...BASE.layers],
    dirs: [...BASE.dirs, ...image.dirs],
    files: [
      // The kubelet's: mounts of their own, writable (for root) even with readOnlyRootFilesystem.
      { path: '/etc/hostname', content: `${ctx.hostname}\n`, mode: 0o644, ownMount: true },
      { path: '/etc/hosts', content: ctx.hostNetwork ? nodeHostsFile(pod, ctx.hostname, ctx.podIP) : hostsFile(pod, ctx.hostname, ctx.podIP), mode: 0o644, ownMount: true },
      { path: '/etc/resolv.conf', content: resolvConf(pod), mode: 0o644, ownMount: true },
      { path: '/etc/passwd', content: image.passwd, mode: 0o644 },
      { path: '/etc/group', content: image.group, mode: 0o644 },
    ],
    symlinks: [],
    binds: [],
  };
  for (const f of [...BASE.files, ...image.files]) {
    if ('text' in f.from) rootfs.files.push({ path: f.path, content: f.from.text, mode: f.from.mode });
    else {
      const src = sourcePath(f.from, ctx);
      if (src) rootfs.binds.push({ path: f.path, source: src });
    }
  }
  return rootfs;
}
