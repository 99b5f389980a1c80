// Probes as the kubelet runs them: HTTP and TCP from the node's network namespace to the pod IP, exec inside.
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
