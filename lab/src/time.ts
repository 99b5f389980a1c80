// Times as the API writes them (metav1.Time): RFC 3339 in UTC, to the second — creationTimestamp, startedAt,
// lastTransitionTime, deletionTimestamp. One definition, so no copy can drift to milliseconds.
export const metaTime = (ms: number = Date.now()): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
