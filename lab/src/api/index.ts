export { createApiServer, parsePath, type ApiServer, type ApiServerOptions, type LogOptions, type LogSource, type UpgradeHandler, type UpgradeKind } from './server.ts';
export { generateCerts, type Certs } from './certs.ts';
export { writeKubeconfig, CONTEXT } from './kubeconfig.ts';
export { buildNodes } from './nodes.ts';
export { toTable, podStatusReason } from './tables.ts';
export { humanDuration } from './age.ts';
