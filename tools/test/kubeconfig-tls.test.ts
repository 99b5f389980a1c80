// The kubeconfig's CA given to Node as the process's default CAs (lib/kubeconfig.ts: caAsDefault) trusts what the
// `ca` option trusts: that CA's server, not another's, not one that only $NODE_EXTRA_CA_CERTS would trust. A file of
// its own: it sets the default CAs of its test process.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import https from 'node:https';
import type net from 'node:net';
import { generateCerts } from '@kiada/lab/testing.ts';
import { caAsDefault, type Connection } from '../src/lib/kubeconfig.ts';

let servers: https.Server[] = [];
let ours: { url: string; ca: string };
let theirs: { url: string; ca: string };
async function serve(): Promise<{ url: string; ca: string }> {
  const c = await generateCerts();
  const server = https.createServer({ cert: c.cert, key: c.key }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, ca: c.ca };
}
beforeAll(async () => {
  ours = await serve();
  theirs = await serve();
});
afterAll(() => servers.forEach((s) => s.close()));

const get = (c: Connection) =>
  new Promise<string>((resolve) => https.get(c.server, { ...c.options, agent: false }, (res) => res.resume().on('end', () => resolve(String(res.statusCode)))).on('error', (e) => resolve((e as { code?: string }).code ?? e.message)));

describe('caAsDefault', () => {
  it('leaves a connection without a PEM CA, or over http, as it is', () => {
    const plain = { server: 'https://h:1', options: { headers: {} } };
    expect(caAsDefault(plain)).toBe(plain);
    const der = { server: 'https://h:1', options: { ca: Buffer.from([0x30, 0x82, 0x01]) } };
    expect(caAsDefault(der)).toBe(der);
    const http = { server: 'http://h:1', options: { ca: Buffer.from(ours.ca) } };
    expect(caAsDefault(http)).toBe(http);
  });

  it('trusts the CA it was given and nothing else, as the ca option does', async () => {
    const both = Buffer.from(`${ours.ca}\n`);
    expect(await get({ server: theirs.url, options: { ca: both } })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(await get({ server: ours.url, options: { ca: both } })).toBe('200');
    const c = caAsDefault({ server: ours.url, options: { ca: both, headers: {} } });
    expect(c.options).toEqual({ headers: {} });
    expect(await get(c)).toBe('200');
    expect(await get({ server: theirs.url, options: {} })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
