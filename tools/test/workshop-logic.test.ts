// The workshop's pure parts, no cluster needed: student names and durations (with their one-line errors), what each
// student gets, the kubeconfig, login cards, the board's table, and — the heart of it — which exercise a request
// line of kiada's log stands for.
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { CliError } from '../src/lib/errors.ts';
import { studentNames, validateStudentName, parseDuration, byStudentName } from '../src/lib/workshop/students.ts';
import { studentObjects, STUDENT_RULES } from '../src/lib/workshop/manifests.ts';
import { studentKubeconfig } from '../src/lib/workshop/kubeconfig.ts';
import { cardText, cardsText, cardsHtml, type Card } from '../src/lib/workshop/cards.ts';
import { boardLines, newMarks, wrap } from '../src/lib/workshop/board-view.ts';
import { clusterFacts, gatewayOf, marksFrom, mergeMarks, missing, noMarks, parseRequestLog, plainIP, routeOf, type ClusterFacts } from '../src/lib/workshop/exercises.ts';
import { tokenSeconds } from '../src/commands/workshop/up.ts';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return (e as CliError).message;
  }
  throw new Error('accepted');
};

describe('student names', () => {
  it('--students N gives student1…studentN', () => {
    expect(studentNames({ students: '3' })).toEqual(['student1', 'student2', 'student3']);
    expect(studentNames({ students: '30' })).toHaveLength(30);
  });
  it('--names are kept as given, in order', () => {
    expect(studentNames({ names: 'ana,bo,c-3' })).toEqual(['ana', 'bo', 'c-3']);
    expect(studentNames({ names: ' ana , bo ' })).toEqual(['ana', 'bo']);
  });
  it.each([
    [{}, 'error: give either --students N or --names NAME,NAME,…'],
    [{ students: '2', names: 'a' }, 'error: give either --students N or --names NAME,NAME,…'],
    [{ students: '0' }, 'error: invalid --students "0": must be a whole number from 1 to 500'],
    [{ students: '501' }, 'error: invalid --students "501": must be a whole number from 1 to 500'],
    [{ students: '2.5' }, 'error: invalid --students "2.5": must be a whole number from 1 to 500'],
    [{ students: 'x' }, 'error: invalid --students "x": must be a whole number from 1 to 500'],
    [{ names: 'Ana' }, 'error: invalid student name "Ana": must be a lowercase RFC 1123 label (a-z, 0-9, \'-\'; starting and ending with a letter or digit; at most 63 characters)'],
    [{ names: 'ana,,bo' }, 'error: invalid student name "": must be a lowercase RFC 1123 label (a-z, 0-9, \'-\'; starting and ending with a letter or digit; at most 63 characters)'],
    [{ names: 'a.b' }, 'error: invalid student name "a.b": must be a lowercase RFC 1123 label (a-z, 0-9, \'-\'; starting and ending with a letter or digit; at most 63 characters)'],
    [{ names: '-a' }, 'error: invalid student name "-a": must be a lowercase RFC 1123 label (a-z, 0-9, \'-\'; starting and ending with a letter or digit; at most 63 characters)'],
    [{ names: 'x;touch /tmp/pwned' }, 'error: invalid student name "x;touch /tmp/pwned": must be a lowercase RFC 1123 label (a-z, 0-9, \'-\'; starting and ending with a letter or digit; at most 63 characters)'],
    [{ names: 'a'.repeat(64) }, `error: invalid student name "${'a'.repeat(57)}...": must be a lowercase RFC 1123 label (a-z, 0-9, '-'; starting and ending with a letter or digit; at most 63 characters)`],
    [{ names: 'ana,bo,ana' }, 'error: student name "ana" is given twice'],
    [{ names: 'default' }, 'error: invalid student name "default": the cluster uses that namespace itself'],
    [{ names: 'kube-system' }, 'error: invalid student name "kube-system": the cluster uses that namespace itself'],
    [{ names: 'kube-anything' }, 'error: invalid student name "kube-anything": the cluster uses that namespace itself'],
  ])('%j is refused', (flags, message) => {
    expect(refusal(() => studentNames(flags))).toBe(message);
  });
  it('63 characters is the longest name', () => expect(validateStudentName('a'.repeat(63))).toBe('a'.repeat(63)));
  it('students sort with their numbers', () => expect(['student10', 'student2', 'student1', 'ana'].sort(byStudentName)).toEqual(['ana', 'student1', 'student2', 'student10']));
});

