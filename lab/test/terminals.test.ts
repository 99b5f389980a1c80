// Containers with a terminal (`stdin`/`tty` in the spec, as `kubectl run -it` sets them), under a real terminal,
// with the real kubectl — the dispatcher (1.32 for the lab) and the oldest and newest installed builds: the book's
// one-off client pod prints just the app's line, a shell in a client pod takes typed commands, `attach -it` joins
// a running shell and leaves it running, the terminal size follows the window. Raw bytes are asserted: CRLF from
// the container's terminal, nothing else.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { skipUnlessLab, useTestLab, waitFor, KIADA_POD } from '../src/testing.ts';
import { TestTerminal, exactly, processesRunning, sleep } from './terminal.ts';
import { KUBECTLS } from './kubectls.ts';

const skip = skipUnlessLab();

/** What kubectl itself says when it attaches with -t, on stderr, before its terminal goes raw. */
const BANNER = "If you don't see a command prompt, try pressing enter.\r\n";

describe.skipIf(skip)('terminals in containers, with the real kubectl under a real terminal', () => {
  const lab = useTestLab();
  let kiadaIP = '';
  const terminals: TestTerminal[] = [];
  beforeAll(async () => {
    expect((await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD })).stdout).toBe('pod/kiada created\n');
    kiadaIP = (await lab.waitReady('kiada')).status.podIP;
  }, 90_000);
  afterAll(async () => {
    for (const t of terminals) await t.close();
  }, 60_000);

  const terminal = (bin: string, args: string, cols = 100, rows = 30) => {
    const t = new TestTerminal(`${bin} --kubeconfig ${lab.kubeconfig} --cache-dir ${lab.cacheDir} ${args}`, cols, rows);
    terminals.push(t);
    return t;
  };
  const gone = async (pod: string) => (await lab.kubectl(['get', 'pod', pod])).stderr === `Error from server (NotFound): pods "${pod}" not found\n`;
  /** After a test, pass or fail: its terminals closed, its pod gone (the next test may use the same name). */
  async function cleanup(pod: string) {
    for (const t of terminals.splice(0)) await t.close();
    await lab.kubectl(['delete', 'pod', pod, '--ignore-not-found', '--grace-period=1']);
  }
  const phase = async (pod: string) => (await lab.kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.phase}'])).stdout;

  /** The IPs a pod of that name gets while `fn` runs (a watch, as the pod is deleted before anyone could ask). */
  async function podIPsDuring(pod: string, fn: () => Promise<void>): Promise<string[]> {
    const w = lab.spawnKubectl(['get', 'pods', '-w', `--field-selector=metadata.name=${pod}`, '-o', 'jsonpath={.status.podIP}{"\\n"}']);
    let out = '';
    w.stdout!.on('data', (c) => (out += c));
    try {
      await sleep(300);
      await fn();
      await sleep(300);
    } finally {
      w.kill('SIGKILL');
    }
    return [...new Set(out.split('\n').filter(Boolean))];
  }

  /** Types `stty size` until the shell reports `want` (kubectl passes a new size on asynchronously). */
  async function sizeBecomes(t: TestTerminal, want: string) {
    for (let i = 0; i < 50 && !t.output.endsWith(`${want}\r\nlab> `); i++) {
      const mark = t.output.length;
      t.type('stty size\r');
      await t.waitFor(/\d+ \d+\r\nlab> $/, 5000, mark);
    }
  }

  describe.each(KUBECTLS)('%s', (name, bin) => {
    it("the book's one-off client pod prints the app's line and the deletion, each on a line of its own", async () => {
      try {
        // kubectl run -it waits for Running: curl is done before the kubelet first sees it running (as on kind),
        // so kubectl prints the container's log — what its terminal printed, CRLF — and no attach banner.
        let t!: TestTerminal;
        let code: number | null = null;
        const ips = await podIPsDuring('client-pod', async () => {
          t = terminal(bin, `run --image=curlimages/curl -it --restart=Never --rm client-pod -- curl ${kiadaIP}:8080`);
          code = await t.exit;
        });
        expect(ips).toHaveLength(1);
        // No progress meter (curl's stdout is a terminal), no staircase: the container terminal's CRLF, then
        // kubectl's LF made CRLF by the outer terminal.
        expect({ code, output: t.output }).toEqual({ code: 0, output: `Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:${ips[0]}\r\r\npod "client-pod" deleted\r\n` });
        expect(await gone('client-pod')).toBe(true);
      } finally {
        await cleanup('client-pod');
      }
    }, 60_000);

    it('a command in a client pod has a terminal: tty prints /dev/pts/N', async () => {
      try {
        const t = terminal(bin, "run --image=busybox -it --restart=Never --rm tty-pod -- sh -c 'tty; stty size; echo $TERM'");
        expect(await t.exit).toBe(0);
        // Done before anyone attached: its log, where a terminal that was never sized is 0x0.
        expect(t.output).toMatch(exactly('/dev/pts/\\d+\r\r\n0 0\r\r\nxterm\r\r\npod "tty-pod" deleted\r\n'));
        expect(await gone('tty-pod')).toBe(true);
      } finally {
        await cleanup('tty-pod');
      }
    }, 60_000);

    it('a shell in a client pod: typed commands, Ctrl-C, resize, Ctrl-D ends it and the pod is deleted', async () => {
      try {
        const t = terminal(bin, 'run --image=curlimages/curl -it --restart=Never --rm client-pod -- sh', 100, 30);
        await t.waitFor(BANNER);
        await t.waitRaw();
        // The shell's first prompt came before kubectl attached (hence kubectl's advice); a prompt of our own.
        t.type("PS1='lab> '\r");
        await t.waitFor("PS1='lab> '\r\nlab> ");
        t.type('echo hi; tty\r');
        await t.waitFor(/\/dev\/pts\/\d+\r\nlab> $/);
        const before = processesRunning(['sleep', '100']);
        t.type('sleep 100\r');
        await waitFor('sleep running', async () => [...processesRunning(['sleep', '100'])].some((p) => !before.has(p)), 10_000);
        t.type('\x03');
        await t.waitFor('^C\r\nlab> ');
        await sizeBecomes(t, '30 100');
        const resized = t.output.length;
        await t.resize(80, 20);
        await sizeBecomes(t, '20 80');
        t.type('\x04');
        const code = await t.exit;
        // `stty size` as often as it took the size to arrive count once. A size is set with `stty`, columns then
        // rows: between the two a program may see the one changed and not yet the other.
        const transcript =
          t.output.slice(0, resized).replace(/(lab> stty size\r\n30 100\r\n)+/, '$1') +
          t.output.slice(resized).replace(/^(stty size\r\n\d+ \d+\r\nlab> )*stty size\r\n20 80\r\n/, 'stty size\r\n20 80\r\n');
        expect({ code, transcript }).toEqual({ code: 0, transcript: expect.stringMatching(
          exactly(
            BANNER +
              "PS1='lab> '\r\nlab> echo hi; tty\r\nhi\r\n/dev/pts/\\d+\r\nlab> sleep 100\r\n^C\r\nlab> stty size\r\n30 100\r\nlab> stty size\r\n20 80\r\n" +
              'lab> \r\npod "client-pod" deleted\r\n',
          ),
        ) });
        expect(await gone('client-pod')).toBe(true);
      } finally {
        await cleanup('client-pod');
      }
    }, 90_000);

    it("the shell's exit code is kubectl run's", async () => {
      try {
        const t = terminal(bin, 'run --image=busybox -it --restart=Never --rm exit-pod -- sh');
        await t.waitFor(BANNER);
        await t.waitRaw();
        t.type('exit 3\r');
        const code = await t.exit;
        expect({ code, output: t.output }).toEqual({ code: 3, output: `${BANNER}exit 3\r\npod "exit-pod" deleted\r\npod default/exit-pod terminated (Error)\r\n` });
        expect(await gone('exit-pod')).toBe(true);
      } finally {
        await cleanup('exit-pod');
      }
    }, 60_000);

    it('attach -it joins a running shell; closing the terminal leaves it running; the next attach finds it as it was', async () => {
      const pod = 'shell';
      try {
        const manifest = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${pod}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: shell\n    image: busybox\n    command: [sh]\n    stdin: true\n    tty: true\n`;
        expect((await lab.kubectl(['apply', '-f', '-'], { input: manifest })).stdout).toBe(`pod/${pod} created\n`);
        await lab.waitReady(pod);
        const first = terminal(bin, `attach -it ${pod}`, 90, 25);
        await first.waitFor(BANNER);
        await first.waitRaw();
        first.type("PS1='lab> '; X=kept\r");
        await first.waitFor("PS1='lab> '; X=kept\r\nlab> ");
        await sizeBecomes(first, '25 90');
        expect(first.output.replace(/(lab> stty size\r\n\d+ \d+\r\n)+/, 'lab> stty size\r\n25 90\r\n')).toBe(`${BANNER}PS1='lab> '; X=kept\r\nlab> stty size\r\n25 90\r\nlab> `);
        await first.close();
        // The container has a terminal: a client that goes closes nothing (containerd's attach), the shell waits on.
        await sleep(500);
        expect(await phase(pod)).toBe('Running');

        const second = terminal(bin, `attach -it ${pod}`, 70, 20);
        await second.waitFor(BANNER);
        await second.waitRaw();
        second.type('echo $X\r');
        await second.waitFor('kept\r\nlab> ');
        await sizeBecomes(second, '20 70');
        second.type('exit 4\r');
        const code = await second.exit;
        const transcript = second.output.replace(/(lab> stty size\r\n\d+ \d+\r\n)+/, 'lab> stty size\r\n20 70\r\n');
        expect({ code, transcript }).toEqual({ code: 0, transcript: `${BANNER}echo $X\r\nkept\r\nlab> stty size\r\n20 70\r\nlab> exit 4\r\n` });
        await waitFor(`${pod} failed`, async () => (await phase(pod)) === 'Failed');
        const status = JSON.parse((await lab.kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0].state.terminated}'])).stdout);
        expect([status.exitCode, status.reason]).toEqual([4, 'Error']);
        // The log is what the terminal printed, echo and CRLF included, and the first prompt from before anyone attached.
        const log = (await lab.kubectl(['logs', pod])).stdout;
        expect(log.slice(0, 2)).toMatch(/^[#$] $/);
        expect(log.slice(2).replace(/(lab> stty size\r\n\d+ \d+\r\n)+/g, 'lab> stty size\r\nN N\r\n')).toBe(
          "PS1='lab> '; X=kept\r\nlab> stty size\r\nN N\r\nlab> echo $X\r\nkept\r\nlab> stty size\r\nN N\r\nlab> exit 4\r\n",
        );
      } finally {
        await cleanup(pod);
      }
    }, 90_000);
  });

  it('a container with tty: its log is what its terminal printed, stdout and stderr alike, CRLF', async () => {
    const manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tty-log\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: busybox\n    command: [sh, -c, 'echo out; echo err >&2; printf partial']\n    tty: true\n";
    expect((await lab.kubectl(['apply', '-f', '-'], { input: manifest })).stdout).toBe('pod/tty-log created\n');
    await waitFor('tty-log done', async () => (await lab.kubectl(['get', 'pod', 'tty-log', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded');
    expect((await lab.kubectl(['logs', 'tty-log'])).stdout).toBe('out\r\nerr\r\npartial');
    await lab.kubectl(['delete', 'pod', 'tty-log']);
  }, 30_000);
});
