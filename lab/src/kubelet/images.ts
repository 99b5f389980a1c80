// Images are not pulled: each known image is an entry of the image table (image-table.ts), its programs this
// machine's. Here: references as the kubelet checks and resolves them, and the command a container runs.
import { IMAGES, type Image } from './image-table.ts';

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

/** The table's entry for the image: the lab runs no other image (ErrImagePull, as a registry that has none). */
export function resolveImage(image: string): Image {
  const repo = repository(image);
  for (const entry of Object.values(IMAGES)) {
    if (entry.repositories.some((r) => r === repo || (r.startsWith('*/') && repo.endsWith(r.slice(1))))) return entry;
  }
  throw new ImagePullError(
    `failed to pull and unpack image "${image}": failed to resolve reference "${image}": ` +
      `the kiada lab runs only ${Object.values(IMAGES).map((i) => i.repositories[0]).join(', ')} images`,
  );
}

/** "Pulls" the image: throws the ImagePullError of an image the lab does not have. */
export const pullImage = (image: string): void => void resolveImage(image);

/**
 * The process a container runs, as Kubernetes combines a pod's command and args with the image's ENTRYPOINT and
 * CMD: command replaces ENTRYPOINT (and drops CMD), args replace CMD.
 */
export function containerArgv(image: string, command: string[] | undefined, args: string[] | undefined): string[] {
  const entry = resolveImage(image);
  if (command?.length) return [...command, ...(args ?? [])];
  return [...entry.entrypoint, ...(args?.length ? args : entry.cmd)];
}
