// The CLI without a cluster: argument checks, printed commands (dimmed as Node colours, --quiet), kubeconfigs,
// completion, and the errors for a cluster that cannot be reached — through the real bin.
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createPrinter } from '../src/lib/print.ts';
import { withSpinner } from '../src/lib/spinner.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');

function kiada(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Node lets FORCE_COLOR override NO_COLOR (with a warning): only a test that means it sets it.
    const { FORCE_COLOR: _, ...inherited } = process.env;
    execFile(process.execPath, [BIN, ...args], { env: { ...inherited, NO_COLOR: '1', ...env }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function sink(isTTY: boolean) {
  let text = '';
  const s = new Writable({
    write(chunk, _e, cb) {
      text += chunk;
      cb();
    },
  }) as Writable & { isTTY?: boolean };
  s.isTTY = isTTY;
  return { s, text: () => text };
}

/** An API server that answers every request with pod kiada, its IP telling which token asked (b: 10.244.2.2). */
async function fakeApiServer(): Promise<{ url: string; seen: string[]; close(): void }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const token = String(req.headers.authorization).replace('Bearer ', '');
    seen.push(`${token} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'kiada' }, status: { podIP: token === 'b' ? '10.244.2.2' : '10.244.1.1' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen, close: () => server.close() };
}

/** The bin in a terminal of its own (util-linux `script`): everything it wrote there, as bytes. */
function kiadaInTerminal(args: string[], env: Record<string, string>): Promise<string> {
  // Node's colour depth is 2 (none) under CI=true outside the CI services it knows (tty.getColorDepth): a reader's
  // terminal has no CI variable, and that is the terminal this test stands for.
  const { FORCE_COLOR: _, NO_COLOR: __, CI: ___, ...inherited } = process.env;
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) =>
    execFile('script', ['-qec', cmd, '/dev/null'], { env: { ...inherited, TERM: 'xterm', ...env }, timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}

describe('printed commands', () => {
  it('are dimmed as Node colours (util.styleText): on a terminal unless NO_COLOR or TERM=dumb, and with FORCE_COLOR; bytes exact', async () => {
    const api = await fakeApiServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-cli-'));
    try {
      const kc = path.join(dir, 'kubeconfig');
      fs.writeFileSync(kc, `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: a}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n`);
      const line = '$ kubectl get pod kiada -o jsonpath={.status.podIP}';
      const args = ['pod-ip'];
      const env = { KUBECONFIG: kc };
      // On a terminal stdout and stderr meet, with the terminal's CR LF.
      expect(await kiadaInTerminal(args, env)).toBe(`\x1b[2m${line}\x1b[22m\r\n10.244.1.1\r\n`);
      expect(await kiadaInTerminal(args, { ...env, NO_COLOR: '1' })).toBe(`${line}\r\n10.244.1.1\r\n`);
      expect(await kiadaInTerminal(args, { ...env, TERM: 'dumb' })).toBe(`${line}\r\n10.244.1.1\r\n`);
      expect(await kiadaInTerminal([...args, '-q'], env)).toBe('10.244.1.1\r\n');
      // Piped: plain (no NO_COLOR needed), unless FORCE_COLOR asks for colour.
      const { NO_COLOR: _, FORCE_COLOR: __, ...inherited } = process.env;
      expect(await new Promise((resolve) => execFile(process.execPath, [BIN, ...args], { env: { ...inherited, ...env } }, (err, stdout, stderr) => resolve({ err, stdout, stderr }))))
        .toEqual({ err: null, stdout: '10.244.1.1\n', stderr: `${line}\n` });
      expect(await new Promise((resolve) => execFile(process.execPath, [BIN, ...args], { env: { ...inherited, ...env, FORCE_COLOR: '1' } }, (err, stdout, stderr) => resolve({ err, stdout, stderr }))))
        .toEqual({ err: null, stdout: '10.244.1.1\n', stderr: `\x1b[2m${line}\x1b[22m\n` });
    } finally {
      api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are hidden by --quiet; data goes to stdout', () => {
    const err = sink(true);
    const out = sink(false);
    const p = createPrinter({ quiet: true, stderr: err.s, stdout: out.s });
    p.command(['kubectl', 'get', 'pods']);
    p.out('10.244.1.2\n');
    expect(err.text()).toBe('');
    expect(out.text()).toBe('10.244.1.2\n');
    const piped = sink(false);
    createPrinter({ stderr: piped.s }).command(['kubectl', 'get', 'pod', 'a b']);
    expect(piped.text()).toBe("$ kubectl get pod 'a b'\n");
  });
});

describe('the spinner', () => {
  const later = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

  it('spins on a terminal for a long wait and clears its line; never when piped or for a short wait', async () => {
    const saved = process.env.CI;
    delete process.env.CI;
    try {
      const tty = sink(true);
      expect(await withSpinner('waiting for pod x', later(600, 42), tty.s as unknown as NodeJS.WriteStream)).toBe(42);
      expect(tty.text()).toMatch(/^(\r[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for pod x)+\r\x1b\[2K$/);
      const quick = sink(true);
      await withSpinner('waiting', later(50, 0), quick.s as unknown as NodeJS.WriteStream);
      expect(quick.text()).toBe('');
      const piped = sink(false);
      await withSpinner('waiting', later(600, 0), piped.s as unknown as NodeJS.WriteStream);
      expect(piped.text()).toBe('');
    } finally {
      if (saved !== undefined) process.env.CI = saved;
    }
  });
});

describe('the bin without a cluster', () => {
  it('refuses hostile and overlong names before contacting anything', async () => {
    for (const bad of ['x;touch /tmp/pwned', '../etc', 'a'.repeat(300)]) {
      const shown = bad.length > 60 ? `${bad.slice(0, 57)}...` : bad;
      expect(await kiada(['pod-ip', bad, '--kubeconfig', '/nonexistent'])).toEqual({
        code: 1, stdout: '', stderr: `error: invalid pod name "${shown}": must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-', '.'; at most 253 characters)\n`,
      });
    }
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
  });

  it('rejects unknown options and providers as commander does, with exit code 1', async () => {
    const r = await kiada(['curl-from-node', '--provider', 'docker']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: option '--provider <name>' argument 'docker' is invalid. Allowed choices are lab, kind, minikube, gke, generic.\nSee 'kiada --help' for usage.\n");
    expect(await kiada(['nope'])).toEqual({ code: 1, stdout: '', stderr: "error: unknown command 'nope'\nSee 'kiada --help' for usage.\n" });
    expect(await kiada(['pod-ip', '--bogus'])).toEqual({ code: 1, stdout: '', stderr: "error: unknown option '--bogus'\nSee 'kiada --help' for usage.\n" });
    expect(await kiada(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('says when the API server cannot be reached, or the context does not exist', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-cli-'));
    try {
      const kc = path.join(dir, 'kubeconfig');
      fs.writeFileSync(kc, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`);
      const refused = { code: 1, stdout: '', stderr: `Unable to connect to the server: connect ECONNREFUSED 127.0.0.1:${port}\n` };
      expect(await kiada(['pod-ip', '-q', '--kubeconfig', kc])).toEqual(refused);
      // The same through client-node as published, without the install-time bundle.
      expect(await kiada(['pod-ip', '-q', '--kubeconfig', kc], { KIADA_NO_BUNDLE: '1' })).toEqual(refused);
      expect(await kiada(['pod-ip', '--kubeconfig', kc, '--context', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'error: context "nope" does not exist\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads kubeconfigs as kubectl does: every file of $KUBECONFIG merged, --kubeconfig alone, --context', async () => {
    const api = await fakeApiServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-cli-'));
    try {
      // a names as current the context that only b defines; b sets another current-context and a namespace.
      const a = path.join(dir, 'a.yaml');
      const b = path.join(dir, 'b.yaml');
      fs.writeFileSync(a, `apiVersion: v1\nkind: Config\ncurrent-context: cxb\nclusters: [{name: ca, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: ua, user: {token: a}}]\ncontexts: [{name: cxa, context: {cluster: ca, user: ua}}]\n`);
      fs.writeFileSync(b, `apiVersion: v1\nkind: Config\ncurrent-context: cxa\nclusters: [{name: cb, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: ub, user: {token: b}}]\ncontexts: [{name: cxb, context: {cluster: cb, user: ub, namespace: nsb}}]\n`);
      const env = { KUBECONFIG: [a, b].join(':') };
      // kubectl's own choice, for reference: the first file's current-context, defined in the second.
      const kubectl = await new Promise<string>((resolve) => execFile('kubectl', ['config', 'view', '--minify', '-o', 'jsonpath={.contexts[0].name} {.contexts[0].context.namespace}'], { env: { ...process.env, ...env } }, (_e, out) => resolve(out)));
      expect(kubectl).toBe('cxb nsb');
      expect(await kiada(['pod-ip'], env)).toEqual({ code: 0, stdout: '10.244.2.2\n', stderr: '$ kubectl get pod kiada -o jsonpath={.status.podIP}\n' });
      // Files that do not exist are skipped and a file named twice is read once, as kubectl does.
      expect(await kiada(['pod-ip', '-q'], { KUBECONFIG: ['/nonexistent/kubeconfig', a, b, b].join(':') })).toEqual({ code: 0, stdout: '10.244.2.2\n', stderr: '' });
      expect(await kiada(['pod-ip', '--context', 'cxa'], env)).toEqual({ code: 0, stdout: '10.244.1.1\n', stderr: '$ kubectl --context cxa get pod kiada -o jsonpath={.status.podIP}\n' });
      // --kubeconfig is the only file read, whatever $KUBECONFIG says.
      expect(await kiada(['pod-ip', '-q', '--kubeconfig', b], env)).toEqual({ code: 1, stdout: '', stderr: 'error: context "cxa" does not exist\n' });
      expect(await kiada(['pod-ip', '-q', '--kubeconfig', a], env)).toEqual({ code: 1, stdout: '', stderr: 'error: context "cxb" does not exist\n' });
      expect(await kiada(['pod-ip', '-q', '--kubeconfig', b, '--context', 'cxb'], env)).toEqual({ code: 0, stdout: '10.244.2.2\n', stderr: '' });
      expect(api.seen.filter((s) => s.includes('/pods/'))).toEqual(['b /api/v1/namespaces/nsb/pods/kiada', 'b /api/v1/namespaces/nsb/pods/kiada', 'a /api/v1/namespaces/default/pods/kiada', 'b /api/v1/namespaces/nsb/pods/kiada']);
    } finally {
      api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says Forbidden as kubectl does when RBAC refuses (an API server answering 403 as kube-apiserver does)', async () => {
    // RBAC does not run in the lab: this server answers every request the way kube-apiserver refuses one.
    const message = 'pods "kiada" is forbidden: User "system:serviceaccount:default:reader" cannot get resource "pods" in API group "" in the namespace "default"';
    const server = http.createServer((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details: { name: 'kiada', kind: 'pods' }, code: 403 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-cli-'));
    try {
      const kc = path.join(dir, 'kubeconfig');
      const port = (server.address() as net.AddressInfo).port;
      fs.writeFileSync(kc, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`);
      for (const cmd of [['pod-ip'], ['ports'], ['logs'], ['curl-from-pod']]) {
        expect(await kiada([...cmd, '-q', '--kubeconfig', kc])).toEqual({ code: 1, stdout: '', stderr: `Error from server (Forbidden): ${message}\n` });
      }
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a completion script for kiada and kubectl-kiada', async () => {
    const r = await kiada(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('compgen -W "pod-ip ports curl-from-node curl-from-pod port-forward logs exec diagnose trace view tour lab workshop completion"');
    expect(r.stdout).toContain('    workshop) COMPREPLY=( $(compgen -W "up board check reset down" -- "$cur") ) ;;\n');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('complete -F _kiada kiada kubectl-kiada');
    const zsh = await kiada(['completion', 'zsh']);
    expect(zsh.stdout.split('\n')[0]).toBe('autoload -U +X bashcompinit && bashcompinit');
    expect(await kiada(['completion', 'fish'])).toEqual({ code: 1, stdout: '', stderr: 'error: unsupported shell type "fish" (bash or zsh)\n' });
  });
});

describe('the client-node bundle made by npm install', () => {
  it('exists for the installed version, and imports of @kubernetes/client-node load it', async () => {
    const script = path.join(import.meta.dirname, '..', 'scripts', 'bundled.cjs');
    const { clientNodeBundle: bundlePath } = await import('../scripts/bundled.cjs');
    const version = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'node_modules', '@kubernetes', 'client-node', 'package.json'), 'utf8')).version;
    if (!fs.existsSync(bundlePath(version))) {
      // CI installs with `npm ci`, whose prepare step makes it: there, its absence is a failure.
      if (process.env.CI === 'true') throw new Error(`no ${bundlePath(version)}: the root prepare script did not run`);
      console.warn(`skipped: no client-node bundle (run \`npm run prepare\`)`);
      return;
    }
    // In a fresh process: the hook is installed, then the package name resolves to the bundle.
    const probe = `const { useClientNodeBundle, clientNodeBundle: bundlePath } = await import(${JSON.stringify(script)});
      const used = useClientNodeBundle();
      const viaName = await import('@kubernetes/client-node');
      const direct = await import(${JSON.stringify(`file://${bundlePath(version)}`)});
      // ws inside the bundle must still find bufferutil's native masking (bundled, it silently fell back to JavaScript).
      const { createRequire } = await import('node:module');
      const cache = createRequire(import.meta.url).cache;
      const bufferutil = Object.entries(cache).find(([k]) => k.endsWith('/bufferutil/index.js'))?.[1]?.exports;
      console.log(JSON.stringify({ used, same: viaName.KubeConfig === direct.KubeConfig, nativeMask: String(bufferutil?.mask).includes('[native code]') }));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', probe], { cwd: path.join(import.meta.dirname, '..') }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(JSON.parse(out)).toEqual({ used: true, same: true, nativeMask: true });
  });
});

describe('POD defaults to kiada for exec too', () => {
  it('puts kiada before -- when no pod comes first; leaves a given pod and option values alone', async () => {
    const { withDefaultExecPod } = await import('../src/cli.ts');
    expect(withDefaultExecPod(['exec', '--', 'hostname'])).toEqual(['exec', 'kiada', '--', 'hostname']);
    expect(withDefaultExecPod(['exec', '-it', '-c', 'app', '--', 'sh'])).toEqual(['exec', '-it', '-c', 'app', 'kiada', '--', 'sh']);
    expect(withDefaultExecPod(['-n', 'ns', 'exec', '-q', '--', 'sh'])).toEqual(['-n', 'ns', 'exec', '-q', 'kiada', '--', 'sh']);
    expect(withDefaultExecPod(['exec', 'mypod', '--', 'sh'])).toEqual(['exec', 'mypod', '--', 'sh']);
    expect(withDefaultExecPod(['exec', '-c', 'app', 'mypod', '--', 'sh'])).toEqual(['exec', '-c', 'app', 'mypod', '--', 'sh']);
    expect(withDefaultExecPod(['logs', '--', 'x'])).toEqual(['logs', '--', 'x']);
  });
});
