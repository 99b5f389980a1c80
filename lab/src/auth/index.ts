// Authentication and authorization as kube-apiserver does them, as pure modules the API server calls.
export * from './rbac.ts';
export { aggregateClusterRoles, labelSelectorMatches } from './aggregation.ts';
export { bootstrapPolicy, defaultPolicy } from './bootstrap-policy.ts';
export { forbiddenMessage, forbiddenStatus, type ForbiddenStatus } from './forbidden.ts';
export { requestInfo, attributesFor, connectCreateCheck, type RequestInfo } from './request-info.ts';
export * from './users.ts';
export { TokenIssuer, StaticTokens, authenticateHeader, DEFAULT_ISSUER, CREDENTIAL_ID, type TokenRequest, type TokenRequestSpec, type ServiceAccountRef, type ServiceAccountState, type Authentication } from './tokens.ts';
