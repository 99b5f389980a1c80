// Errors as kubectl prints them: one line on stderr, non-zero exit code.
export class CliError extends Error {
  exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  code?: number;
}

const GENERIC: Record<number, [string, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/**
 * What the server said in an API error client-node threw (an ApiException: a numeric HTTP code, the body if it
 * kept one): the Status's reason and message, or kubectl's generic words for that code
 * (apierrors.NewGenericServerResponse) when there is no Status to quote (client-node's Log keeps no body).
 */
export function serverStatus(err: unknown): { reason: string; message: string } | undefined {
  const e = err as { code?: unknown; body?: unknown; headers?: unknown };
  if (typeof e?.code !== 'number' || !('body' in e || 'headers' in e)) return undefined;
  let body: StatusBody | undefined;
  try {
    body = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as StatusBody;
  } catch {
    body = undefined;
  }
  if (body?.kind === 'Status' && body.message) return { reason: body.reason ?? 'Unknown', message: body.message };
  const [reason, message] = GENERIC[e.code] ?? ['Unknown', `the server responded with the status code ${e.code} but did not return more information`];
  return { reason, message };
}

/** Turns whatever client-node threw into kubectl's wording. */
export function describeError(err: unknown): string {
  const e = err as { code?: number | string; message?: string; cause?: { code?: string; message?: string } };
  if (err instanceof CliError) return err.message;
  const status = serverStatus(err);
  if (status) return `Error from server (${status.reason}): ${status.message}`;
  const net = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  // fetch wraps every network failure as "fetch failed" with the reason as its cause.
  if ((net && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|CERT|UND_ERR/.test(net)) || (e.message === 'fetch failed' && e.cause?.message)) {
    return `Unable to connect to the server: ${e.cause?.message ?? e.message}`;
  }
  return `error: ${e.message ?? String(err)}`;
}

/**
 * A command's failure on stderr, as kubectl words it; its exit code. An error marked kiadaFullCli is passed on:
 * fast.cjs met what only the whole CLI has (tools/scripts/build-bundle.js), and nothing was printed yet.
 */
export function reportError(err: unknown): number {
  if ((err as { kiadaFullCli?: boolean }).kiadaFullCli) throw err;
  process.stderr.write(`${describeError(err)}\n`);
  return err instanceof CliError ? err.exitCode : 1;
}

/** The HTTP status of a failed API call (client-node's ApiException and the fast path's errors carry it as `code`). */
export const codeOf = (err: unknown) => (err as { code?: number }).code;
