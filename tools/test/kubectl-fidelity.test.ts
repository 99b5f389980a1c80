// Each command prints the kubectl command it stands for: running that command against the same lab must give
// exactly what we printed. Errors are kubectl's, never client-node's raw text. Real lab, real kubectl.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { skipUnlessLab, useTestLab, waitFor, KIADA_POD } from '@kiada/lab/testing.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const skip = skipUnlessLab();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Annotations whose values go-yaml quotes, folds or blocks in every way it has (what `-o yaml` must match), two
// containers and an unnamed port (what `ports` must match).
const TRICKY = `apiVersion: v1
kind: Pod
metadata:
  name: tricky
  labels: {a10: "x", a9: "y", A-b: "z", a_b: "w", a.b: "v", "0x": "u"}
  annotations:
    "yes": "yes"
    num: "8080"
    oct: "0777"
    float: "1.5e3"
    dot: ".5"
    b60: "1:20"
    date: "2026-01-02"
    ts: "2026-01-02T03:04:05Z"
    colon: "a: b"
    colonend: "ab:"
    hash: "a #b"
    lead: " lead"
    trail: "trail "
    quote: "it's"
    dq: 'say "hi" <&>'
    brace: "{x}"
    dash: "- x"
    dash2: "-x"
    star: "*x"
    empty: ""
    tilde: "~"
    tab: "a\\tb"
    uni: "héllo ☃"
    multi: "line1\\nline2\\n"
    multinoend: "line1\\nline2"
    multilead: " x\\ny\\n"
    multitrail: "x \\ny"
    esc: "bell\\a"
    long: "The quick brown fox jumps over the lazy dog again and again until the line is much longer than eighty columns wide, really."
    longq: "it's a long single quoted value: with a colon-space so that it cannot be plain, and it goes on well past the eighty column mark"
    longd: "true and a long double quoted because of a tab\\there and it goes on and on and on well past the eighty column mark for sure"
    nul: "null"
    neg: "-12"
    plus: "+1"
    under: "1_000"
    bin: "0b101"
    inf: ".inf"
    merge: "<<"
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    ports: [{containerPort: 8080}, {containerPort: 9090, name: metrics, protocol: UDP}]
  - name: side
    image: busybox
    args: ["sleep", "3600"]
`;

