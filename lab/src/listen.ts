// Where the lab's API server listens: `kiada lab up --listen ADDR[:PORT]`, as kind's networking.apiServerAddress
// and apiServerPort — the API is served on that address only, the kubeconfigs point there and the serving
// certificate names it. ADDR is an IPv4 or IPv6 literal (`[v6]:PORT` with a port) or a DNS name; without a port
// the kernel picks a free one. Checked here before anything is made; a bind that cannot succeed is found by
// binding once (EADDRNOTAVAIL, EADDRINUSE), not by a half-started lab.
import dns from 'node:dns/promises';
import net from 'node:net';
import { LabError } from './errors.ts';

export const DEFAULT_HOST = '127.0.0.1';

export interface Listen {
  /** An IP literal (IPv6 without brackets) or a lower-case DNS name. */
  host: string;
  /** 1-65535, or 0: any free port. */
  port: number;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const EXAMPLE = 'ADDR or ADDR:PORT, e.g. 127.0.0.2:6443';

/** `ADDR[:PORT]` → { host, port }, or a LabError in one line (`invalid --listen "…": …`). */
export function parseListen(value: string): Listen {
  const bad = (why: string) => new LabError(`invalid --listen "${value}": ${why}`);
  let host = value;
  let port: string | undefined;
  if (value.startsWith('[')) {
    // [v6] or [v6]:PORT, as in a URL
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(value);
    if (!m) throw bad(`an IPv6 address in brackets is [ADDR] or [ADDR]:PORT`);
    host = m[1];
    port = m[2];
    if (!net.isIPv6(host)) throw bad(`"${host}" is not a valid IPv6 address`);
  } else if (value.indexOf(':') === value.lastIndexOf(':') && value.includes(':')) {
    // One colon: ADDR:PORT. More than one: an IPv6 literal without a port (write [ADDR]:PORT to give one).
    [host, port] = value.split(':');
  }
  if (host === '') throw bad(`no address (${EXAMPLE})`);
  let portNumber = 0;
  if (port !== undefined) {
    portNumber = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(portNumber >= 1 && portNumber <= 65535)) throw bad(`port "${port}" is not a number from 1 to 65535`);
  }
  if (host.includes('%')) throw bad('an address with a zone index cannot be named in a certificate');
  const family = net.isIP(host);
  if (family === 0) {
    const name = host.toLowerCase();
    const labels = name.split('.');
    // A name whose last label is a number is an IPv4 address that is not one (300.1.1.1), as URLs treat it.
    if (/^\d+$/.test(labels[labels.length - 1])) throw bad(`"${host}" is not a valid IPv4 address`);
    if (value.split(':').length > 2) throw bad(`"${host}" is not a valid IPv6 address`);
    if (name.length > 253 || !labels.every((l) => LABEL.test(l))) throw bad(`"${host}" is neither an IP address nor a DNS name`);
    return { host: name, port: portNumber };
  }
  // 0.0.0.0 or :: would listen everywhere, but a kubeconfig and a certificate need the one address clients use.
  if (host === '0.0.0.0' || net.isIPv6(host) && /^[0:]+$/.test(host)) {
    throw bad('give the address clients connect to (it goes into the kubeconfigs and the certificate), not an unspecified one');
  }
  return { host: family === 6 ? host.toLowerCase() : host, port: portNumber };
}

/** host:port as a URL and kube-apiserver write it: [v6]:port (a host with a colon is an IPv6 literal: a DNS name has none). */
export const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
export const serverUrl = (host: string, port: number) => `https://${hostPort(host, port)}`;

/** What to bind: the address itself, or every address the name resolves to (as a server given a name would). */
export async function listenAddresses(host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  try {
    const found = await dns.lookup(host, { all: true });
    return [...new Set(found.map((a) => a.address))];
  } catch (err) {
    throw new LabError(`cannot listen on ${host}: the name does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The one-line reason a listen on `address` (of the name `name`, if one was given) failed. */
export function listenError(address: string, port: number, err: unknown, name?: string): LabError {
  const e = err as NodeJS.ErrnoException;
  const at = port ? hostPort(address, port) : address;
  const why =
    e.code === 'EADDRNOTAVAIL' ? `${address} is not an address of this machine (EADDRNOTAVAIL)`
    : e.code === 'EADDRINUSE' ? 'the address is already in use (EADDRINUSE)'
    : e.code === 'EACCES' ? 'permission denied (EACCES)'
    : e.message;
  return new LabError(`cannot listen on ${name && name !== address ? `${name} (${at})` : at}: ${why}`);
}

/**
 * Binds each address of `host` once and lets go: a lab that could not listen is refused before it makes a
 * namespace, a process or a registry entry.
 */
export async function checkListen(l: Listen): Promise<void> {
  for (const address of await listenAddresses(l.host)) {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(listenError(address, l.port, err, l.host)));
      server.listen({ host: address, port: l.port, exclusive: true }, () => server.close(() => resolve()));
    });
  }
}
