// client-node's typed CoreV1Api, imported at the first call of ctx.core's methods: it brings every
// API model and undici with it (~50 ms), which `kiada pod-ip`, `ports`, `--version` … never need.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

export const makeCoreApi = (kc: KubeConfig): CoreV1Api => kc.makeApiClient(CoreV1Api);
