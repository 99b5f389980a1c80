export { createKubelet } from './kubelet.ts';
export type { Kubelet, ContainerIO } from './types.ts';
export { preloadImages } from './image-sources.ts';
