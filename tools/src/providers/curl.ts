// The curl that every provider runs on the node, and the request it makes, checked before anything runs.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';
import type { NodeCurl } from './types.ts';
import { requireIP } from '../lib/pods.ts';
import { validateName, validatePath } from '../lib/names.ts';
import { CliError, codeOf } from '../lib/errors.ts';

/** `curl -s --max-time 10 URL`: bounded, so a node that cannot reach the pod answers within 10 s. */
export const curlArgv = (url: string) => ['curl', '-s', '--max-time', '10', url];

/** The curl words a provider runs for this request. */
export const curlWords = (r: NodeCurl) => r.curl ?? curlArgv(r.url);

/**
 * host:port with an IPv6 address in brackets, as URLs and curl want it. An IP address (requireIP checked it) is
 * IPv6 when it has a colon: net.isIPv6's regular expression costs ~3 ms to compile at its first use.
 */
export const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** The pod's node and the URL to curl there: the node a valid name, the IP an IP address, the path a URL path. */
export async function nodeCurlRequest(ctx: Ctx, pod: V1Pod, port: number, path: string): Promise<NodeCurl> {
  const url = `http://${hostPort(requireIP(pod), port)}${validatePath(path)}`;
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw new CliError(`error: pod ${pod.metadata?.name} is not scheduled to a node yet`);
  validateName('node', nodeName);
  // Only the GKE provider needs the node (its zone); a workshop student may not read nodes, and needs none.
  let node: V1Node | undefined;
  try {
    node = await ctx.core.readNode({ name: nodeName });
  } catch (err) {
    if (codeOf(err) !== 403) throw err;
  }
  return { node, nodeName, url };
}
