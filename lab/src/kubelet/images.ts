// Images are not pulled: each known image maps to a program on this machine, with its entrypoint semantics.
import path from 'node:path';
import type { Obj } from '../store/index.ts';

export class ImagePullError extends Error {}

/** repository without registry and tag: "docker.io/luksa/kiada:0.1" → "luksa/kiada" */
function repository(image: string): string {
  let ref = image.split('@')[0];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) parts.shift();
  if (parts[0] === 'library') parts.shift();
  return parts.join('/');
}

const SHELL_IMAGES = new Set(['busybox', 'alpine', 'nicolaka/netshoot', 'debian', 'ubuntu']);

/** The argv a container runs, or an ImagePullError for an image the lab does not have. */
export function containerArgv(c: Obj, repoRoot: string): string[] {
  const repo = repository(c.image);
  const command: string[] | undefined = c.command;
  const args: string[] | undefined = c.args;
  if (repo === 'kiada' || repo.endsWith('/kiada')) {
    // As in the book's image: ENTRYPOINT node app.js, so args are appended (e.g. --bind eth0).
    if (command?.length) return [...command, ...(args ?? [])];
    return [process.execPath, path.join(repoRoot, 'apps', 'kiada', 'src', 'main.ts'), ...(args ?? [])];
  }
  if (repo === 'curlimages/curl') {
    if (command?.length) return [...command, ...(args ?? [])];
    // curlimages/curl's entrypoint: arguments that start with "-" (or are not a program) go to curl.
    const a = args ?? ['curl'];
    return a.length === 0 || a[0].startsWith('-') || !['curl', 'sh', '/bin/sh', 'cat', 'sleep', 'env', 'echo'].includes(a[0]) ? ['curl', ...a] : a;
  }
  if (SHELL_IMAGES.has(repo)) {
    if (command?.length) return [...command, ...(args ?? [])];
    return args?.length ? args : ['sh'];
  }
  throw new ImagePullError(
    `failed to pull and unpack image "${c.image}": failed to resolve reference "${c.image}": ` +
      `the kiada lab runs only kiada, curlimages/curl, busybox, alpine and nicolaka/netshoot images`,
  );
}
