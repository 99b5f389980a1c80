// Probes as the kubelet runs them: HTTP and TCP from the node's network namespace to the pod IP, exec inside;
// readiness and liveness loops with their periods, thresholds and events. Any probe spec, however malformed,
// gives a failed probe at worst, and periods are at least 1 s (the API server's defaulting makes them 10 s).
import type { Duplex } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import type { Obj } from '../store/index.ts';
import type { Dataplane, Sandbox } from '../net/index.ts';
import { seconds, type Timers } from './timers.ts';

/** The probe's timing from its spec, each field clamped to what the API server would have accepted. */
export function probeTiming(probe: Obj) {
  const threshold = probe.failureThreshold;
  return {
    periodMs: seconds(probe.periodSeconds, 10, 1) * 1000,
    initialDelayMs: seconds(probe.initialDelaySeconds, 0, 0) * 1000,
    timeoutMs: seconds(probe.timeoutSeconds, 1, 1) * 1000,
    failureThreshold: Number.isInteger(threshold) && threshold >= 1 ? (threshold as number) : 3,
  };
}

function resolvePort(port: unknown, container: Obj): number {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const p = (Array.isArray(container.ports) ? container.ports : []).find((x: Obj) => x?.name === port);
  if (!p) throw new Error(`port ${String(port)} not found`);
  return p.containerPort;
}

/** One probe attempt: resolves true on success, false on failure or timeout (never rejects). */
/** `target`: the running container an exec probe runs in (as runc exec), with the environment its process got. */
export async function runProbe(probe: Obj, container: Obj, sb: Sandbox, dp: Dataplane, target: { container: ChildProcess; env: Record<string, string> }): Promise<boolean> {
  const { timeoutMs } = probeTiming(probe);
  let socket: Duplex | undefined;
  let child: ChildProcess | undefined;
  const attempt = async (): Promise<boolean> => {
    if (probe.httpGet) {
      const port = resolvePort(probe.httpGet.port, container);
      const s = (socket = await dp.connectFromNode(sb.node, probe.httpGet.host ?? sb.ip, port));
      return await new Promise<boolean>((resolve) => {
        let head = '';
        s.on('data', (c: Buffer) => {
          head += c.toString('latin1');
          const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
          if (m) {
            s.destroy();
            resolve(Number(m[1]) >= 200 && Number(m[1]) < 400);
          }
        });
        s.on('error', () => resolve(false));
        s.on('end', () => resolve(false));
        const headers = (probe.httpGet.httpHeaders ?? []).map((h: Obj) => `${h.name}: ${h.value}\r\n`).join('');
        s.write(`GET ${probe.httpGet.path ?? '/'} HTTP/1.1\r\nHost: ${sb.ip}:${port}\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\nConnection: close\r\n${headers}\r\n`);
      });
    }
    if (probe.tcpSocket) {
      const s = (socket = await dp.connectFromNode(sb.node, probe.tcpSocket.host ?? sb.ip, resolvePort(probe.tcpSocket.port, container)));
      s.destroy();
      return true;
    }
    if (probe.exec) {
      const argv: unknown = probe.exec.command;
      if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) return false;
      const c = (child = dp.execInContainer(target.container, argv, { env: target.env }));
      c.stdout?.resume();
      c.stderr?.resume();
      return await new Promise<boolean>((resolve) => {
        c.once('error', () => resolve(false));
        c.once('exit', (code) => resolve(code === 0));
      });
    }
    return true;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([attempt(), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    // A probe that timed out leaves nothing behind.
    socket?.destroy();
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export interface ProbeHooks {
  /** The container still runs the process these probes are for. */
  alive(): boolean;
  probe(probe: Obj): Promise<boolean>;
  ready(): boolean;
  setReady(ok: boolean): void;
  event(e: { type?: 'Normal' | 'Warning'; reason: string; message: string }): void;
  /** Liveness failed: stop the container (its restart policy decides what comes next). */
  kill(): void;
}

/** Starts the container's readiness and liveness loops on `timers` (cleared when the container ends). */
export function scheduleProbes(spec: Obj, timers: Timers, hooks: ProbeHooks): void {
  const loop = (probe: Obj, kind: 'readiness' | 'liveness') => {
    const { periodMs, initialDelayMs, failureThreshold } = probeTiming(probe);
    let failures = 0;
    let everOk = false;
    const tick = async () => {
      if (!hooks.alive()) return;
      const ok = await hooks.probe(probe);
      if (!hooks.alive()) return;
      failures = ok ? 0 : failures + 1;
      if (ok) everOk = true;
      if (kind === 'readiness' && hooks.ready() !== ok && (ok || failures >= failureThreshold)) hooks.setReady(ok);
      // Readiness failures before the first success are the app still starting (probed every 250 ms): not events.
      if (!ok && (everOk || kind === 'liveness')) hooks.event({ type: 'Warning', reason: 'Unhealthy', message: `${kind === 'readiness' ? 'Readiness' : 'Liveness'} probe failed` });
      if (kind === 'liveness' && failures >= failureThreshold) {
        hooks.event({ reason: 'Killing', message: `Container ${spec.name} failed liveness probe, will be restarted` });
        hooks.kill();
        return;
      }
      // Until the first success, probe often: the lab wants pods Ready as soon as the app listens.
      timers.after(!everOk && kind === 'readiness' ? Math.min(periodMs, 250) : periodMs, tick);
    };
    // Readiness is probed at once (the lab wants pods Ready as soon as the app listens); liveness, as on a
    // kubelet, one period after the start: an app still starting is not "unhealthy".
    timers.after(initialDelayMs || (kind === 'readiness' ? 100 : periodMs), tick);
  };
  if (spec.readinessProbe && typeof spec.readinessProbe === 'object') loop(spec.readinessProbe, 'readiness');
  if (spec.livenessProbe && typeof spec.livenessProbe === 'object') loop(spec.livenessProbe, 'liveness');
}
