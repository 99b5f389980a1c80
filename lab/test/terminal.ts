// A terminal for tests, as a person has one: util-linux `script` gives the command a pseudo-terminal of a given
// size; the test types on it (writes to script's stdin), reads every byte it printed, and resizes it (the kernel
// then sends the command SIGWINCH, as a terminal window does). No screen emulation: assertions are on raw bytes.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { terminalProcess } from '../src/kubelet/tty.ts';

export class TestTerminal {
  readonly child: ChildProcess;
  private chunks: Buffer[] = [];
  readonly exit: Promise<number | null>;

  /** `command`: a shell command line, run with `exec` so that it is the terminal's own process. */
  constructor(command: string, cols: number, rows: number, env: NodeJS.ProcessEnv = process.env) {
    // stdin stays open until the test ends it: at its end `script` would type the EOF character on the terminal.
    this.child = spawn('script', ['-qfec', `stty cols ${cols} rows ${rows}; exec ${command}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child.stdout!.on('data', (c: Buffer) => this.chunks.push(c));
    this.child.stderr!.on('data', (c: Buffer) => this.chunks.push(c));
    this.child.stdin!.on('error', () => {});
    this.exit = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Everything the terminal printed so far. */
  get output(): string {
    return Buffer.concat(this.chunks).toString();
  }

  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** Waits until the output, from `from` on, satisfies `want` (a string it contains, or a pattern). */
  async waitFor(want: string | RegExp, timeoutMs = 20_000, from = 0): Promise<void> {
    const end = Date.now() + timeoutMs;
    const ok = () => {
      const out = this.output.slice(from);
      return typeof want === 'string' ? out.includes(want) : want.test(out);
    };
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${JSON.stringify(String(want))} in ${JSON.stringify(this.output)}`);
      if (this.child.exitCode !== null) throw new Error(`the terminal's command ended (${this.child.exitCode}) before ${JSON.stringify(String(want))}: ${JSON.stringify(this.output)}`);
      await sleep(20);
    }
  }

  /** The terminal device of the command (through /proc, as the lab reaches a container's). */
  private device(): string {
    const t = this.child.pid ? terminalProcess(this.child.pid) : undefined;
    if (!t) throw new Error('the terminal has no command on it');
    return t.tty;
  }

  /** Resolves once the command has put its terminal in raw mode (kubectl does when it attaches with -t). */
  async waitRaw(timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const modes = await stty(['-F', this.device(), '-a']).catch(() => '');
      if (/(^|\s)-icanon(\s|$)/.test(modes) && /(^|\s)-echo(\s|$)/.test(modes)) return;
      if (Date.now() > end) throw new Error(`the terminal never went raw: ${JSON.stringify(this.output)}`);
      await sleep(20);
    }
  }

  /** Resizes the terminal: the kernel sends its foreground process SIGWINCH. */
  async resize(cols: number, rows: number): Promise<void> {
    await stty(['-F', this.device(), 'cols', String(cols), 'rows', String(rows)]);
  }

  /** Closes the terminal as closing its window does: the command gets SIGHUP. */
  async close(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exit;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stty(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('stty', args, (err, out) => (err ? reject(err) : resolve(out))));
}

/** PIDs of the processes whose command line is exactly `argv` (to see when a typed command has started). */
export function processesRunning(argv: string[]): Set<number> {
  const want = argv.join('\0') + '\0';
  const found = new Set<number>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8') === want) found.add(Number(d));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** A pattern matching `text` exactly, where each `\d+` written in it stands for a number. */
export function exactly(text: string): RegExp {
  const escaped = text.split('\\d+').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('\\d+')}$`);
}
