// Authentication and authorization as kube-apiserver does them, as pure modules the API server calls.
export * from './rbac.ts';
export { aggregateClusterRoles, labelSelectorMatches } from './aggregation.ts';
export { bootstrapPolicy, defaultPolicy } from './bootstrap-policy.ts';
export { forbiddenMessage, forbiddenStatus, type ForbiddenStatus } from './forbidden.ts';
export { requestInfo, attributesFor, connectCreateCheck, type RequestInfo } from './request-info.ts';
export * from './users.ts';
