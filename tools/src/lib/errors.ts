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

/** Turns whatever client-node threw into kubectl's wording. */
export function describeError(err: unknown): string {
  const e = err as { code?: number | string; body?: unknown; message?: string; cause?: { code?: string; message?: string } };
  if (err instanceof CliError) return err.message;
  if (typeof e.code === 'number' && e.body !== undefined) {
    let body: StatusBody | undefined;
    try {
      body = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as StatusBody;
    } catch {
      body = undefined;
    }
    if (body?.kind === 'Status' && body.message) return `Error from server (${body.reason ?? 'Unknown'}): ${body.message}`;
    return `Error from server: the server responded with HTTP ${e.code}`;
  }
  const net = e.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  // fetch wraps every network failure as "fetch failed" with the reason as its cause.
  if ((net && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|CERT|UND_ERR/.test(net)) || (e.message === 'fetch failed' && e.cause?.message)) {
    return `Unable to connect to the server: ${e.cause?.message ?? e.message}`;
  }
  return `error: ${e.message ?? String(err)}`;
}
