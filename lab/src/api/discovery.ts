// What kubectl reads before anything else: /version, /api, /apis, /api/v1 (the OpenAPI documents: openapi.ts).
import { leaseGroup } from './leases.ts';
import { ACCESS_CORE_RESOURCES, ACCESS_GROUPS } from './discovery-access.ts';
export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T17:59:15Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const rw = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CORE = [
  { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: rw, shortNames: ['ev'] },
  { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'] },
  { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: rw, shortNames: ['no'] },
  { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: rw, shortNames: ['po'], categories: ['all'] },
  { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] },
  { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
  { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
  { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  { name: 'pods/status', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] },
];
type CoreResource = (typeof CORE)[number] & { group?: string; version?: string };
export const RESOURCES: CoreResource[] = [...CORE, ...ACCESS_CORE_RESOURCES].sort((a, b) => (a.name < b.name ? -1 : 1));

/** `serverAddress`: host:port of the API server as clients reach it. */
export const apiVersions = (serverAddress: string) => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
});

export const apiGroupList = { kind: 'APIGroupList', apiVersion: 'v1', groups: [...ACCESS_GROUPS, leaseGroup] };

export const apiResourceList = { kind: 'APIResourceList', groupVersion: 'v1', resources: RESOURCES };
