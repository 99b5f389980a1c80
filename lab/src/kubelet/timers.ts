// Timers the kubelet can arm from any pod spec: durations come clamped (Node's setTimeout fires after 1 ms for
// anything over 2^31-1 ms, or for NaN), and a callback that throws or rejects is reported, never left unhandled.

/** The longest delay setTimeout honours (~24.8 days); longer ones would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration in seconds from a spec field: not a finite number → `fallback`; below `min` → `min`. */
export function seconds(value: unknown, fallback: number, min = 0): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? value : fallback;
  return Math.max(n, min);
}

/** Milliseconds setTimeout can take as they are: 0 … MAX_TIMER_MS. */
export function timerMs(ms: number): number {
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_TIMER_MS) : ms > 0 ? MAX_TIMER_MS : 0;
}

/** The timers of one container: cleared together when it stops. */
export class Timers {
  private pending = new Set<NodeJS.Timeout>();
  private onError: (err: unknown) => void;
  constructor(onError: (err: unknown) => void) {
    this.onError = onError;
  }

  after(ms: number, fn: () => void | Promise<void>): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      try {
        const r = fn();
        if (r instanceof Promise) r.catch(this.onError);
      } catch (err) {
        this.onError(err);
      }
    }, timerMs(ms));
    this.pending.add(t);
  }

  clear(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
