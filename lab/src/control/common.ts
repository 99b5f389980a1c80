// What the verbs of control.ts share: the options naming a lab, and how a refusal names another user's lab.
import type { OwnerRecord } from '../registry.ts';

export interface LabOptions {
  /** --lab-id; else $KIADA_LAB_ID, else "lab". */
  id?: string;
  /** The state directory; else $KIADA_LAB_HOME, else ~/.kiada/lab/<id> of the invoking user. */
  home?: string;
}

/** The name OwnedDir's refusals give the state directory. */
export const STATE_DIR = "the lab's state directory";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const whose = (r: OwnerRecord) => `${r.user.name} (pid ${r.pid}, state in ${r.stateDir})`;
