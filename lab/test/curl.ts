// curl against the lab's API server as the suites use it: TLS unchecked (-k), the body and the HTTP status.
import { execFile } from 'node:child_process';

/** `curl -sk …args`: the status code (0 when no answer came) and the body. */
export function curl(args: string[]): Promise<{ code: number; body: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sk', '-o', '-', '-w', '\n%{http_code}', ...args], { maxBuffer: 64 << 20 }, (_e, stdout) => {
      const i = stdout.lastIndexOf('\n');
      resolve({ code: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) });
    });
  });
}
