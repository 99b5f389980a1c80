export { createKubelet } from './kubelet.ts';
export type { Kubelet, ContainerIO } from './types.ts';
