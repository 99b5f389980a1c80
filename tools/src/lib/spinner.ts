// A spinner for waits longer than a moment, on a terminal only (never in piped output).
import { clearLine } from 'node:readline';

export async function withSpinner<T>(label: string, work: Promise<T>, stream: NodeJS.WriteStream = process.stderr): Promise<T> {
  if (!stream.isTTY || process.env.CI) return work;
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
