// quick-parse.ts reads a line only as commander reads it: each line it takes (the book's and a user's plain lines,
// then thousands made of the flags, values and words that trip parsers) goes through the whole CLI too (cli.ts,
// commander) with the commands stubbed, and both must hand the command the same pod, command, options and global
// options. What it leaves to commander — help, mistakes, forms of doubt — commander answers (startup.test.ts).
import { describe, it, expect, vi, beforeAll, afterAll } from 'vitest';
import { API_COMMANDS } from '../src/api-commands.ts';
import { quickParse } from '../src/quick-parse.ts';

// The ApiCtx a command gets is the global options it was made from.
vi.mock('../src/lib/context.ts', () => ({ createApiCtx: async (globals: object) => ({ globals }), createCtx: async (globals: object) => ({ globals }) }));

interface Call {
  command: string;
  pod: string;
  rest: string[];
  opts: Record<string, unknown>;
  globals: Record<string, unknown>;
}
const calls: Call[] = [];
const runs = Object.values(API_COMMANDS).map((c) => [c, c.run] as const);
beforeAll(() => {
  for (const c of Object.values(API_COMMANDS)) {
    c.run = async (ctx, pod, opts, rest) => void calls.push({ command: c.name, pod, rest, opts: { ...opts }, globals: { ...(ctx as unknown as { globals: object }).globals } });
  }
  // commander's help and errors, for the lines it answers, are not this test's.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(() => {
  for (const [c, run] of runs) c.run = run;
  vi.restoreAllMocks();
});

/** What commander hands the command for this line (none: it answered with help or an error). */
async function viaCommander(argv: string[]): Promise<Call | undefined> {
  calls.length = 0;
  const { main } = await import('../src/cli.ts');
  await main(argv);
  return calls.length ? calls[0] : undefined;
}

const quick = (argv: string[]) => {
  const q = quickParse(argv);
  return q && { command: q.command.name, pod: q.pod, rest: q.rest, opts: q.opts, globals: q.globals };
};

describe('quickParse', () => {
  it("takes the plain lines — the README's, the book's, a user's — and reads them as commander does", async () => {
    const lines = [
      'pod-ip', 'pod-ip -q', 'pod-ip kiada -o wide', 'pod-ip -o json kiada', 'pod-ip --output=yaml', 'ports', 'ports kiada -q',
      'logs', 'logs --tail 5', 'logs kiada -f', 'logs -c kiada --tail=-1', 'logs -q --tail 5 -n workshop',
      'exec -- hostname', 'exec kiada -- ps aux', 'exec -it -- sh', 'exec -i kiada -- sh -c "echo hi"', 'exec kiada -c kiada -- curl -s localhost:8080',
      'exec -q -- hostname', 'exec kiada hostname', 'exec -t -i -- sh',
      'curl-from-pod', 'curl-from-pod -q', 'curl-from-pod kiada --port http --path /x', 'curl-from-pod --image busybox --name c1',
      'pod-ip --kubeconfig /tmp/k --context kind-kind -n default', 'pod-ip --lab-id x', 'ports -qn workshop', 'pod-ip -- kiada',
    ];
    const taken: string[] = [];
    for (const line of lines) {
      const argv = line.split(' ');
      const q = quick(argv);
      if (q) taken.push(line);
      if (q) expect({ line, call: q }).toEqual({ line, call: await viaCommander(argv) });
    }
    // The lines the benchmark and the README run are taken; the doubtful ones left.
    expect(lines.filter((l) => !taken.includes(l))).toEqual(['ports -qn workshop', 'pod-ip -- kiada']);
  });

  it('leaves help, mistakes and forms of doubt to commander', () => {
    for (const line of ['pod-ip --help', 'pod-ip -h', 'pod-ip --version', 'pod-ip -o bogus', 'pod-ip Bad_Name', 'pod-ip a b', 'ports --bogus', 'logs --tail', 'logs --tail -1',
      'pod-ip -owide', 'exec -ic kiada -- sh', 'exec kiada ls -- -l', 'exec kiada ls -l', 'logs -- kiada', 'pod-ip --quiet=yes', 'help pod-ip', '-q pod-ip', 'lab up', '']) {
      expect({ line, q: quick(line.split(' ').filter(Boolean)) }).toEqual({ line, q: undefined });
    }
  });

  it('agrees with commander on 4000 lines made of tricky words (seeded)', async () => {
    const words = ['kiada', 'other', 'Bad_Name', '--', '-', '-q', '--quiet', '-i', '-t', '-it', '-ti', '-qi', '-f', '-c', 'app', '-o', 'wide', 'json', 'yaml', 'bogus', '-owide',
      '--output=json', '--output', '--tail', '5', '-1', '--tail=3', '-n', 'ns', '--namespace=ns2', '--kubeconfig', '/k', '--kubeconfig=/k2', '--context', 'ctx', '--lab-id', 'l1',
      '--port', 'http', '--path', '/p', '--image', 'busybox', '--name', 'c1', 'hostname', 'ps', 'aux', '-l', '--bogus', '-h', '--version', '=x', '-qc'];
    const commands = Object.values(API_COMMANDS).map((c) => c.name);
    let seed = 15;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let taken = 0;
    for (let i = 0; i < 4000; i++) {
      const argv = [commands[next(commands.length)], ...Array.from({ length: next(7) }, () => words[next(words.length)])];
      const q = quick(argv);
      if (!q) continue;
      taken++;
      expect({ argv, call: q }).toEqual({ argv, call: await viaCommander(argv) });
    }
    expect(taken).toBeGreaterThan(400); // enough lines were compared
  });
});
