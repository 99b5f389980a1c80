// The kubeconfig read without client-node (lib/kubeconfig.ts, lib/kubeconfig-yaml.ts) against client-node's own
// reading of the same files: for the shapes it takes, the same server, TLS options and headers that
// applyToHTTPSOptions gives, the same context, cluster and namespace; for all others, undefined (then client-node
// reads it). And its YAML against js-yaml's load(), the parser client-node uses.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { readKubeconfig } from '../src/lib/kubeconfig.ts';
import { parseKubeconfigYaml, UnsupportedYaml } from '../src/lib/kubeconfig-yaml.ts';
import { createApiCtx } from '../src/lib/context.ts';

// js-yaml as client-node resolves it.
const jsYaml = createRequire(createRequire(import.meta.url).resolve('@kubernetes/client-node'))('js-yaml') as { load(s: string): unknown; dump(o: unknown): string };

let tmp: string;
let cwd: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-kubeconfig-'));
  cwd = process.cwd();
  process.chdir(tmp); // token-file is read from the working directory, as client-node reads it
});
afterAll(() => {
  process.chdir(cwd);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** What client-node makes of these files — as lib/context.ts loads them — for one request; undefined if it throws. */
async function clientNode(files: string[], context?: string) {
  const kc = new KubeConfig();
  const saved = process.env.KUBECONFIG;
  try {
    process.env.KUBECONFIG = files.join(path.delimiter);
    kc.loadFromDefault(undefined, true);
    if (context) kc.setCurrentContext(context);
    const current = kc.getContextObject(kc.getCurrentContext());
    const options: Record<string, unknown> = {};
    await kc.applyToHTTPSOptions(options);
    delete options.agent;
    return { contextName: kc.getCurrentContext(), clusterName: current?.cluster, namespace: current?.namespace, connection: { server: kc.getCurrentCluster()?.server, options } };
  } catch (err) {
    return `throws: ${(err as Error).message}`;
  } finally {
    process.env.KUBECONFIG = saved;
  }
}

const kubeconfig = (clusters: string, users: string, contexts: string, current = 'c') =>
  `apiVersion: v1\nkind: Config\nclusters:\n${clusters}\nusers:\n${users}\ncontexts:\n${contexts}\ncurrent-context: ${current}\npreferences: {}\n`;

describe('a kubeconfig client-node need not read', () => {
  // Each: files (name → text; @DIR@ is their directory, @SLUG@ its name in the working directory), the context flag.
  const SHAPES: [string, Record<string, string>, string?][] = [
    ['a token and CA data (the lab)', {
      config: kubeconfig(`  - name: kiada-lab\n    cluster:\n      server: https://127.0.0.1:41787\n      certificate-authority-data: ${b64(CA)}`,
        '  - name: kiada-lab\n    user:\n      token: 62d058b64d78f0e3aeb80eefe0e1cfdb72fbc495c2ddc4cf', '  - name: c\n    context:\n      cluster: kiada-lab\n      user: kiada-lab\n      namespace: default'),
    }],
    ['client certificate and key data, sequences at the indentation of their key (kind)', {
      config: `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ${b64(CA)}\n    server: https://127.0.0.1:33445\n  name: kind-kind\ncontexts:\n- context:\n    cluster: kind-kind\n    user: kind-kind\n  name: kind-kind\ncurrent-context: kind-kind\nkind: Config\nusers:\n- name: kind-kind\n  user:\n    client-certificate-data: ${b64('cert')}\n    client-key-data: ${b64('key')}\n`,
    }],
    ['certificate files relative to the kubeconfig, extensions (minikube)', {
      'mk/ca.crt': CA, 'mk/profiles/minikube/client.crt': 'cert', 'mk/profiles/minikube/client.key': 'key',
      'mk/config': `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority: ca.crt\n    extensions:\n    - extension:\n        last-update: Mon, 01 Jan 2024 10:00:00 UTC\n        provider: minikube.sigs.k8s.io\n        version: v1.32.0\n      name: cluster_info\n    server: https://192.168.49.2:8443\n  name: minikube\ncontexts:\n- context:\n    cluster: minikube\n    extensions:\n    - extension:\n        provider: minikube.sigs.k8s.io\n      name: context_info\n    namespace: default\n    user: minikube\n  name: minikube\ncurrent-context: minikube\nkind: Config\npreferences: {}\nusers:\n- name: minikube\n  user:\n    client-certificate: profiles/minikube/client.crt\n    client-key: @DIR@/mk/profiles/minikube/client.key\n`,
    }],
    ['insecure-skip-tls-verify and tls-server-name, no CA', {
      config: kubeconfig('- name: c\n  cluster:\n    server: https://10.0.0.1:6443/\n    insecure-skip-tls-verify: true\n    tls-server-name: api.example', '- name: u\n  user:\n    token: "t0k\\u0065n"', "- name: c\n  context: {cluster: c, user: u}".replace('{cluster: c, user: u}', '\n    cluster: c\n    user: u')),
    }],
    ['plain http with insecure-skip-tls-verify', {
      config: kubeconfig('- name: c\n  cluster:\n    server: http://127.0.0.1:8080\n    insecure-skip-tls-verify: true', '- name: u\n  user:\n    token: abc', '- name: c\n  context:\n    cluster: c\n    user: u'),
    }],
    ['a token-file (read from the working directory), a user without credentials elsewhere', {
      'token.txt': 'from-a-file',
      config: kubeconfig('- name: c\n  cluster:\n    server: https://h:1', "- name: u\n  user:\n    token-file: @SLUG@/token.txt\n- name: nobody\n  user: {}", '- name: c\n  context:\n    cluster: c\n    user: u'),
    }],
    ['several files in KUBECONFIG: the first one\'s current-context, contexts, clusters and users from all', {
      a: 'apiVersion: v1\nkind: Config\ncurrent-context: second\ncontexts:\n- name: first\n  context:\n    cluster: one\n    user: one\n',
      b: `# the second file\n---\napiVersion: v1\nkind: Config\ncurrent-context: first\nclusters:\n- name: one\n  cluster:\n    server: https://one:443\n- name: two\n  cluster:\n    server: 'https://two:443'\n    certificate-authority-data: ${b64(CA)}\nusers:\n- name: one\n  user:\n    token: one\n- name: two\n  user:\n    token: two  # a comment\ncontexts:\n- name: second\n  context:\n    cluster: two\n    user: two\n    namespace: "ns-2"\n`,
    }],
    ['a context given by flag', {
      config: kubeconfig('- name: c\n  cluster:\n    server: https://h:1\n- name: d\n  cluster:\n    server: https://d:2', '- name: u\n  user:\n    token: abc', '- name: c\n  context:\n    cluster: c\n    user: u\n- name: other\n  context:\n    cluster: d\n    user: u\n    namespace: elsewhere'),
    }, 'other'],
    ['CRLF line ends, a byte-order mark, quoted keys and comments', {
      config: '\ufeff' + kubeconfig("- name: c # the cluster\n  'cluster':\n    server: https://h:1", '- name: u\n  "user":\n    token: "a # not a comment"', '- name: c\n  context:\n    cluster: c\n    user: u\n    namespace: \'it\'\'s\'').replaceAll('\n', '\r\n'),
    }],
  ];

  for (const [name, files, context] of SHAPES) {
    it(name, async () => {
      const slug = name.replace(/\W+/g, '-');
      const dir = path.join(tmp, slug);
      const paths = Object.entries(files).map(([f, text]) => write(`${slug}/${f}`, text.replaceAll('@DIR@', dir).replaceAll('@SLUG@', slug)));
      const configs = paths.filter((f) => !/\.(crt|key|txt)$/.test(f));
      const expected = await clientNode(configs, context);
      expect(typeof expected).toBe('object');
      expect(readKubeconfig(configs, context)).toEqual(expected);
    });
  }
});

describe('a kubeconfig left to client-node', () => {
  const cluster = '- name: c\n  cluster:\n    server: https://h:1';
  const context = '- name: c\n  context:\n    cluster: c\n    user: u';
  const CASES: [string, string][] = [
    ['an exec plugin', kubeconfig(cluster, '- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: gke-gcloud-auth-plugin', context)],
    ['an auth-provider', kubeconfig(cluster, '- name: u\n  user:\n    auth-provider:\n      name: oidc\n      config:\n        id-token: x', context)],
    ['basic auth', kubeconfig(cluster, '- name: u\n  user:\n    username: admin\n    password: secret', context)],
    ['impersonation', kubeconfig(cluster, '- name: u\n  user:\n    token: a\n    as: someone', context)],
    ['a proxy', kubeconfig(`${cluster}\n    proxy-url: http://proxy:3128`, '- name: u\n  user:\n    token: a', context)],
    ['plain http without insecure-skip-tls-verify', kubeconfig('- name: c\n  cluster:\n    server: http://h:1', '- name: u\n  user:\n    token: a', context)],
    ['no such current context', kubeconfig(cluster, '- name: u\n  user:\n    token: a', context, 'gone')],
    ['no such user', kubeconfig(cluster, '- name: v\n  user:\n    token: a', context)],
    ['a cluster without server', kubeconfig('- name: c\n  cluster:\n    certificate-authority-data: x', '- name: u\n  user:\n    token: a', context)],
    ['flow style (JSON)', JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://h:1' } }], users: [{ name: 'u', user: { token: 'a' } }], contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }], 'current-context': 'c' })],
    ['an anchor', kubeconfig(cluster, '- name: u\n  user: &u\n    token: a', context)],
    ['a number', kubeconfig(cluster, '- name: u\n  user:\n    token: 12345', context)],
    ['a block scalar', kubeconfig(cluster, '- name: u\n  user:\n    token: |\n      abc', context)],
    ['a token-file that is missing', kubeconfig(cluster, '- name: u\n  user:\n    token-file: /nonexistent/token', context)],
    ['an empty file', ''],
  ];
  for (const [name, text] of CASES) {
    it(name, () => {
      expect(readKubeconfig([write(`fallback/${name.replace(/\W+/g, '-')}`, text)])).toBeUndefined();
    });
  }

  it('a name in two files (client-node throws)', async () => {
    const a = write('dup/a', kubeconfig(cluster, '- name: u\n  user:\n    token: a', context));
    const b = write('dup/b', kubeconfig(cluster, '- name: w\n  user:\n    token: b', '- name: d\n  context:\n    cluster: c\n    user: w'));
    expect(await clientNode([a, b])).toBe('throws: Duplicate cluster: c');
    expect(readKubeconfig([a, b])).toBeUndefined();
  });

  it('createApiCtx: the fast read when it can, else client-node (a Ctx with its KubeConfig)', async () => {
    const fast = write('ctx/fast', kubeconfig(cluster, '- name: u\n  user:\n    token: a', context));
    const exec = write('ctx/exec', kubeconfig(cluster, '- name: u\n  user:\n    exec:\n      command: echo', context));
    expect('kc' in (await createApiCtx({ kubeconfig: fast }))).toBe(false);
    expect('kc' in (await createApiCtx({ kubeconfig: exec }))).toBe(true);
  });
});

describe("the kubeconfig's YAML", () => {
  const same = (text: string) => expect(parseKubeconfigYaml(text)).toEqual(jsYaml.load(text));

  it('reads as js-yaml reads it: what kubectl, kind and minikube write, and YAML written by the yaml package and js-yaml', () => {
    const doc = {
      apiVersion: 'v1',
      clusters: [{ name: 'a b', cluster: { server: 'https://[::1]:6443', 'certificate-authority-data': b64(CA), 'insecure-skip-tls-verify': false } }],
      users: [{ name: 'u', user: { token: "it's # \"quoted\": yes", 'client-key': 'C:\\keys\\a.key' } }, { name: 'empty', user: {} }, { name: 'none', user: null }],
      contexts: [{ name: 'c', context: { cluster: 'a b', user: 'u', namespace: '-dash' } }],
      'current-context': 'c',
      list: [[], {}, 'x', null, true],
      unicode: 'héllo ✓',
    };
    same(stringify(doc));
    same(jsYaml.dump(doc));
    same('a:\n  - b: 1x\n    c: d\n  -\n    e: f\n  - g\nh: ~\ni:\nj: "\\t\\x41\\u00e9\\/"\n');
  });

  it('refuses, rather than guesses, what is outside its subset', () => {
    for (const text of ['a: 1', 'a: 0x1f', 'a: 1e3', 'a: .5', 'a: 2001-12-14', 'a: yes', 'a: off', 'a: [1]', 'a: {b: c}', 'a: &x b', 'a: *x', 'a: !!str b', 'a: |\n  b', 'a: >\n  b',
      'a: b\n  c', 'a: "b\n  c"', 'a: b: c', '? a\n: b', 'a: 1\na: 2', '---\na: b\n---\nc: d', '%YAML 1.2\n---\na: b', '- - a', 'a:\n\t- b', '<<: {}', '', '# only a comment']) {
      expect(() => parseKubeconfigYaml(text), text).toThrow(UnsupportedYaml);
    }
  });
});
