// Helpers for test suites (the lab's and the tools') that run a whole lab and drive it with the real kubectl.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { beforeAll, afterAll, expect } from 'vitest';
import { labUp, labDown } from './control.ts';
import { invokingUser } from './invoker.ts';

// What suites and benchmarks look at inside a lab (the package exports only control.ts and this file).
export { readOwner, registryDir } from './registry.ts';
export { processIdentity } from './proc.ts';
export { generateCerts } from './api/certs.ts';
// The image table and the npm closure it ships: test/dockerfile.test.ts keeps them in step with the Dockerfile.
export { IMAGES } from './kubelet/image-table.ts';
export { lockClosure } from './kubelet/npm-closure.ts';

export function prerequisites(): string | null {
  if (process.platform !== 'linux') return 'the lab needs Linux';
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces)';
  for (const cmd of ['kubectl', 'ip', 'nsenter', 'unshare', 'curl']) {
    const found = (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, cmd)));
    if (!found) return `${cmd} is not on the PATH`;
  }
  return null;
}

/** In CI a missing prerequisite is a failure; locally the suite is skipped with a message. */
export function skipUnlessLab(): boolean {
  const missing = prerequisites();
  if (missing && process.env.CI === 'true') throw new Error(`CI must run the lab suites: ${missing}`);
  if (missing) console.warn(`skipping lab suite: ${missing}`);
  return missing !== null;
}

export interface TestLab {
  id: string;
  home: string;
  kubeconfig: string;
  /** The API server's URL and the admin's bearer token, as the kubeconfig gives them (for curl and raw requests). */
  server: string;
  token: string;
  cacheDir: string;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }>;
  spawnKubectl(args: string[]): ChildProcess;
  /** Waits until the pod is Running and Ready (its app answers, when it has a readiness probe); gives the pod. */
  waitReady(name: string, namespace?: string): Promise<any>;
  /** kubectl in a terminal of its own (util-linux `script`) of the given size, as `-t` needs one; `args` are shell words. */
  kubectlInTerminal(cols: number, rows: number, args: string, env?: string): Promise<{ code: number | null; out: string }>;
  down(): Promise<void>;
}

/** A lab id of its own for each test lab: tests never touch a lab they did not start (nor the default "lab"). */
export const randomLabId = (prefix = 't') => `${prefix}${randomBytes(3).toString('hex')}`;

/**
 * A fresh state directory for a test lab, owned by the user the lab works for (under `sudo npm test`, the one who
 * typed sudo), as the lab requires of its state directory.
 */
export function makeTestHome(prefix = 'kiada-test-'): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const who = invokingUser();
  fs.chownSync(home, who.uid, who.gid);
  return home;
}

export async function startTestLab(): Promise<TestLab> {
  const id = randomLabId();
  const home = makeTestHome();
  const cacheDir = path.join(home, 'kubectl-cache');
  let up: Awaited<ReturnType<typeof labUp>>;
  try {
    up = await labUp({ id, home, timeoutMs: 60_000 });
  } catch (err) {
    // A lab that did not come up (its daemon failed, a timeout) leaves neither its state directory nor anything else.
    await labDown({ id, home }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const base = ['--kubeconfig', up.kubeconfig, '--cache-dir', cacheDir];
  const kc = parse(fs.readFileSync(up.kubeconfig, 'utf8'));
  const kubectl: TestLab['kubectl'] = (args, opts = {}) =>
    new Promise((resolve) => {
      const env = opts.env ? { ...process.env, ...opts.env } : process.env;
      const child = execFile('kubectl', [...base, ...args], { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 << 20, env }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      if (opts.input !== undefined) child.stdin!.end(opts.input);
      else child.stdin!.end();
    });
  return {
    id,
    home,
    kubeconfig: up.kubeconfig,
    server: kc.clusters[0].cluster.server,
    token: kc.users[0].user.token,
    cacheDir,
    kubectl,
    spawnKubectl: (args) => spawn('kubectl', [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }),
    waitReady: (name, namespace = 'default') =>
      waitFor(`${namespace}/${name} ready`, async () => {
        const p = JSON.parse((await kubectl(['get', 'pod', name, '-n', namespace, '-o', 'json'])).stdout);
        return p.status?.phase === 'Running' && p.status.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') && p;
      }),
    kubectlInTerminal: (cols, rows, args, env = '') =>
      new Promise((resolve) => {
        const cmd = `stty cols ${cols} rows ${rows}; ${env} kubectl --kubeconfig ${up.kubeconfig} --cache-dir ${cacheDir} ${args}`;
        const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.once('exit', (code) => resolve({ code, out }));
      }),
    down: async () => {
      await labDown({ id, home });
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/**
 * The lab of a describe block (inside `describe.skipIf(skipUnlessLab())`): started before its tests, stopped after
 * them, and then no network namespace of it may be left. The object is filled in by the beforeAll, so the block's
 * own hooks and tests use it as it is; its own afterAll hooks run before the lab stops (vitest runs them in reverse).
 * `env` is set in this process's environment first: the lab's daemon inherits it (e.g. KIADA_LAB_BACKOFF_MS).
 */
export function useTestLab(opts: { env?: Record<string, string> } = {}): TestLab {
  const lab = {} as TestLab;
  let started: TestLab | undefined;
  beforeAll(async () => {
    Object.assign(process.env, opts.env);
    started = await startTestLab();
    Object.assign(lab, started);
  }, 90_000);
  afterAll(async () => {
    if (!started) return;
    await started.down();
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`kiada-${started.id}-`);
  }, 60_000);
  return lab;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const KIADA_POD = `apiVersion: v1
kind: Pod
metadata:
  name: kiada
spec:
  containers:
  - name: kiada
    image: kiada:0.1
    imagePullPolicy: IfNotPresent
    ports:
    - name: http
      containerPort: 8080
    # Ready once it answers: a test that waits for Ready may then talk to it at once.
    readinessProbe:
      httpGet: {path: /readyz, port: http}
      periodSeconds: 1
`;

/**
 * An echo server on port 9000 of the pod (the kiada image has node on its PATH). A connection reset in the middle
 * of an echo (a forward stopped mid-transfer) ends that connection only: unhandled, its error ended the server.
 */
export const ECHO_POD = `apiVersion: v1
kind: Pod
metadata:
  name: echo
spec:
  containers:
  - name: echo
    image: kiada:0.1
    command: ["node", "-e", "require('net').createServer({allowHalfOpen:true},s=>s.on('error',()=>s.destroy()).pipe(s)).listen(9000,()=>console.log('echo up'))"]
    ports:
    - name: echo
      containerPort: 9000
`;
