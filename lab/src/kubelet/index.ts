export { createKubelet, type KubeletOptions } from './kubelet.ts';
export type { Kubelet, ContainerIO } from './types.ts';
export { containerArgv, ImagePullError } from './images.ts';
export { ContainerLog } from './logs.ts';
