// Providers and small parts, without a cluster: the exact command lines they run, via fake executables
// that record their arguments and answer like the real ones.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { KubeConfig, type V1Node } from '@kubernetes/client-node';
import { chooseProvider, PROVIDERS } from '../src/providers/index.ts';
import { validateName, validatePath } from '../src/lib/names.ts';
import { parsePortSpec } from '../src/commands/port-forward.ts';
import { describeError, CliError } from '../src/lib/errors.ts';
import { shellQuote, shellJoin } from '../src/lib/shell.ts';
import { requireIP } from '../src/lib/pods.ts';
import { hostPort } from '../src/providers/curl.ts';
import { curlFromNode } from '../src/commands/curl-from-node.ts';
import type { Ctx } from '../src/lib/context.ts';

const FAKES = path.join(import.meta.dirname, 'fixtures', 'bin');
const node = (name: string, zone?: string): V1Node => ({ metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} } });
const req = (name: string, zone?: string, url = 'http://10.244.1.2:8080/') => ({ node: node(name, zone), nodeName: name, url });
// What the providers read of the context: how the printed kubectl selects the cluster, and the lab id.
const ctx = { kubectl: (...args: string[]) => ['kubectl', ...args], labId: 'lab' } as Ctx;

/** Runs a provider's command with the fakes first on the PATH: what it printed (its argv), what ran, what it gave. */
async function runFake(provider: string, r: ReturnType<typeof req>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-fake-'));
  const log = path.join(dir, 'args');
  const old = { PATH: process.env.PATH, KIADA_FAKE_LOG: process.env.KIADA_FAKE_LOG, KIADA_PWNED: process.env.KIADA_PWNED };
  Object.assign(process.env, { PATH: `${FAKES}:${old.PATH}`, KIADA_FAKE_LOG: log, KIADA_PWNED: path.join(dir, 'pwned') });
  try {
    const command = PROVIDERS[provider].command(ctx, r);
    const res = await command.run();
    const ran = fs.readFileSync(log, 'utf8').split('\n').slice(0, -2);
    return { res, printed: command.argv, ran, pwned: fs.existsSync(path.join(dir, 'pwned')) };
  } finally {
    for (const [k, v] of Object.entries(old)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const KIADA = (url: string) => `Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:10.244.1.1 (URL ${url})\n`;

describe('providers', () => {
  it('are chosen from the context and cluster names', () => {
    expect(chooseProvider('kind-kind', 'kind-kind').name).toBe('kind');
    expect(chooseProvider('minikube', 'minikube').name).toBe('minikube');
    expect(chooseProvider('gke_proj_europe-west1-b_c1', 'gke_proj_europe-west1-b_c1').name).toBe('gke');
    expect(chooseProvider('kiada-lab', 'kiada-lab').name).toBe('lab');
    expect(chooseProvider('prod', 'eks-cluster').name).toBe('generic');
    expect(chooseProvider('kind-kind', 'kind-kind', 'generic').name).toBe('generic');
    expect(() => chooseProvider('x', 'y', 'docker')).toThrow('error: unknown provider "docker": use one of lab, kind, minikube, gke, generic');
  });

  it('kind runs docker exec on the node container', async () => {
    const { res, printed, ran } = await runFake('kind', req('kind-worker2'));
    expect(ran).toEqual(['docker', 'exec', 'kind-worker2', 'curl', '-s', '--max-time', '10', 'http://10.244.1.2:8080/']);
    expect(printed).toEqual(ran);
    expect(res).toEqual({ output: 'Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:10.244.1.1\n', exitCode: 0 });
  });

  it('minikube runs minikube ssh, with -n for the other nodes, and one command line for the node shell', async () => {
    const one = await runFake('minikube', req('minikube'));
    expect(one.ran).toEqual(['minikube', 'ssh', '--', 'curl -s --max-time 10 http://10.244.1.2:8080/']);
    expect(one.printed).toEqual(one.ran);
    expect(one.res).toEqual({ output: KIADA('http://10.244.1.2:8080/'), exitCode: 0 });
    const two = await runFake('minikube', req('minikube-m02'));
    expect(two.ran).toEqual(['minikube', 'ssh', '-n', 'minikube-m02', '--', 'curl -s --max-time 10 http://10.244.1.2:8080/']);
    expect(two.printed).toEqual(two.ran);
  });

  it('gke runs gcloud compute ssh in the node zone with one --command', async () => {
    const { res, printed, ran } = await runFake('gke', req('gke-c1-pool-1-abcd', 'europe-west1-b'));
    expect(ran).toEqual(['gcloud', 'compute', 'ssh', 'gke-c1-pool-1-abcd', '--zone', 'europe-west1-b', '--command', 'curl -s --max-time 10 http://10.244.1.2:8080/']);
    expect(printed).toEqual(ran);
    expect(res).toEqual({ output: KIADA('http://10.244.1.2:8080/'), exitCode: 0 });
    expect(() => PROVIDERS.gke.command(ctx, req('no-zone'))).toThrow('error: node no-zone has no topology.kubernetes.io/zone label; is this a GKE node?');
  });

  // Valid URL paths that are shell syntax: on the node they must reach curl as one word, and run nothing.
  const HOSTILE = ['/$(touch$IFS$KIADA_PWNED)', '/;touch$IFS$KIADA_PWNED', '/?a=1&touch$IFS$KIADA_PWNED', "/it's'$(touch$IFS$KIADA_PWNED)'"];

  it.each(['minikube', 'gke'])('%s: a path full of shell syntax reaches curl on the node as it is, and runs nothing', async (provider) => {
    for (const p of HOSTILE) {
      const url = `http://10.244.1.2:8080${validatePath(p)}`;
      const { res, pwned } = await runFake(provider, req('minikube-m02', 'europe-west1-b', url));
      expect({ p, res, pwned }).toEqual({ p, res: { output: KIADA(url), exitCode: 0 }, pwned: false });
    }
  });

  it('a missing tool is one clear line', async () => {
    const oldPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(PROVIDERS.kind.command(ctx, req('kind-worker')).run()).rejects.toThrow('error: `docker` is not installed or not on the PATH (needed by the kind provider)');
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('generic and lab print the commands they run', () => {
    // The pod the generic provider makes runs the same curl (--max-time included); the lab suite checks the pod.
    expect(shellJoin(PROVIDERS.generic.command(ctx, req('worker-1')).argv)).toBe(
      `kubectl run kiada-node-curl --rm -i --restart=Never --image=curlimages/curl '--overrides={"spec":{"nodeName":"worker-1","hostNetwork":true}}' -- curl -s --max-time 10 http://10.244.1.2:8080/`,
    );
    expect(PROVIDERS.lab.command(ctx, req('kind-worker')).argv).toEqual(['kiada', 'lab', 'node-shell', 'kind-worker', '--', 'curl', '-s', '--max-time', '10', 'http://10.244.1.2:8080/']);
  });

  it('a pod IP that is not an IP address is refused before anything runs', async () => {
    const pod = (podIP: string) => ({ metadata: { name: 'kiada' }, spec: { nodeName: 'gke-n1', containers: [{ name: 'kiada', image: 'kiada:0.1' }] }, status: { phase: 'Running', podIP } });
    expect(requireIP(pod('10.244.1.2'))).toBe('10.244.1.2');
    expect(requireIP(pod('fd00:10:244::5'))).toBe('fd00:10:244::5');
    // What curl is given for the checked IP: an IPv6 address in brackets.
    expect([hostPort('10.244.1.2', 8080), hostPort('fd00:10:244::5', 8080), hostPort('::ffff:10.244.1.2', 80)]).toEqual(['10.244.1.2:8080', '[fd00:10:244::5]:8080', '[::ffff:10.244.1.2]:80']);
    for (const bad of ['10.244.1.2;touch /tmp/x', '$(reboot)', '10.244.1.256', 'localhost']) {
      expect(() => requireIP(pod(bad))).toThrow(`error: pod kiada has an invalid status.podIP ${JSON.stringify(bad)}: not an IP address`);
    }
    // Through the command, the pod read from an API server that says so: nothing printed, no node read, nothing run.
    const calls: string[] = [];
    const server = http.createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(pod("10.0.0.1';touch /tmp/x;'")));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const kc = new KubeConfig();
      const server_ = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      kc.loadFromOptions({ clusters: [{ name: 'c', server: server_, skipTLSVerify: true }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
      const fake = {
        ...ctx, kc, contextName: 'gke_p_z_c', clusterName: 'gke_p_z_c', namespace: 'default',
        connection: async () => ({ server: server_, options: { headers: { Authorization: 'Bearer t' } } }),
        core: { readNode: async () => (calls.push('readNode'), node('gke-n1', 'z')) },
        print: { command: (a: string[]) => calls.push(`print ${a.join(' ')}`), out: () => calls.push('out'), info: () => calls.push('info') },
      } as unknown as Ctx;
      await expect(curlFromNode(fake, 'kiada', {})).rejects.toThrow(`error: pod kiada has an invalid status.podIP "10.0.0.1';touch /tmp/x;'": not an IP address`);
      expect(calls).toEqual(['GET /api/v1/namespaces/default/pods/kiada']);
    } finally {
      server.close();
    }
  });
});

describe('input checks', () => {
  it('refuses hostile names before anything runs', () => {
    for (const bad of ['x;touch /tmp/pwned', '../etc', 'a'.repeat(300), 'UPPER', '-x', '']) expect(() => validateName('pod', bad)).toThrow(CliError);
    expect(validateName('pod', 'kiada')).toBe('kiada');
  });

  it('takes a path that is a URL path (RFC 3986), and nothing else', () => {
    for (const ok of ['/', '/a/b?c=d&e=f', "/it's", '/$(x)', '/%41%7e', '/a:b@c;d=e,f+g!*~']) expect(validatePath(ok)).toBe(ok);
    expect(() => validatePath('x')).toThrow('error: invalid path "x": must start with / and contain only URL characters');
    expect(() => validatePath('/a\nb')).toThrow('error: invalid path "/a\\nb": must start with / and contain only URL characters');
    for (const bad of ['/a b', '/a"b', '/`id`', '/a|b', '/a#b', '/%zz', '/%4', '/<x>', '/a\\b', '/{a}', '/\x1b[2J']) expect(() => validatePath(bad)).toThrow(CliError);
  });

  it('parses port specs like kubectl', () => {
    expect(parsePortSpec('8080')).toEqual({ local: '8080', remote: '8080' });
    expect(parsePortSpec('9000:8080')).toEqual({ local: '9000', remote: '8080' });
    expect(parsePortSpec(':8080')).toEqual({ local: '0', remote: '8080' });
    expect(parsePortSpec('8080:http')).toEqual({ local: '8080', remote: 'http' });
    expect(parsePortSpec('http')).toEqual({ local: '', remote: 'http' });
    expect(() => parsePortSpec('1:2:3')).toThrow('error: invalid port specification "1:2:3"');
  });

  it('words API errors as kubectl does', () => {
    const body = { kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found', code: 404 };
    expect(describeError({ code: 404, body: JSON.stringify(body) })).toBe('Error from server (NotFound): pods "nope" not found');
    expect(describeError({ code: 403, body: { kind: 'Status', reason: 'Forbidden', message: 'pods "kiada" is forbidden: User "x" cannot get resource "pods"' } })).toBe(
      'Error from server (Forbidden): pods "kiada" is forbidden: User "x" cannot get resource "pods"',
    );
    expect(describeError({ message: 'fetch failed', cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } })).toBe(
      'Unable to connect to the server: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('quotes commands so they can be pasted, and a shell gives back exactly the words', () => {
    expect(shellJoin(['kubectl', 'get', 'pod', 'kiada', '-o', 'jsonpath={.status.podIP}'])).toBe('kubectl get pod kiada -o jsonpath={.status.podIP}');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    // Globs and brace expansion are not plain words.
    expect(shellJoin(['jsonpath={.spec.containers[*].ports}', '{a,b}', '{1..3}', '~', '*', '=x'])).toBe(`'jsonpath={.spec.containers[*].ports}' '{a,b}' '{1..3}' '~' '*' '=x'`);
    const words = ['plain', '', ' ', "'", "''", '"', '$(id)', '`id`', '$HOME', 'a;b', 'a&b', 'a|b', '\\', '!', '#x', 'a\nb', '{a,b}', '[ab]', '*', '~', 'é'];
    for (const sh of ['sh', 'bash', 'zsh'].filter((s) => fs.existsSync(`/bin/${s}`) || fs.existsSync(`/usr/bin/${s}`))) {
      const out = execFileSync(sh, ['-c', `for w in ${shellJoin(words)}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8', cwd: os.tmpdir() });
      expect({ sh, words: out.split('\0').slice(0, -1) }).toEqual({ sh, words });
    }
  });
});
