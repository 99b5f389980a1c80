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

  it('names the address of `lab up --listen` too: an IP SAN for an address, a DNS SAN for a name', async () => {
    const v4 = new X509Certificate((await generateCerts(['127.0.0.2'])).cert);
    expect(v4.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, DNS:kubernetes, IP Address:127.0.0.2');
    expect(v4.checkIP('127.0.0.2')).toBe('127.0.0.2');
    const v6 = new X509Certificate((await generateCerts(['2001:db8::5'])).cert);
    expect(v6.checkIP('2001:db8::5')).toBe('2001:db8::5');
    expect(v6.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const name = new X509Certificate((await generateCerts(['teacher.example.org'])).cert);
    expect(name.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, DNS:kubernetes, DNS:teacher.example.org');
    expect(name.checkHost('teacher.example.org')).toBe('teacher.example.org');
    expect(name.checkHost('other.example.org')).toBeUndefined();
    // The defaults are not named twice.
    expect(new X509Certificate((await generateCerts(['127.0.0.1', 'localhost'])).cert).subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, DNS:kubernetes');
    made.push(...spy.mock.results.map((r) => r.value as string).filter((d) => !made.includes(d)));
  });

  it('works in a temporary directory it removes', () => {
    expect(made).toHaveLength(5);
    expect(new Set(made).size).toBe(made.length);
    for (const dir of made) {
      expect(dir).toMatch(/kiada-certs-/);
      expect(fs.existsSync(dir)).toBe(false);
    }
  });
});
