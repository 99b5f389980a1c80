// `lab up --listen ADDR[:PORT]`: what is accepted (IPv4, IPv6, DNS names; ports 1-65535), the one-line refusal of
// anything else, and the bind check that finds EADDRNOTAVAIL/EADDRINUSE before a lab is made. Loopback and the
// documentation ranges only (192.0.2.0/24, 2001:db8::/32 are never this machine's: binding them fails, nothing is sent).
import { describe, it, expect, vi } from 'vitest';
import dns from 'node:dns/promises';
import net from 'node:net';
import { checkListen, hostPort, listenAddresses, parseListen, serverUrl } from '../../src/listen.ts';
import { LabError } from '../../src/errors.ts';

const refusal = (value: string) => {
  try {
    parseListen(value);
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return (err as Error).message;
  }
  throw new Error(`${value} was accepted`);
};

describe('parseListen', () => {
  it.each([
    ['127.0.0.2', { host: '127.0.0.2', port: 0 }],
    ['127.0.0.2:6443', { host: '127.0.0.2', port: 6443 }],
    ['127.0.0.2:1', { host: '127.0.0.2', port: 1 }],
    ['127.0.0.2:65535', { host: '127.0.0.2', port: 65535 }],
    ['::1', { host: '::1', port: 0 }],
    ['2001:DB8::5', { host: '2001:db8::5', port: 0 }],
    ['[::1]', { host: '::1', port: 0 }],
    ['[2001:db8::5]:6443', { host: '2001:db8::5', port: 6443 }],
    ['::ffff:127.0.0.2', { host: '::ffff:127.0.0.2', port: 0 }],
    ['localhost', { host: 'localhost', port: 0 }],
    ['Teacher.Example.org:443', { host: 'teacher.example.org', port: 443 }],
    ['k8s-1.lab.example', { host: 'k8s-1.lab.example', port: 0 }],
  ])('%s', (value, want) => {
    expect(parseListen(value)).toEqual(want);
  });

  it.each([
    ['300.1.1.1', 'invalid --listen "300.1.1.1": "300.1.1.1" is not a valid IPv4 address'],
    ['127.0.0.02', 'invalid --listen "127.0.0.02": "127.0.0.02" is not a valid IPv4 address'],
    ['1.2.3:80', 'invalid --listen "1.2.3:80": "1.2.3" is not a valid IPv4 address'],
    [':0', 'invalid --listen ":0": no address (ADDR or ADDR:PORT, e.g. 127.0.0.2:6443)'],
    [':6443', 'invalid --listen ":6443": no address (ADDR or ADDR:PORT, e.g. 127.0.0.2:6443)'],
    ['', 'invalid --listen "": no address (ADDR or ADDR:PORT, e.g. 127.0.0.2:6443)'],
    ['127.0.0.2:99999', 'invalid --listen "127.0.0.2:99999": port "99999" is not a number from 1 to 65535'],
    ['127.0.0.2:0', 'invalid --listen "127.0.0.2:0": port "0" is not a number from 1 to 65535'],
    ['127.0.0.2:', 'invalid --listen "127.0.0.2:": port "" is not a number from 1 to 65535'],
    ['127.0.0.2:http', 'invalid --listen "127.0.0.2:http": port "http" is not a number from 1 to 65535'],
    ['127.0.0.2:-1', 'invalid --listen "127.0.0.2:-1": port "-1" is not a number from 1 to 65535'],
    ['[::1]:70000', 'invalid --listen "[::1]:70000": port "70000" is not a number from 1 to 65535'],
    ['[::1', 'invalid --listen "[::1": an IPv6 address in brackets is [ADDR] or [ADDR]:PORT'],
    ['[127.0.0.2]:80', 'invalid --listen "[127.0.0.2]:80": "127.0.0.2" is not a valid IPv6 address'],
    ['1::2::3', 'invalid --listen "1::2::3": "1::2::3" is not a valid IPv6 address'],
    ['fe80::1%lo', 'invalid --listen "fe80::1%lo": an address with a zone index cannot be named in a certificate'],
    ['a_b.example', 'invalid --listen "a_b.example": "a_b.example" is neither an IP address nor a DNS name'],
    ['-a.example', 'invalid --listen "-a.example": "-a.example" is neither an IP address nor a DNS name'],
    ['a..example', 'invalid --listen "a..example": "a..example" is neither an IP address nor a DNS name'],
    ['example.', 'invalid --listen "example.": "example." is neither an IP address nor a DNS name'],
    [`${'a'.repeat(64)}.example`, `invalid --listen "${'a'.repeat(64)}.example": "${'a'.repeat(64)}.example" is neither an IP address nor a DNS name`],
    ['x;touch /tmp/pwned', 'invalid --listen "x;touch /tmp/pwned": "x;touch /tmp/pwned" is neither an IP address nor a DNS name'],
    ['0.0.0.0:6443', 'invalid --listen "0.0.0.0:6443": give the address clients connect to (it goes into the kubeconfigs and the certificate), not an unspecified one'],
    ['[::]:6443', 'invalid --listen "[::]:6443": give the address clients connect to (it goes into the kubeconfigs and the certificate), not an unspecified one'],
  ])('%j is refused in one line', (value, message) => {
    expect(refusal(value)).toBe(message);
    expect(message).not.toContain('\n');
  });
});

