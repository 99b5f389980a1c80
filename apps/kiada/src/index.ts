export { createApp, createHandler, textResponse, PUBLIC_DIR } from './app.ts';
export { startServer, LIMITS, type RunningServer, type ServerOptions } from './server.ts';
export { loadConfig, resolveBind, ConfigError, type Config } from './config.ts';
export { createLogger, bannerLines, VERSION, type Logger } from './log.ts';
