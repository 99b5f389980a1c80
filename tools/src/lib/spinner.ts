// A spinner for waits longer than a moment, on a terminal only (never in piped output).
import { clearLine } from 'node:readline';

export async function withSpinner<T>(label: string, work: Promise<T>, given?: NodeJS.WriteStream): Promise<T> {
  // Asked of fd 2 itself: making process.stderr to ask it costs a command whose stderr is a pipe ~1.3 ms.
  if (given ? !given.isTTY : !process.getBuiltinModule('node:tty').isatty(2)) return work;
  if (process.env.CI) return work;
  const stream = given ?? process.stderr;
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let i = 0;
  let shown = false;
  const timer = setInterval(() => {
    shown = true;
    stream.write(`\r${frames[i++ % frames.length]} ${label}`);
  }, 250);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    if (shown) {
      stream.write('\r');
      clearLine(stream, 0);
    }
  }
}
