// The API server on the address of `lab up --listen`: one listener per address on one port, discovery telling
// the advertised address, and a listen that fails closing what was already listening. Loopback only; 192.0.2.1
// (TEST-NET-1) is never this machine's, so binding it fails with EADDRNOTAVAIL and nothing is sent.
import { describe, it, expect } from 'vitest';
import https from 'node:https';
import net from 'node:net';
import { createStore } from '../../src/store/index.ts';
import { createApiServer, generateCerts } from '../../src/api/index.ts';

const TOKEN = 'unit-listen-token';
const stub = { kubelet: {} as never, upgrades: (() => {}) as never };

function get(host: string, port: number, ca: string, servername: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    https.get({ host, port, path: '/api', ca, servername, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) })).on('error', reject);
    }).on('error', reject);
  });
}

const refused = (host: string, port: number) =>
  new Promise<string>((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => (s.destroy(), resolve('connected')));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

describe('createApiServer hosts', () => {
  it('listens on each address on the same port, not on 127.0.0.1, and discovery names the advertised address', async () => {
    const tls = await generateCerts(['localhost']);
    const api = await createApiServer({ store: createStore(), token: TOKEN, tls, ...stub, hosts: ['127.0.0.2', '::1'], advertise: 'localhost' });
    try {
      for (const host of ['127.0.0.2', '::1']) {
        const r = await get(host, api.port, tls.ca, 'localhost');
        expect(r.status).toBe(200);
        expect(r.json.serverAddressByClientCIDRs).toEqual([{ clientCIDR: '0.0.0.0/0', serverAddress: `localhost:${api.port}` }]);
      }
      expect(await refused('127.0.0.1', api.port)).toBe('ECONNREFUSED');
    } finally {
      await api.close();
    }
    expect(await refused('127.0.0.2', api.port)).toBe('ECONNREFUSED');
    expect(await refused('::1', api.port)).toBe('ECONNREFUSED');
  });

  it('an IPv6 address is advertised in brackets', async () => {
    const api = await createApiServer({ store: createStore(), token: TOKEN, tls: await generateCerts(['::1']), ...stub, hosts: ['::1'] });
    try {
      const r = await new Promise<any>((resolve, reject) => {
        https.get({ host: '::1', port: api.port, path: '/api', rejectUnauthorized: false, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c)).on('end', () => resolve(JSON.parse(text)));
        }).on('error', reject);
      });
      expect(r.serverAddressByClientCIDRs[0].serverAddress).toBe(`[::1]:${api.port}`);
    } finally {
      await api.close();
    }
  });

  it('a listen that fails rejects with the listen error and leaves no listener behind', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.2', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const failed = createApiServer({ store: createStore(), token: TOKEN, tls: await generateCerts(), ...stub, hosts: ['127.0.0.2', '192.0.2.1'], port });
    await expect(failed).rejects.toMatchObject({ code: 'EADDRNOTAVAIL', syscall: 'listen', address: '192.0.2.1', port });
    expect(await refused('127.0.0.2', port)).toBe('ECONNREFUSED');
  });
});
