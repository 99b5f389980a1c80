// What runc refuses before a container's process runs, in the words containerd hands the kubelet. The checks
// themselves run inside the container, as runc's do (net/rootfs-script.ts: the working directory, made if
// missing, then Go's exec.LookPath in the container's $PATH); the sandbox reports runc's cause and the kubelet
// wraps it here.

/** The container was created but its process could not start: RunContainerError, terminated StartError (128). */
export class StartError extends Error {}

/** containerd 2 + runc 1.2 (kind's node image) wording for a task that could not start. */
export const runcFailure = (cause: string) =>
  new StartError(
    'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: ' +
      `unable to start container process: error during container init: ${cause}: unknown`,
  );
