#!/usr/bin/env node
// kiada's entry point: the book's banner, then serve until SIGTERM or SIGINT.
import { loadConfig, ConfigError, HelpRequested } from './config.ts';
import { bannerLines, createLogger } from './log.ts';
import { startServer } from './server.ts';

async function main() {
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
  const logger = createLogger();
  const running = await startServer({ ...config, logger });
  process.stdout.write(bannerLines(config.hostname, running.port).join('\n') + '\n');

  // As PID 1 in a container the kernel gives no default action for SIGTERM: handle it ourselves.
  const stop = (signal: NodeJS.Signals) => {
    logger.line(`Received ${signal}, shutting down`);
    running.shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error & { code?: string }) => {
  process.stderr.write(`kiada: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}\n`);
  process.exit(1);
});
