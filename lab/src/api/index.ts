export { createApiServer, type ApiServer, type UpgradeHandler, type UpgradeKind } from './server.ts';
export { generateCerts } from './certs.ts';
export { generateSigningKey } from './auth.ts';
export { writeKubeconfig } from './kubeconfig.ts';
export { buildNodes } from './nodes.ts';
