// A CA and a serving certificate for 127.0.0.1/localhost, like kind writes into its kubeconfig, plus the address
// the lab listens on when it is another (`lab up --listen`): an IP SAN for an address, a DNS SAN for a name, as
// kind adds its apiServerAddress to the API server's certSANs.
// openssl (Debian package openssl) does the X.509 work; keys never leave the lab's state directory.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Certs {
  ca: string;
  cert: string;
  key: string;
}

const openssl = (args: string[], cwd: string) =>
  new Promise<void>((resolve, reject) =>
    execFile('openssl', args, { cwd, timeout: 20_000 }, (err, _o, stderr) => (err ? reject(new Error(`openssl ${args[0]} failed: ${stderr || err.message}`)) : resolve())),
  );

const DEFAULT_SANS = ['IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes'];

/** `hosts`: more names for the serving certificate, each an IP literal or a DNS name (already validated). */
/** `workDir`: where openssl's files are made (and removed): the daemon's is root's and goes with `lab down`. */
export async function generateCerts(hosts: string[] = [], workDir = os.tmpdir()): Promise<Certs> {
  const sans = [...DEFAULT_SANS];
  for (const h of hosts) {
    const san = net.isIP(h) ? `IP:${h}` : `DNS:${h}`;
    if (!sans.includes(san)) sans.push(san);
  }
  const dir = fs.mkdtempSync(path.join(workDir, 'kiada-certs-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await Promise.all([
      openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=kiada-lab-ca', '-days', '3650'], dir),
      openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir),
    ]);
    fs.writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\n`);
    await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '3650', '-extfile', 'ext.cnf'], dir);
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    return { ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
