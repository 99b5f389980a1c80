import type { V1Node } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';

export interface NodeCurl {
  /** The node object; absent when the user may not read nodes (a workshop student). */
  node?: V1Node;
  nodeName: string;
  url: string;
  /** The curl words to run there, when not the usual `curlArgv(url)` (kiada trace asks curl for its report). */
  curl?: string[];
}

export interface CurlResult {
  output: string;
  exitCode: number;
}

/** A command ready to go, as kind's exec.Command: the argv that is printed is the argv that runs. */
export interface NodeCommand {
  argv: string[];
  run(): Promise<CurlResult>;
}

/** One way of logging into a node and running curl there. */
export interface Provider {
  name: string;
  command(ctx: Ctx, req: NodeCurl): NodeCommand;
}
