// The lab's CA and serving certificate (openssl, as kind's kubeadm makes them): an EC P-256 CA, a server
// certificate it signed for 127.0.0.1/localhost/kubernetes with serverAuth, and no key left on disk.
import { describe, it, expect, vi, afterAll } from 'vitest';
import fs from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { generateCerts } from '../../src/api/certs.ts';

describe('generateCerts', () => {
  const made: string[] = [];
  const spy = vi.spyOn(fs, 'mkdtempSync');
  afterAll(() => spy.mockRestore());

  it('makes a CA and a serving certificate it signed, for the addresses kubectl connects to', async () => {
    const { ca, cert, key } = await generateCerts();
    made.push(...spy.mock.results.map((r) => r.value as string));
    const caCert = new X509Certificate(ca);
    const server = new X509Certificate(cert);
    expect(caCert.subject).toBe('CN=kiada-lab-ca');
    expect(caCert.ca).toBe(true);
    expect(server.subject).toBe('CN=kube-apiserver');
    expect(server.ca).toBe(false);
    expect(server.checkIssued(caCert)).toBe(true);
    expect(server.verify(caCert.publicKey)).toBe(true);
    expect(server.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, DNS:kubernetes');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('10.244.0.1')).toBeUndefined();
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extendedKeyUsage serverAuth
    expect(server.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(server.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // Ten years, as the lab is meant to be started and stopped, not rotated.
    const days = (Date.parse(server.validTo) - Date.parse(server.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(3650);
  });

  it('works in a temporary directory it removes', () => {
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/kiada-certs-/);
    expect(fs.existsSync(made[0])).toBe(false);
  });
});
