import type { V1Node } from '@kubernetes/client-node';
import type { Ctx } from '../lib/context.ts';

export interface NodeCurl {
  node: V1Node;
  nodeName: string;
  url: string;
}

/** One way of logging into a node and running curl there. */
export interface Provider {
  name: string;
  /** The exact argv it runs (also what is printed), never a shell string. */
  argv(req: NodeCurl): string[];
  run(ctx: Ctx, req: NodeCurl): Promise<{ output: string; exitCode: number }>;
}