describe.skipIf(skip)('kiada prints what the kubectl command it stands for prints', () => {
  const lab = useTestLab();
  const env = () => ({ ...process.env, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home, NO_COLOR: '1' });
  const run = (file: string, args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(file, args, { env: env(), timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  const kiada = (args: string[]) => run(process.execPath, [BIN, ...args]);
  /** The command kiada printed (`$ kubectl …` on stderr), run by a shell as a reader would paste it. */
  const printed = async (r: Run) => {
    const line = /^\$ (kubectl .*)$/m.exec(r.stderr)?.[1];
    expect(line, r.stderr).toBeDefined();
    return run('sh', ['-c', `${line!.replace(/^kubectl /, `kubectl --cache-dir ${lab.cacheDir} `)}`]);
  };

  beforeAll(async () => {
    await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD });
    await lab.kubectl(['apply', '-f', '-'], { input: TRICKY });
    await lab.waitReady('kiada');
    await lab.waitReady('tricky');
  }, 90_000);

  it('pod-ip -o json and -o yaml print the pod exactly as the printed kubectl get -o json|yaml does', async () => {
    for (const pod of ['kiada', 'tricky']) {
      for (const format of ['json', 'yaml']) {
        const ours = await kiada(['pod-ip', pod, '-o', format]);
        expect(ours.code).toBe(0);
        expect(ours.stderr).toBe(`$ kubectl get pod ${pod} -o ${format}\n`);
        expect(ours.stdout).toBe((await printed(ours)).stdout);
      }
    }
    // ports -o json|yaml: the same pod, the same command.
    const ports = await kiada(['ports', 'tricky', '-o', 'yaml']);
    expect([ports.stderr, ports.stdout]).toEqual(['$ kubectl get pod tricky -o yaml\n', (await lab.kubectl(['get', 'pod', 'tricky', '-o', 'yaml'])).stdout]);
  }, 30_000);

  it('ports prints what its printed jsonpath prints: one line per container, NAME PORT/PROTOCOL after a tab', async () => {
    const kiadaPorts = await kiada(['ports']);
    expect(kiadaPorts.stdout).toBe('kiada\thttp 8080/TCP\n');
    expect(kiadaPorts.stdout).toBe((await printed(kiadaPorts)).stdout);
    const tricky = await kiada(['ports', 'tricky']);
    expect(tricky.stdout).toBe('app\t 8080/TCP\tmetrics 9090/UDP\nside\n');
    expect(tricky.stdout).toBe((await printed(tricky)).stdout);
    expect(tricky.stderr.split('\n').at(-2)).toBe('Note: the ports in a pod spec are informative only; the app may listen on other ports, and these need not be open.');
  });

  it('pod-ip -o wide is the server\'s table as kubectl get -o wide prints it, also for a crashing pod (RESTARTS with its age)', async () => {
    await lab.kubectl(['run', 'crash', '--image=busybox', '--', 'sh', '-c', 'exit 3']);
    try {
      await waitFor('crash restarted', async () => (await lab.kubectl(['get', 'pod', 'crash', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}'])).stdout === '1', 20_000);
      for (const pod of ['kiada', 'crash', 'tricky']) {
        // The AGE column may tick between the two runs: the next try then agrees.
        await waitFor(`${pod}: the same table`, async () => {
          const ours = await kiada(['pod-ip', pod, '-o', 'wide']);
          expect(ours.stderr).toBe(`$ kubectl get pod ${pod} -o wide\n`);
          return ours.stdout === (await printed(ours)).stdout || undefined;
        }, 10_000);
      }
      expect((await kiada(['pod-ip', 'crash', '-o', 'wide', '-q'])).stdout).toMatch(/^crash\s+0\/1\s+(CrashLoopBackOff|Error)\s+1 \(\d+s ago\)\s/m);
    } finally {
      await lab.kubectl(['delete', 'pod', 'crash', '--grace-period=0']);
    }
  }, 40_000);

  it('diagnose says what the container really is (CrashLoopBackOff with its exit code, ImagePullBackOff)', async () => {
    await lab.kubectl(['run', 'crash2', '--image=busybox', '--', 'sh', '-c', 'exit 3']);
    await lab.kubectl(['run', 'pull', '--image=registry.example/nope:1']);
    try {
      await waitFor('crash2 in back-off', async () => (await lab.kubectl(['get', 'pod', 'crash2', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}'])).stdout === 'CrashLoopBackOff', 20_000);
      const crash = await kiada(['diagnose', 'crash2', '-q']);
      expect(crash).toEqual({ code: 1, stderr: '', stdout: expect.stringMatching(/^✘ 1\. pod is running and ready: container crash2 is in CrashLoopBackOff, last exit code 3 \(Error\)(, \d+ restarts?)?\nThe first failing hop is "pod is running and ready"\.\n$/) });
      await waitFor('pull in back-off', async () => (await lab.kubectl(['get', 'pod', 'pull', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}'])).stdout === 'ImagePullBackOff', 20_000);
      // The server's refusal to give a log, as kubectl prints it (client-node's Log drops it; kiada asks again).
      const logs = await kiada(['logs', 'pull', '-q']);
      expect([logs.code, logs.stdout]).toEqual([1, '']);
      expect(logs.stderr).toMatch(/^Error from server \(BadRequest\): container "pull" in pod "pull" is waiting to start: .+\n$/);
      expect(logs.stderr).toBe((await lab.kubectl(['logs', 'pull'])).stderr);
      expect(await kiada(['diagnose', 'pull', '-q'])).toEqual({
        code: 1, stderr: '',
        stdout: '✘ 1. pod is running and ready: container pull is waiting: ImagePullBackOff (Back-off pulling image "registry.example/nope:1")\nThe first failing hop is "pod is running and ready".\n',
      });
    } finally {
      await lab.kubectl(['delete', 'pod', 'crash2', 'pull', '--grace-period=0']);
    }
  }, 40_000);

  it('a missing pod is kubectl\'s one line and exit 1 on every command, never client-node\'s raw message', async () => {
    const notFound = { code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' };
    for (const args of [['pod-ip'], ['pod-ip', '-o', 'wide'], ['pod-ip', '-o', 'json'], ['pod-ip', '-o', 'yaml'], ['ports'], ['ports', '-o', 'json'],
      ['curl-from-node'], ['curl-from-pod'], ['port-forward', 'nope', '8080'], ['exec', 'nope', '--', 'true'], ['diagnose']]) {
      const argv = args.length === 1 || args[1].startsWith('-') ? [args[0], 'nope', ...args.slice(1)] : args;
      expect(await kiada([...argv, '-q']), argv.join(' ')).toEqual(notFound);
    }
    // kubectl logs has words of its own for it; kubectl's own output is the reference.
    const logs = await kiada(['logs', 'nope', '-q']);
    expect(logs).toEqual({ code: 1, stdout: '', stderr: 'error: error from server (NotFound): pods "nope" not found in namespace "default"\n' });
    expect((await lab.kubectl(['logs', 'nope'])).stderr).toBe(logs.stderr);
    for (const args of [['get', 'pod', 'nope', '-o', 'wide'], ['exec', 'nope', '--', 'true'], ['port-forward', 'nope', '8080']]) {
      expect((await lab.kubectl(args)).stderr, args.join(' ')).toBe(notFound.stderr);
    }
    // A container that is not in the pod: kubectl's words (it checks before asking the server).
    const badContainer = { code: 1, stdout: '', stderr: 'error: container nope is not valid for pod kiada\n' };
    expect(await kiada(['logs', '-c', 'nope'])).toEqual(badContainer);
    expect(await kiada(['exec', '-c', 'nope', '--', 'true'])).toEqual(badContainer);
    expect((await lab.kubectl(['logs', 'kiada', '-c', 'nope'])).stderr).toBe(badContainer.stderr);
  }, 60_000);

  it('exec of a command the container does not have: the kubelet\'s error as kubectl prints it, exit 1 (no "command terminated")', async () => {
    const ours = await kiada(['exec', '--', 'nosuchcmd']);
    const real = await lab.kubectl(['exec', 'kiada', '--', 'nosuchcmd']);
    const line = /^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in \$PATH: unknown\n$/;
    expect([ours.code, ours.stdout, ours.stderr.split('\n')[0]]).toEqual([1, '', '$ kubectl exec kiada -- nosuchcmd']);
    expect(ours.stderr.slice(ours.stderr.indexOf('\n') + 1)).toMatch(line);
    expect([real.code, real.stderr]).toEqual([1, expect.stringMatching(line)]);
    // -c is part of the command it stands for.
    expect((await kiada(['exec', '-c', 'kiada', '--', 'true'])).stderr).toBe('$ kubectl exec kiada -c kiada -- true\n');
  });

  it('curl-from-pod prints the name its pod really got on a clash, in the command and in pod "…" deleted; that command runs the same curl', async () => {
    const ip = (await lab.waitReady('kiada')).status.podIP;
    await lab.kubectl(['run', 'client-pod', '--image=busybox', '--restart=Never', '--', 'sleep', '60']);
    try {
      const r = await kiada(['curl-from-pod']);
      expect(r.code).toBe(0);
      const name = /\$ kubectl run --image=curlimages\/curl -it --restart=Never --rm (client-pod-[0-9a-f]{5}) -- curl -s --max-time 10 /.exec(r.stderr)?.[1];
      expect(name, r.stderr).toBeDefined();
      expect(r.stderr).toBe(`$ kubectl run --image=curlimages/curl -it --restart=Never --rm ${name} -- curl -s --max-time 10 ${ip}:8080\n`);
      expect(r.stdout).toMatch(new RegExp(`^Kiada version 0\\.1\\. Request processed by "kiada"\\. Client IP: ::ffff:10\\.244\\.\\d+\\.\\d+\\npod "${name}" deleted\\n$`));
    } finally {
      await lab.kubectl(['delete', 'pod', 'client-pod', '--grace-period=0']);
    }
  }, 60_000);
});
