// The lab's verbs for the CLI (`kiada lab up | down | status | node-shell`), one module each under control/;
// this file is the package export (`@kiada/lab/control.ts`) that tools import.
import { labPaths, resolveLabId } from './paths.ts';
import { LabError } from './errors.ts';

// What the CLI needs besides the verbs: the lab id it acts on, and where that lab keeps its files.
export { LabError, resolveLabId, labPaths };
// `lab up --listen`: parsed as the lab parses it; URLs written as the kubeconfig has them.
export { parseListen, serverUrl } from './listen.ts';
export type { LabOptions } from './control/common.ts';
export { labUp, type UpOptions, type UpResult } from './control/up.ts';
export { labDown, type DownResult } from './control/down.ts';
export { labStatus, type StatusResult } from './control/status.ts';
export { nodeShell, nodeShellSpawn } from './control/node-shell.ts';