describe('durations (--expires, --interval)', () => {
  it.each([['8h', 28800], ['90m', 5400], ['1h30m', 5400], ['3600s', 3600], ['1.5h', 5400], ['500ms', 0.5], ['2h0m10s', 7210]])('%s = %d s', (v, s) => expect(parseDuration('--expires', v)).toBe(s));
  it.each(['', '8', 'h', '8 h', '8hours', '-1h', '1d'])('%j is refused', (v) => {
    expect(refusal(() => parseDuration('--expires', v))).toBe(`error: invalid --expires ${JSON.stringify(v)}: a duration such as 8h, 90m or 1h30m`);
  });
  it('a token lasts from 10 minutes to 2^32 seconds, as TokenRequest allows', () => {
    expect(tokenSeconds('10m')).toBe(600);
    expect(refusal(() => tokenSeconds('9m59s'))).toBe('error: invalid --expires "9m59s": at least 10m (the shortest token the API issues)');
    expect(refusal(() => tokenSeconds('1193047h'))).toBe('error: invalid --expires "1193047h": at most 2^32 seconds');
  });
});

describe('what a student gets', () => {
  const objs = studentObjects('ana', { deploy: true, expires: new Date('2025-03-01T18:00:00.123Z') });
  it('a labelled namespace of their name (Pod Security baseline), with the workshop\'s settings', () => {
    expect(objs.namespace.metadata).toEqual({
      name: 'ana',
      labels: { 'app.kubernetes.io/managed-by': 'kiada-workshop', 'kiada.io/student': 'ana', 'pod-security.kubernetes.io/enforce': 'baseline' },
      annotations: { 'kiada.io/deploy': 'true', 'kiada.io/token-expires': '2025-03-01T18:00:00Z' },
    });
  });
  it('a Role with what chapter 5 needs in their namespace, bound to their service account', () => {
    expect(objs.role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/exec', 'pods/attach', 'pods/portforward'], verbs: ['create', 'get'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
    ]);
    expect(objs.role.rules).toBe(STUDENT_RULES);
    expect(objs.roleBinding).toMatchObject({ metadata: { name: 'student', namespace: 'ana' }, roleRef: { kind: 'Role', name: 'student' }, subjects: [{ kind: 'ServiceAccount', name: 'student', namespace: 'ana' }] });
    expect(objs.serviceAccount.metadata).toMatchObject({ name: 'student', namespace: 'ana' });
  });
  it('a quota, and container defaults so that pods without resources (kubectl run) are admitted', () => {
    expect(objs.resourceQuota.spec).toEqual({ hard: { pods: '10', 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '2', 'limits.memory': '2Gi' } });
    // client-node's name for `default` (what the cluster receives is checked end to end: test/e2e-workshop.test.ts).
    expect(objs.limitRange.spec).toEqual({ limits: [{ type: 'Container', _default: { cpu: '200m', memory: '128Mi' }, defaultRequest: { cpu: '50m', memory: '64Mi' }, max: { cpu: '1', memory: '512Mi' } }] });
  });
  it('a kubeconfig whose context\'s namespace is theirs, with only CA and token', () => {
    const kc = parse(studentKubeconfig({ name: 'ana', namespace: 'ana', token: 'T', cluster: { server: 'https://127.0.0.2:6443', 'certificate-authority-data': 'Q0E=' } }));
    expect(kc).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kiada-workshop', cluster: { server: 'https://127.0.0.2:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'ana', user: { token: 'T' } }],
      contexts: [{ name: 'ana@kiada-workshop', context: { cluster: 'kiada-workshop', user: 'ana', namespace: 'ana' } }],
      'current-context': 'ana@kiada-workshop',
      preferences: {},
    });
  });
});

