// client-node's KubeConfig, imported when a command needs it (lib/context.ts): a static named import, so the bundle
// takes KubeConfig alone from client-node (a dynamic import of the package would take all of it).
import { KubeConfig } from '@kubernetes/client-node';

export const newKubeConfig = (): KubeConfig => new KubeConfig();
