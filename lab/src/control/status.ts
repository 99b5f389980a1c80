// `kiada lab status`: a lab is running only while the PID its registry record names is still that daemon.
import { canonicalDir, labPaths, resolveLabId } from '../paths.ts';
import { isLive, readOwner, type OwnerRecord } from '../registry.ts';
import type { LabOptions } from './common.ts';

export interface StatusResult {
  running: boolean;
  id: string;
  /** Started from this state directory (false: someone else's lab of the same id). */
  mine?: boolean;
  state?: OwnerRecord;
  /** A record whose daemon is gone (SIGKILLed; its PID may belong to another process now). */
  stale?: OwnerRecord;
}

export function labStatus(opts: LabOptions = {}): StatusResult {
  const id = resolveLabId(opts.id);
  const r = readOwner(id);
  if (isLive(r) && r.ready) return { running: true, id, mine: r.stateDir === canonicalDir(labPaths(id, opts).home), state: r };
  return r && !isLive(r) ? { running: false, id, stale: r } : { running: false, id };
}