describe('login cards', () => {
  const card: Card = { name: 'ana', namespace: 'ana', server: 'https://127.0.0.2:6443', kubeconfigFile: 'ana.kubeconfig', expires: new Date('2025-03-01T18:00:00Z'), deployed: false, hostNetwork: true };
  it('text: the commands to start, one page per student', () => {
    expect(cardText(card)).toBe(`kiada workshop — ana

Namespace:  ana
Cluster:    https://127.0.0.2:6443
Valid until 2025-03-01 18:00 UTC

1. Save the file ana.kubeconfig you were given, e.g. as ~/.kube/kiada.yaml
2. export KUBECONFIG=~/.kube/kiada.yaml
   Windows (PowerShell): $env:KUBECONFIG="$HOME\\.kube\\kiada.yaml"
3. kubectl get pods
   Your namespace is ana: every command works there without -n.
4. npm install
   In your copy of the kiada repository (your teacher says where to get it): the commands below run there, as \`npx kiada\` fetches another package elsewhere.
5. kubectl apply -f k8s/pod.kiada.yaml
   Deploys kiada.
6. npx kiada tour
   Or each exercise on its own: kiada curl-from-node, kiada curl-from-pod, kiada port-forward, kiada exec.
`);
    expect(cardText({ ...card, deployed: true })).not.toContain('kubectl apply');
    expect(cardText({ ...card, hostNetwork: false })).toContain('kiada exec. (curl-from-node runs a hostNetwork pod, which your namespace does not allow unless your teacher allows it.)\n');
    expect(cardsText([card, { ...card, name: 'bo' }]).split('\f\n')).toHaveLength(2);
  });
  it('HTML: one printed page per student, everything escaped', () => {
    const html = cardsHtml([card, { ...card, name: 'bo', server: 'https://x/?a=<b>&c' }]);
    expect(html.match(/<section class="card">/g)).toHaveLength(2);
    expect(html).toContain('break-after: page');
    expect(html).toContain('<code>https://x/?a=&#60;b&#62;&#38;c</code>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('$env:KUBECONFIG=&#34;$HOME\\.kube\\kiada.yaml&#34;');
  });
});

// The lab's (and kind's) layout: nodes 172.18.0.2-4, pod CIDRs 10.244.0-2.0/24.
const node = (name: string, address: string, cidr: string): V1Node => ({ metadata: { name }, spec: { podCIDR: cidr, podCIDRs: [cidr] }, status: { addresses: [{ type: 'InternalIP', address }, { type: 'Hostname', address: name }] } });
const NODES = [node('kind-control-plane', '172.18.0.2', '10.244.0.0/24'), node('kind-worker', '172.18.0.3', '10.244.1.0/24'), node('kind-worker2', '172.18.0.4', '10.244.2.0/24')];
const FACTS: ClusterFacts = clusterFacts(NODES);

describe('which exercise a request is', () => {
  it('reads the nodes\' addresses and pod CIDRs', () => {
    expect(FACTS).toEqual({ nodeAddresses: ['172.18.0.2', '172.18.0.3', '172.18.0.4'], podCIDRs: ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24'] });
  });
  it('reads kiada\'s request lines and nothing else', () => {
    const log = [
      'Kiada - Kubernetes in Action Demo Application',
      '---------------------------------------------',
      'Kiada 0.1 starting...',
      'Local hostname is kiada',
      'Listening on port 8080',
      'Received request for / from ::ffff:10.244.1.1',
      'Received request for /path?q=1 from ::1',
      '2025-03-01T10:00:00.000000000Z Received request for / from ::ffff:127.0.0.1',
      'Received request for / from',
      '',
    ].join('\n');
    expect(parseRequestLog(log)).toEqual([
      { path: '/', client: '::ffff:10.244.1.1' },
      { path: '/path?q=1', client: '::1' },
      { path: '/', client: '::ffff:127.0.0.1' },
    ]);
  });
  it('first address of a CIDR (IPv4 and IPv6)', () => {
    expect(['10.244.1.0/24', '10.244.1.77/24', '10.0.0.0/8', 'fd00:10:244:1::/64', 'fd00::/8', 'x/24', '10.0.0.0/32', '10.0.0.0'].map(gatewayOf)).toEqual(['10.244.1.1', '10.244.1.1', '10.0.0.1', 'fd00:10:244:1::1', 'fd00::1', null, null, null]);
    expect(plainIP('::FFFF:10.1.2.3')).toBe('10.1.2.3');
  });
  it.each([
    ['::ffff:10.244.1.1', 'curl-from-node'], // the book's: the node's bridge, from the node hosting the pod
    ['::ffff:10.244.2.1', 'curl-from-node'], // another node's bridge (a pod on kind-worker2 curled from there)
    ['::ffff:172.18.0.3', 'curl-from-node'], // a node's own address: from another node, or a NodePort
    ['::ffff:10.244.2.7', 'curl-from-pod'],
    ['::ffff:10.244.1.9', 'curl-from-pod'],
    ['::ffff:127.0.0.1', 'port-forward'],
    ['127.0.0.1', 'port-forward'],
    ['::1', 'exec'],
    ['::ffff:10.244.1.4', 'exec'], // the kiada pod's own IP: curl from inside it, by its address
    ['::ffff:192.168.1.20', null], // from outside the cluster
    ['garbage', null],
  ])('%s → %s', (client, route) => {
    expect(routeOf(client, FACTS, ['10.244.1.4'])).toBe(route);
  });
  it('without pod CIDRs (a CNI that sets none) any other address counts as a pod\'s', () => {
    expect(routeOf('::ffff:192.168.7.7', { nodeAddresses: ['10.0.0.5'], podCIDRs: [] })).toBe('curl-from-pod');
    expect(routeOf('::ffff:10.0.0.5', { nodeAddresses: ['10.0.0.5'], podCIDRs: [] })).toBe('curl-from-node');
  });
  it('dual-stack pod CIDRs', () => {
    const facts = { nodeAddresses: [], podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] };
    expect(routeOf('fd00:10:244:1::1', facts)).toBe('curl-from-node');
    expect(routeOf('fd00:10:244:1::5', facts)).toBe('curl-from-pod');
    expect(routeOf('fd00:10:245::5', facts)).toBeNull();
  });

  const kiada = (o: { ready?: boolean; ip?: string; name?: string; labels?: Record<string, string> } = {}): V1Pod => ({
    metadata: { name: o.name ?? 'kiada', namespace: 'ana', labels: o.labels ?? { app: 'kiada' } },
    spec: { containers: [{ name: 'kiada', image: 'kiada:0.1' }] },
    status: { podIP: o.ip ?? '10.244.1.4', podIPs: [{ ip: o.ip ?? '10.244.1.4' }], conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }] },
  });

  it('marks from the pods and their logs', () => {
    expect(marksFrom([], {}, FACTS)).toEqual(noMarks());
    expect(marksFrom([kiada()], {}, FACTS)).toEqual({ ...noMarks(), deployed: true });
    const log = 'Received request for / from ::ffff:10.244.1.1\nReceived request for / from ::ffff:127.0.0.1\n';
    expect(marksFrom([kiada({ ready: true })], { kiada: log }, FACTS)).toEqual({ deployed: true, ready: true, 'curl-from-node': true, 'curl-from-pod': false, 'port-forward': true, exec: false });
    // Another pod's log (a client pod) is not kiada's: it does not count.
    const client: V1Pod = { metadata: { name: 'client-pod', namespace: 'ana' }, status: { podIP: '10.244.2.9' } };
    expect(marksFrom([client], { 'client-pod': log }, FACTS)).toEqual(noMarks());
    // kiada under another name, by its label.
    expect(marksFrom([kiada({ name: 'kiada-2' })], { 'kiada-2': 'Received request for / from ::1\n' }, FACTS)).toMatchObject({ deployed: true, exec: true });
  });

  it('marks only gain; missing ones are named in board order', () => {
    const a = { ...noMarks(), deployed: true, exec: true };
    const b = { ...noMarks(), ready: true };
    expect(mergeMarks(a, b)).toEqual({ ...noMarks(), deployed: true, ready: true, exec: true });
    expect(missing(mergeMarks(a, b))).toEqual(['curl-from-node', 'curl-from-pod', 'port-forward']);
  });
});

