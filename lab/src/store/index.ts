export { Store, createStore, NAMESPACED, type Obj, type Resource, type WatchEvent, type EventType } from './store.ts';
export { ApiError, notFound, alreadyExists, conflict, badRequest, invalid } from './errors.ts';
export { labelMatcher } from './label-selectors.ts';
export { fieldMatcher } from './field-selectors.ts';
export { KINDS, RESOURCES, RBAC_GROUP, apiVersionOf, qualifiedResource, isResource, resourceOfKind, type KindInfo } from './kinds.ts';
