#!/usr/bin/env node
// kiada's entry point: the book's banner, then serve until SIGTERM or SIGINT.
//
// The signal handlers come first, before express is loaded (the rest is imported after them). As PID 1 in a
// container the kernel gives SIGTERM no default action, and Node's own handler (it restores the terminal and
// raises the signal again) ends nothing either: a SIGTERM that arrived while the app was still loading was lost,
// and the kubelet waited the whole grace period (30 s) before its SIGKILL — a pod deleted right after it was made,
// as `kiada workshop reset` then `down` does. Now a signal during the start ends the app at once.
type Stop = (signal: NodeJS.Signals) => void;
let stop: Stop = () => process.exit(0); // nothing to drain yet
const onSignal = (signal: NodeJS.Signals) => stop(signal);
process.once('SIGTERM', onSignal);
process.once('SIGINT', onSignal);

async function main() {
  const { loadConfig, ConfigError, HelpRequested } = await import('./config.ts');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(err instanceof HelpRequested ? 0 : 2);
    }
    throw err;
  }
  const { bannerLines, createLogger } = await import('./log.ts');
  const { startServer } = await import('./server.ts');
  const logger = createLogger();
  const running = await startServer({ ...config, logger });
  process.stdout.write(bannerLines(config.hostname, running.port).join('\n') + '\n');
  stop = (signal) => {
    logger.line(`Received ${signal}, shutting down`);
    running.shutdown().then(() => process.exit(0));
  };
}

main().catch((err: Error & { code?: string }) => {
  process.stderr.write(`kiada: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}\n`);
  process.exit(1);
});
