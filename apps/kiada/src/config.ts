// Reads the app's settings from flags and environment variables (flags win).
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import os from 'node:os';

export interface Config {
  port: number;
  /** Addresses to listen on; '::' means every interface, IPv4 and IPv6 (dual-stack). */
  addresses: string[];
  hostname: string;
}

export const USAGE = `Usage: kiada [--port N] [--bind all|loopback|<interface>|<address>]

  --port, -p   port to listen on (env PORT, default 8080)
  --bind, -b   where to listen (env KIADA_BIND, default all):
                 all        every interface, dual-stack (::)
                 loopback   127.0.0.1 and ::1 only
                 eth0       the addresses of that interface only (port-forward then fails)
                 10.244.1.2 that address only`;

/** The flags kiada takes (apps/kiada/README.md's table lists exactly these; a test keeps it so). */
export const OPTIONS = {
  port: { type: 'string', short: 'p' },
  bind: { type: 'string', short: 'b' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

/** What a flag falls back to when it is not given: an environment variable, then a default. */
export const FALLBACKS = {
  port: { env: 'PORT', default: '8080' },
  bind: { env: 'KIADA_BIND', default: 'all' },
} as const;

export class ConfigError extends Error {}

/** --help: the usage is printed as an error would be, but the exit code is 0. */
export class HelpRequested extends ConfigError {
  constructor() {
    super(USAGE);
  }
}

/** Turns a --bind value into the list of addresses to listen on. */
export function resolveBind(bind: string, interfaces = os.networkInterfaces()): string[] {
  if (bind === 'all' || bind === '' || bind === '::') return ['::'];
  if (bind === 'loopback' || bind === 'lo') return ['127.0.0.1', '::1'];
  const nic = interfaces[bind];
  if (nic) {
    // Link-local IPv6 needs a scope id to bind; a pod's eth0 is reached on its IPv4/global addresses.
    const addrs = nic.filter((a) => !(a.family === 'IPv6' && a.address.startsWith('fe80:'))).map((a) => a.address);
    if (addrs.length === 0) throw new ConfigError(`interface ${bind} has no address to bind to`);
    return addrs;
  }
  if (/^[0-9.]+$/.test(bind) || bind.includes(':')) return [bind];
  throw new ConfigError(`--bind ${bind}: not "all", "loopback", an interface of this host or an IP address`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65535) throw new ConfigError(`invalid port: ${value}`);
  return port;
}

export function loadConfig(argv = process.argv.slice(2), env = process.env): Config {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (parsed.values.help) throw new HelpRequested();
  const { port: p, bind: b } = FALLBACKS;
  const port = parsePort(parsed.values.port ?? env[p.env] ?? p.default);
  const addresses = resolveBind(parsed.values.bind ?? env[b.env] ?? b.default);
  return { port, addresses, hostname: os.hostname() };
}
