import { describe, it, expect } from 'vitest';
import { loadConfig, resolveBind, ConfigError, HelpRequested, USAGE } from '../src/config.ts';

const nics = {
  lo: [{ address: '127.0.0.1', family: 'IPv4' }, { address: '::1', family: 'IPv6' }],
  eth0: [{ address: '10.244.2.4', family: 'IPv4' }, { address: 'fe80::1', family: 'IPv6' }],
} as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;

describe('config', () => {
  it('defaults to port 8080 on every interface, dual-stack', () => {
    const c = loadConfig([], {});
    expect(c.port).toBe(8080);
    expect(c.addresses).toEqual(['::']);
  });
  it('takes flags over env', () => {
    expect(loadConfig(['--port', '9090'], { PORT: '7070' }).port).toBe(9090);
    expect(loadConfig([], { PORT: '7070' }).port).toBe(7070);
    expect(loadConfig([], { KIADA_BIND: 'loopback' }).addresses).toEqual(['127.0.0.1', '::1']);
  });
  it('binds to an interface, a loopback or an address', () => {
    expect(resolveBind('eth0', nics)).toEqual(['10.244.2.4']);
    expect(resolveBind('loopback', nics)).toEqual(['127.0.0.1', '::1']);
    expect(resolveBind('10.1.2.3', nics)).toEqual(['10.1.2.3']);
    expect(resolveBind('all', nics)).toEqual(['::']);
  });
  it('rejects bad input with a clear message', () => {
    expect(() => loadConfig(['--port', 'abc'], {})).toThrow(new ConfigError('invalid port: abc'));
    expect(() => loadConfig(['--port', '70000'], {})).toThrow('invalid port: 70000');
    expect(() => resolveBind('wlan9', nics)).toThrow('--bind wlan9: not "all", "loopback", an interface of this host or an IP address');
    expect(() => loadConfig(['--nope'], {})).toThrow(ConfigError);
    expect(() => loadConfig(['--nope'], {})).not.toThrow(HelpRequested);
    expect(() => loadConfig(['-h'], {})).toThrow(new HelpRequested());
    expect(new HelpRequested().message).toBe(USAGE);
  });
});
