/** A problem the user can fix; the CLI prints its message as one line (`error: …`) and exits 1. */
export class LabError extends Error {}