describe('the board', () => {
  const rows = [
    { name: 'student1', exercises: { ...noMarks(), deployed: true, ready: true, 'curl-from-node': true } },
    { name: 'student10', exercises: noMarks() },
  ];
  it('one row per student, aligned as kubectl aligns', () => {
    expect(boardLines(rows)).toEqual([
      'STUDENT     DEPLOYED   READY   CURL-FROM-NODE   CURL-FROM-POD   PORT-FORWARD   EXEC   DONE',
      'student1    ✓          ✓       ✓                ·               ·              ·      3/6',
      'student10   ·          ·       ·                ·               ·              ·      0/6',
    ]);
    expect(boardLines(rows, { done: 'yes', todo: '-' })[1]).toBe('student1    yes        yes     yes              -               -              -      3/6');
  });
  it('on a terminal too narrow for the full headers (80 columns), shorter ones, so EXEC and DONE stay on screen', () => {
    expect(boardLines(rows, { width: 91 })[0]).toBe('STUDENT     DEPLOYED   READY   CURL-FROM-NODE   CURL-FROM-POD   PORT-FORWARD   EXEC   DONE');
    expect(boardLines(rows, { width: 79 })).toEqual([
      'STUDENT     DEPLOYED   READY   FROM-NODE   FROM-POD   PORT-FWD   EXEC   DONE',
      'student1    ✓          ✓       ✓           ·          ·          ·      3/6',
      'student10   ·          ·       ·           ·          ·          ·      0/6',
    ]);
  });
  it('the note is wrapped at spaces, not cut', () => {
    expect(wrap('port-forward: from 127.0.0.1; exec: from ::1', 20)).toEqual(['port-forward: from', '127.0.0.1; exec:', 'from ::1']);
    expect(wrap('a-very-long-word b', 5)).toEqual(['a-very-long-word', 'b']);
  });
  it('what changed between two looks', () => {
    const later = [{ ...rows[0], exercises: { ...rows[0].exercises, exec: true } }, { name: 'student10', exercises: { ...noMarks(), deployed: true } }, { name: 'student11', exercises: { ...noMarks(), ready: true } }];
    expect(newMarks(rows, later)).toEqual([['student1', 'exec'], ['student10', 'deployed'], ['student11', 'ready']]);
  });
});
