// The signals that end a command early — Ctrl-C, kill, and the terminal closing (SIGHUP) — and the exit code a
// shell reports for each (128 + its number). A command that made something (a pod, a listener) removes it on
// every one of them.
import { exitCodeOf as processExitCode } from '@kiada/lab/exit-code.ts';

export const STOP_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export const exitCodeOf = (signal: StopSignal) => processExitCode(null, signal);

/** Calls `handler` on each stop signal, every time one comes; gives the function that removes it. */
export function onStopSignal(handler: (signal: StopSignal, exitCode: number) => void): () => void {
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => {
      // After a hangup the terminal is gone: a write to it (a spinner frame, a last line) fails with EIO, and
      // that error must not end the process before it has cleaned up.
      if (signal === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
      handler(signal, exitCodeOf(signal));
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => listeners.forEach(([signal, listener]) => process.off(signal, listener));
}
