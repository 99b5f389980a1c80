// Providers and small parts, without a cluster: the exact command lines they run, via fake executables
// that record their arguments and answer like the real ones.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { V1Node } from '@kubernetes/client-node';
import { chooseProvider, PROVIDERS } from '../src/providers/index.ts';
import { validateName, validatePath } from '../src/lib/names.ts';
import { parsePortSpec } from '../src/commands/port-forward.ts';
import { describeError, CliError } from '../src/lib/errors.ts';
import { shellQuote } from '../src/lib/print.ts';
import type { Ctx } from '../src/lib/context.ts';

const FAKES = path.join(import.meta.dirname, 'fixtures', 'bin');
const node = (name: string, zone?: string): V1Node => ({ metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} } });
const req = (name: string, zone?: string) => ({ node: node(name, zone), nodeName: name, url: 'http://10.244.1.2:8080/' });

async function runFake(provider: string, r: ReturnType<typeof req>) {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-fake-')), 'args');
  const oldPath = process.env.PATH;
  process.env.PATH = `${FAKES}:${oldPath}`;
  process.env.KIADA_FAKE_LOG = log;
  try {
    const res = await PROVIDERS[provider].run({} as Ctx, r);
    return { res, argv: fs.readFileSync(log, 'utf8').split('\n').slice(0, -2) };
  } finally {
    process.env.PATH = oldPath;
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
  }
}

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
    const { res, argv } = await runFake('kind', req('kind-worker2'));
    expect(argv).toEqual(['docker', 'exec', 'kind-worker2', 'curl', '-s', '--max-time', '10', 'http://10.244.1.2:8080/']);
    expect(res).toEqual({ output: 'Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:10.244.1.1\n', exitCode: 0 });
  });

  it('minikube runs minikube ssh, with -n for the other nodes', async () => {
    expect((await runFake('minikube', req('minikube'))).argv).toEqual(['minikube', 'ssh', '--', 'curl', '-s', '--max-time', '10', 'http://10.244.1.2:8080/']);
    expect((await runFake('minikube', req('minikube-m02'))).argv).toEqual(['minikube', 'ssh', '-n', 'minikube-m02', '--', 'curl', '-s', '--max-time', '10', 'http://10.244.1.2:8080/']);
  });

  it('gke runs gcloud compute ssh in the node zone with one quoted --command', async () => {
    const { argv } = await runFake('gke', req('gke-c1-pool-1-abcd', 'europe-west1-b'));
    expect(argv).toEqual(['gcloud', 'compute', 'ssh', 'gke-c1-pool-1-abcd', '--zone', 'europe-west1-b', '--command', "'curl' '-s' '--max-time' '10' 'http://10.244.1.2:8080/'"]);
    await expect(runFake('gke', req('no-zone'))).rejects.toThrow('error: node no-zone has no topology.kubernetes.io/zone label; is this a GKE node?');
  });

  it('a missing tool is one clear line', async () => {
    const oldPath = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(PROVIDERS.kind.run({} as Ctx, req('kind-worker'))).rejects.toThrow('error: `docker` is not installed or not on the PATH (needed by the kind provider)');
    } finally {
      process.env.PATH = oldPath;
    }
  });

  it('generic and lab print the commands they stand for', () => {
    expect(PROVIDERS.generic.argv(req('worker-1')).join(' ')).toBe(
      'kubectl run kiada-node-curl --rm -i --restart=Never --image=curlimages/curl --overrides={"spec":{"nodeName":"worker-1","hostNetwork":true}} -- curl -s http://10.244.1.2:8080/',
    );
    expect(PROVIDERS.lab.argv(req('kind-worker'))).toEqual(['kiada', 'lab', 'node-shell', 'kind-worker', '--', 'curl', '-s', '--max-time', '10', 'http://10.244.1.2:8080/']);
  });
});

describe('input checks', () => {
  it('refuses hostile names before anything runs', () => {
    for (const bad of ['x;touch /tmp/pwned', '../etc', 'a'.repeat(300), 'UPPER', '-x', '']) expect(() => validateName('pod', bad)).toThrow(CliError);
    expect(validateName('pod', 'kiada')).toBe('kiada');
    expect(() => validatePath('x')).toThrow('error: invalid path "x": must start with / and contain only URL characters');
    expect(() => validatePath('/a b')).toThrow(CliError);
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

  it('quotes printed commands so they can be pasted', () => {
    expect(['kubectl', 'get', 'pod', 'kiada', '-o', 'jsonpath={.status.podIP}'].map(shellQuote).join(' ')).toBe('kubectl get pod kiada -o jsonpath={.status.podIP}');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
