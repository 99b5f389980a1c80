export { Store, createStore, NAMESPACED, type Obj, type Resource, type WatchEvent, type EventType } from './store.ts';
export { ApiError, notFound, alreadyExists, conflict, badRequest, invalid } from './errors.ts';
export { labelMatcher, fieldMatcher } from './selectors.ts';
