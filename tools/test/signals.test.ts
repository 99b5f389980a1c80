// The stop signals, with a real terminal (util-linux `script`) that goes away as a closed window does.
import { describe, it, expect } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STOP_SIGNALS, exitCodeOf } from '../src/lib/signals.ts';

const SIGNALS = path.join(import.meta.dirname, '..', 'src', 'lib', 'signals.ts');
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('stop signals', () => {
  it('exit as a shell reports them: 128 + the signal number', () => {
    expect(STOP_SIGNALS.map((s) => [s, exitCodeOf(s)])).toEqual([['SIGHUP', 129], ['SIGINT', 130], ['SIGTERM', 143]]);
  });

  it.skipIf(!hasScript && process.env.CI !== 'true')('after the terminal closes, the cleanup runs to its end though writes to the terminal fail', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-hup-'));
    try {
      const log = path.join(dir, 'log');
      // The handler writes to the dead terminal (as a spinner frame or "pod deleted" would), then finishes its work.
      const program = `
        import fs from 'node:fs';
        import { onStopSignal } from ${JSON.stringify(SIGNALS)};
        onStopSignal((signal, code) => {
          process.stderr.write('\\r⠋ waiting');
          process.stdout.write('pod "client-pod" deleted\\n');
          setTimeout(() => { fs.appendFileSync(${JSON.stringify(log)}, 'cleaned up after ' + signal + '\\n'); process.exit(code); }, 200);
        });
        fs.appendFileSync(${JSON.stringify(log)}, 'ready\\n');
        setInterval(() => {}, 1000);`;
      fs.writeFileSync(path.join(dir, 'program.ts'), program);
      const term = spawn('script', ['-qec', `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(dir, 'program.ts'))}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const read = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '');
      for (let i = 0; i < 100 && read() !== 'ready\n'; i++) await new Promise((r) => setTimeout(r, 50));
      term.kill('SIGKILL');
      for (let i = 0; i < 40 && !read().includes('cleaned'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(read()).toBe('ready\ncleaned up after SIGHUP\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 15_000);
});
