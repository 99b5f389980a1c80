// Images are not pulled: each known image maps to a program on this machine, with its entrypoint semantics.
import path from 'node:path';

export class ImagePullError extends Error {}
/** A reference that does not parse: the kubelet's InvalidImageName (InspectFailed event). */
export class InvalidImageError extends Error {}

// distribution/reference's grammar, enough to tell a reference that parses from one that does not.
const DOMAIN = String.raw`(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const REFERENCE = new RegExp(String.raw`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`);

/**
 * The image as a string the kubelet can use, or the InvalidImageError it would report
 * (`Failed to apply default image tag …`, from reference.ParseNormalizedNamed).
 */
export function checkImage(image: unknown): string {
  const s = typeof image === 'string' ? image : image === undefined || image === null ? '' : JSON.stringify(image);
  const fail = (why: string) => new InvalidImageError(`Failed to apply default image tag ${JSON.stringify(s)}: couldn't parse image name ${JSON.stringify(s)}: ${why}`);
  if (s === '') throw fail('repository name must have at least one component');
  // splitDockerDomain: Docker Hub names get "library/", and a repository name must be lowercase.
  const slash = s.indexOf('/');
  const first = slash === -1 ? '' : s.slice(0, slash);
  const hub = slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first);
  let remainder = hub ? s : s.slice(slash + 1);
  if (hub && !remainder.includes('/')) remainder = `library/${remainder}`;
  const remote = remainder.split(':')[0];
  if (remote.toLowerCase() !== remote) throw fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  if (!REFERENCE.test(s)) throw fail('invalid reference format');
  return s;
}

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

type Kind = 'kiada' | 'curl' | 'shell';

/** Which of the lab's programs the image stands for; any other image cannot be "pulled". */
function kindOf(image: string): Kind {
  const repo = repository(image);
  if (repo === 'kiada' || repo.endsWith('/kiada')) return 'kiada';
  if (repo === 'curlimages/curl') return 'curl';
  if (SHELL_IMAGES.has(repo)) return 'shell';
  throw new ImagePullError(
    `failed to pull and unpack image "${image}": failed to resolve reference "${image}": ` +
      `the kiada lab runs only kiada, curlimages/curl, busybox, alpine and nicolaka/netshoot images`,
  );
}

/** "Pulls" the image: throws the ImagePullError of an image the lab does not have. */
export const pullImage = (image: string): void => void kindOf(image);

/** The argv a container runs (command and args already checked and expanded), or an ImagePullError. */
export function containerArgv(image: string, command: string[] | undefined, args: string[] | undefined, repoRoot: string): string[] {
  const kind = kindOf(image);
  if (command?.length) return [...command, ...(args ?? [])];
  if (kind === 'kiada') {
    // As in the book's image: ENTRYPOINT node app.js, so args are appended (e.g. --bind eth0).
    return [process.execPath, path.join(repoRoot, 'apps', 'kiada', 'src', 'main.ts'), ...(args ?? [])];
  }
  if (kind === 'curl') {
    // curlimages/curl's entrypoint: arguments that start with "-" (or are not a program) go to curl.
    const a = args ?? ['curl'];
    return a.length === 0 || a[0].startsWith('-') || !['curl', 'sh', '/bin/sh', 'cat', 'sleep', 'env', 'echo'].includes(a[0]) ? ['curl', ...a] : a;
  }
  return args?.length ? args : ['sh'];
}
