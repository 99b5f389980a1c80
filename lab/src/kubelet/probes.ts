// Probes as the kubelet runs them: HTTP and TCP from the node's network namespace to the pod IP, exec inside;
// readiness and liveness loops with their periods, thresholds and events.
import type { Obj } from '../store/index.ts';
import type { Dataplane, Sandbox } from '../net/index.ts';

function resolvePort(port: number | string, container: Obj): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = (container.ports ?? []).find((x: Obj) => x.name === port);
  if (!p) throw new Error(`port ${port} not found`);
  return p.containerPort;
}

/** One probe attempt: resolves true on success, false on failure (never throws). */
export async function runProbe(probe: Obj, container: Obj, sb: Sandbox, dp: Dataplane): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const attempt = async (): Promise<boolean> => {
    if (probe.httpGet) {
      const port = resolvePort(probe.httpGet.port, container);
      const s = await dp.connectFromNode(sb.node, probe.httpGet.host ?? sb.ip, port);
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
      const s = await dp.connectFromNode(sb.node, probe.tcpSocket.host ?? sb.ip, resolvePort(probe.tcpSocket.port, container));
      s.destroy();
      return true;
    }
    if (probe.exec?.command) {
      const child = dp.spawnInSandbox(sb, probe.exec.command, { env: { PATH: '/usr/local/bin:/usr/bin:/bin' } });
      child.stdout!.resume();
      child.stderr!.resume();
      return await new Promise<boolean>((resolve) => child.once('exit', (code) => resolve(code === 0)));
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

/** Starts the container's readiness and liveness loops; their timers go into `timers` (cleared on exit). */
export function scheduleProbes(spec: Obj, timers: NodeJS.Timeout[], hooks: ProbeHooks): void {
  const loop = (probe: Obj, kind: 'readiness' | 'liveness') => {
    let failures = 0;
    let everOk = false;
    const period = (probe.periodSeconds ?? 10) * 1000;
    const tick = async () => {
      if (!hooks.alive()) return;
      const ok = await hooks.probe(probe);
      if (!hooks.alive()) return;
      failures = ok ? 0 : failures + 1;
      if (ok) everOk = true;
      if (kind === 'readiness' && hooks.ready() !== ok && (ok || failures >= (probe.failureThreshold ?? 3))) hooks.setReady(ok);
      // Readiness failures before the first success are the app still starting (probed every 250 ms): not events.
      if (!ok && (everOk || kind === 'liveness')) hooks.event({ type: 'Warning', reason: 'Unhealthy', message: `${kind === 'readiness' ? 'Readiness' : 'Liveness'} probe failed` });
      if (kind === 'liveness' && failures >= (probe.failureThreshold ?? 3)) {
        hooks.event({ reason: 'Killing', message: `Container ${spec.name} failed liveness probe, will be restarted` });
        hooks.kill();
        return;
      }
      // Until the first success, probe often: the lab wants pods Ready as soon as the app listens.
      const next = !everOk && kind === 'readiness' ? Math.min(period, 250) : period;
      timers.push(setTimeout(tick, next));
    };
    // Readiness is probed at once (the lab wants pods Ready as soon as the app listens); liveness, as on a
    // kubelet, one period after the start: an app still starting is not "unhealthy".
    const first = (probe.initialDelaySeconds ?? 0) * 1000 || (kind === 'readiness' ? 100 : period);
    timers.push(setTimeout(tick, first));
  };
  if (spec.readinessProbe) loop(spec.readinessProbe, 'readiness');
  if (spec.livenessProbe) loop(spec.livenessProbe, 'liveness');
}
