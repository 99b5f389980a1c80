// curl as the traced routes run it (on a node, in a client pod, in the pod through exec): it reports what it saw
// itself after the body, with -w — where it connected from and to, when, the status, or its error. Named variables
// only: `%{json}` would also print curl's version, for which libcurl initialises OpenLDAP, which looks up the
// host's name in DNS — 5 s lost in a pod whose resolver does not answer.
import type { Observations } from './observations.ts';

const FIELDS = ['local_ip', 'local_port', 'remote_ip', 'remote_port', 'http_code', 'http_version', 'exitcode', 'time_connect', 'time_starttransfer', 'time_total', 'errormsg'] as const;
const MARK = 'kiada-trace';

/** `curl -s --max-time 10 -w '\nkiada-trace|%{local_ip}|…' URL`: bounded, with its report on the last line. */
export const tracedCurl = (url: string) => ['curl', '-s', '--max-time', '10', '-w', `\\n${MARK}|${FIELDS.map((f) => `%{${f}}`).join('|')}`, url];

/** The URL path of a traced request: its trace id goes into the app's log line with it. */
export const tracedPath = (id: string) => `/?trace=${id}`;

interface CurlReport {
  local_ip: string;
  local_port: number;
  remote_ip: string;
  remote_port: number;
  http_code: number;
  http_version: string;
  exitcode: number;
  time_connect: number;
  time_starttransfer: number;
  time_total: number;
  errormsg: string;
}

/** The body and curl's report, split at the report (the last line; the error message last, it may hold a `|`). */
export function splitCurlOutput(output: string): { body: string; report: CurlReport | null } {
  const at = output.lastIndexOf(`\n${MARK}|`);
  const line = at >= 0 ? output.slice(at + 1) : output.startsWith(`${MARK}|`) ? output : null;
  if (line === null) return { body: output, report: null };
  const parts = line.trimEnd().split('|').slice(1);
  const values = [...parts.slice(0, FIELDS.length - 1), parts.slice(FIELDS.length - 1).join('|')];
  const report = Object.fromEntries(FIELDS.map((f, i) => [f, f.endsWith('_ip') || f === 'http_version' || f === 'errormsg' ? (values[i] ?? '') : Number(values[i] ?? 0)])) as unknown as CurlReport;
  return { body: at >= 0 ? output.slice(0, at) : '', report };
}

/** The client IP the app answered with, from the book's line (`… Client IP: <ip>`). */
export const clientIPIn = (body: string): string | null => /Client IP: (\S+)/.exec(body)?.[1] ?? null;

const hostPort = (ip: string | undefined, port: number | undefined) => (ip?.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/**
 * What curl saw, as the hops `connected` (its connection: `pod eth0` or `pod loopback`) and `app`. curl's own times
 * count from its start, which kiada does not see: they are placed on the trace's clock by the app's own time for the
 * request when the lab gives it (the app logs as it answers: curl's first byte), else by when curl's report came.
 * Gives the body and when curl started, or null when curl reported nothing (it did not run).
 */
export async function seeCurl(obs: Observations, connected: string, output: string, endMs: number): Promise<{ body: string; startMs: number } | null> {
  const { body, report: r } = splitCurlOutput(output);
  if (!r) return null;
  const total = (r.time_total ?? 0) * 1000;
  let startMs = endMs - total;
  if (r.http_code && obs.labApi) {
    obs.answered = true;
    await obs.collectLab();
    const app = obs.labTime('app');
    if (app !== undefined) startMs = app - (r.time_starttransfer ?? 0) * 1000;
  }
  startMs = Math.max(0, startMs);
  const at = (t: number | undefined) => startMs + (t ?? 0) * 1000;
  if (!r.local_port) {
    obs.see(connected, false, `connecting to ${r.remote_ip || 'the pod'}`, { error: r.errormsg || `curl exited with code ${r.exitcode}`, ms: at(r.time_total) });
  } else {
    obs.see(connected, true, `curl connected from ${hostPort(r.local_ip, r.local_port)} to ${hostPort(r.remote_ip, r.remote_port)}`, { ms: at(r.time_connect) });
    if (!r.http_code) obs.see('app', false, 'waiting for the answer', { error: r.errormsg || `curl exited with code ${r.exitcode}`, ms: at(r.time_total) });
    else {
      obs.clientIP = clientIPIn(body);
      obs.see('app', true, `answered HTTP/${r.http_version} ${r.http_code}`, { ms: at(r.time_starttransfer) });
    }
  }
  return { body, startMs };
}