describe('addresses as clients write them', () => {
  it('brackets IPv6 only', () => {
    expect(hostPort('127.0.0.2', 6443)).toBe('127.0.0.2:6443');
    expect(hostPort('::1', 6443)).toBe('[::1]:6443');
    expect(serverUrl('teacher.example.org', 443)).toBe('https://teacher.example.org:443');
    expect(serverUrl('2001:db8::5', 6443)).toBe('https://[2001:db8::5]:6443');
  });
});

describe('checkListen', () => {
  it('accepts an address of this machine, with any port or a free one, and leaves nothing listening', async () => {
    await checkListen({ host: '127.0.0.2', port: 0 });
    const free = await freePort('127.0.0.2');
    await checkListen({ host: '127.0.0.2', port: free });
    // Still free: the check let go of it.
    expect(await canBind('127.0.0.2', free)).toBe(true);
  });

  it('an address that is not this machine\'s: EADDRNOTAVAIL, in one line', async () => {
    await expect(checkListen({ host: '192.0.2.1', port: 6443 })).rejects.toThrow(
      new LabError('cannot listen on 192.0.2.1:6443: 192.0.2.1 is not an address of this machine (EADDRNOTAVAIL)'),
    );
    await expect(checkListen({ host: '2001:db8::5', port: 0 })).rejects.toThrow(
      new LabError('cannot listen on 2001:db8::5: 2001:db8::5 is not an address of this machine (EADDRNOTAVAIL)'),
    );
  });

  it('a port in use: EADDRINUSE, in one line', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.2', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(checkListen({ host: '127.0.0.2', port })).rejects.toThrow(
        new LabError(`cannot listen on 127.0.0.2:${port}: the address is already in use (EADDRINUSE)`),
      );
    } finally {
      taken.close();
    }
  });

  it('a name is bound at each of its addresses; one that does not resolve is refused in one line', async () => {
    expect(await listenAddresses('127.0.0.2')).toEqual(['127.0.0.2']);
    expect(await listenAddresses('localhost')).toContain('127.0.0.1');
    await checkListen({ host: 'localhost', port: 0 });
    // A name that does not resolve, without asking a DNS server: the lookup answers as getaddrinfo would.
    const lookup = vi.spyOn(dns, 'lookup').mockRejectedValueOnce(Object.assign(new Error('getaddrinfo ENOTFOUND kiada-nowhere.invalid'), { code: 'ENOTFOUND' }));
    try {
      await expect(checkListen({ host: 'kiada-nowhere.invalid', port: 0 })).rejects.toThrow(new LabError('cannot listen on kiada-nowhere.invalid: the name does not resolve (ENOTFOUND)'));
    } finally {
      lookup.mockRestore();
    }
  });
});

function freePort(host: string): Promise<number> {
  const s = net.createServer();
  return new Promise((resolve) => s.listen(0, host, () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  }));
}

function canBind(host: string, port: number): Promise<boolean> {
  const s = net.createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}
