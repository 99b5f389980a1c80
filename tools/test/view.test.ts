// kiada view in a real browser (Debian's chromium, driven by playwright-core) against a real lab: the page draws
// the live cluster (nodes, bridge addresses, pods and IPs), a new pod appears without a reload, a trace is drawn
// as it happens, the eth0-only failure lights the right hop with its error; the page is served to its URL only.
// Screenshots are kept in tools/test-results/view/ (gitignored).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { skipUnlessLab, useTestLab, KIADA_POD } from '@kiada/lab/testing.ts';

const BIN = path.join(import.meta.dirname, '..', 'src', 'bin', 'kiada.cjs');
const ETH0_ONLY = path.join(import.meta.dirname, '..', '..', 'k8s', 'pod.kiada-eth0-only.yaml');
const SHOTS = path.join(import.meta.dirname, '..', 'test-results', 'view');
const CHROMIUM = process.env.KIADA_CHROMIUM ?? '/usr/bin/chromium';
const noChromium = fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (run scripts/install-chromium.sh)`;
if (noChromium && process.env.CI === 'true') throw new Error(`CI needs the view's browser test: ${noChromium}`);
if (noChromium) console.warn(`skipping the view's browser test: ${noChromium}`);
const skip = skipUnlessLab() || noChromium !== null;

/** A GET with a chosen Host header (fetch does not let one set it). */
function rawGet(port: number, urlPath: string, host = `127.0.0.1:${port}`): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    }).on('error', reject);
  });
}

describe.skipIf(skip)('kiada view in chromium, on the lab', () => {
  const lab = useTestLab();
  let view: ChildProcess;
  let url = '';
  let browser: Browser;
  let page: Page;
  let stderr = '';
  const requests: string[] = [];
  const errors: string[] = [];
  const env = () => ({ ...process.env, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home, NO_COLOR: '1' });
  const kiada = (args: string[]): Promise<{ code: number; stdout: string }> =>
    new Promise((resolve) => execFile(process.execPath, [BIN, ...args], { env: env(), timeout: 60_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout })));
  // After the colours' short transition, so the picture shows the hop as it stays.
  const shot = async (name: string) => {
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  /** The hops listed for one pod (and method), in the order the page listed them. */
  const listed = (pod: string, method: string) =>
    page.$$eval(`#events li[data-pod="${pod}"][data-method="${method}"]`, (lis) => lis.map((li) => [(li as HTMLElement).dataset.hop, li.className]));

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await lab.kubectl(['apply', '-f', '-'], { input: KIADA_POD });
    await lab.kubectl(['apply', '-f', ETH0_ONLY]);
    await lab.waitReady('kiada');
    await lab.waitReady('kiada-eth0-only');
    view = spawn(process.execPath, [BIN, 'view', '--no-open'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    view.stderr!.on('data', (d) => (stderr += d));
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      view.stdout!.on('data', (d) => {
        out += d;
        const m = /^kiada view: (http:\/\/127\.0\.0\.1:\d+\/v\/[0-9a-f]{32}\/)\n/.exec(out);
        if (m) resolve(m[1]);
      });
      view.once('exit', (code) => reject(new Error(`kiada view exited (${code}): ${stderr}`)));
    });
    // playwright gives chromium a fresh temporary profile of its own and removes it on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    view?.kill('SIGKILL');
  }, 60_000);

  it('prints its URL and says the lab reports every hop', () => {
    expect(stderr).toBe('');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v\/[0-9a-f]{32}\/$/);
  });

  it('serves the page to its URL only: no token, a wrong token or another Host get nothing', async () => {
    const u = new URL(url);
    const port = Number(u.port);
    expect((await rawGet(port, '/')).status).toBe(404);
    expect((await rawGet(port, '/v/00000000000000000000000000000000/')).status).toBe(404);
    expect((await rawGet(port, `${u.pathname}events`, 'evil.example:80')).status).toBe(421);
    const ok = await rawGet(port, u.pathname);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toContain("default-src 'none'");
    expect(ok.headers['referrer-policy']).toBe('no-referrer');
  });

  it('draws the live cluster: your computer, the API server, three nodes with their addresses, the pods with their IPs', async () => {
    await page.goto(url);
    await page.waitForSelector('[data-key="pod:default/kiada"]');
    const nodes = await page.$$eval('.node', (ns) => ns.map((n) => [(n as HTMLElement).dataset.key, n.querySelector('h2')!.textContent, n.querySelector('[data-key$=":bridge"]')!.textContent]));
    expect(nodes).toEqual([
      ['node:kind-control-plane', 'kind-control-plane', 'bridge cni0 10.244.0.1'],
      ['node:kind-worker', 'kind-worker', 'bridge cni0 10.244.1.1'],
      ['node:kind-worker2', 'kind-worker2', 'bridge cni0 10.244.2.1'],
    ]);
    expect(await page.$$eval('.node > div:nth-of-type(1)', (ds) => ds.map((d) => d.textContent))).toEqual(['eth0 172.18.0.2', 'eth0 172.18.0.3', 'eth0 172.18.0.4']);
    for (const name of ['kiada', 'kiada-eth0-only']) {
      const pod = JSON.parse((await lab.kubectl(['get', 'pod', name, '-o', 'json'])).stdout);
      const box = page.locator(`[data-key="node:${pod.spec.nodeName}"] [data-key="pod:default/${name}"]`);
      expect(await box.locator('h3').textContent()).toBe(name);
      expect(await box.locator(`[data-key="pod:default/${name}:eth0"]`).textContent()).toBe(`eth0 ${pod.status.podIP}`);
      expect(await box.locator(`[data-key="pod:default/${name}:lo"]`).textContent()).toBe('lo 127.0.0.1');
      expect(await box.locator(`[data-key="pod:default/${name}:app"]`).textContent()).toBe('app :8080');
    }
    expect(await page.textContent('#apiserver-url')).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await page.textContent('#status')).toBe('kiada-lab, namespace default — the lab reports every hop');
    // Large type and strong contrast for a projector.
    expect(await page.$eval('body', (b) => [getComputedStyle(b).fontSize, getComputedStyle(b).color, getComputedStyle(b).backgroundColor])).toEqual(['22px', 'rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
    await shot('1-cluster');
  });

  it('a new pod appears without a reload, with its IP once it has one', async () => {
    await lab.kubectl(['run', 'newcomer', '--image=kiada:0.1']);
    const pod = await lab.waitReady('newcomer');
    const eth0 = page.locator('[data-key="pod:default/newcomer:eth0"]');
    await eth0.waitFor();
    await page.waitForFunction((ip) => document.querySelector('[data-key="pod:default/newcomer:eth0"]')?.textContent === `eth0 ${ip}`, pod.status.podIP);
    expect(await page.locator(`[data-key="node:${pod.spec.nodeName}"] [data-key="pod:default/newcomer"]`).count()).toBe(1);
    await shot('2-new-pod');
    await lab.kubectl(['delete', 'pod', 'newcomer', '--grace-period=0']);
    await page.locator('[data-key="pod:default/newcomer"]').waitFor({ state: 'detached' });
  }, 60_000);

  it('draws a trace as it happens: each hop of port-forward listed and lit, and the client IP the app saw', async () => {
    const run = kiada(['trace', 'port-forward']);
    // The page learns the hops while the trace runs: they are drawn without anything reloading.
    await page.waitForFunction(() => document.querySelectorAll('#events li[data-pod="default/kiada"][data-hop="app"]').length > 0, null, { timeout: 20_000 });
    expect((await run).code).toBe(0);
    expect(await listed('default/kiada', 'port-forward')).toEqual([
      ['local listener', 'ok'], ['tunnel', 'ok'], ['API server', 'ok'], ['kubelet', 'ok'], ['pod loopback', 'ok'], ['app', 'ok'],
    ]);
    expect(await page.textContent('[data-key="pod:default/kiada:client-ip"]')).toBe('client IP ::ffff:127.0.0.1 (port-forward)');
    expect(await page.textContent('#client-ip')).toBe('default/kiada saw client IP ::ffff:127.0.0.1 (port-forward)');
    const lastItem = await page.locator('#events li').last().textContent();
    expect(lastItem).toMatch(/^#\d+ port-forward → default\/kiada \d\d:\d\d:\d\d\.\d{3} ✔ ok: app: the app logged "Received request for \/\?trace=[0-9a-f]{8} from ::ffff:127\.0\.0\.1" — client IP ::ffff:127\.0\.0\.1$/);
    // The app's part is lit (for a few seconds after the hop).
    expect(await page.getAttribute('[data-key="pod:default/kiada:app"]', 'class')).toContain('lit');
    await shot('3-trace-port-forward');
  }, 60_000);

  it('draws requests kiada did not make: a curl from the node and a kubectl exec', async () => {
    const pod = JSON.parse((await lab.kubectl(['get', 'pod', 'kiada', '-o', 'json'])).stdout);
    await kiada(['curl-from-node', '-q']);
    await lab.kubectl(['exec', 'kiada', '--', 'curl', '-s', 'localhost:8080/from-exec']);
    await page.waitForFunction(() => document.querySelectorAll('#events li[data-pod="default/kiada"][data-method="exec"][data-hop="app"]').length > 0, null, { timeout: 20_000 });
    expect((await listed('default/kiada', 'node')).at(-1)).toEqual(['app', 'ok']);
    expect(await page.locator('#events li[data-method="node"]').last().textContent()).toContain(`from ::ffff:10.244.${pod.spec.nodeName === 'kind-worker' ? 1 : 2}.1`);
    expect(await listed('default/kiada', 'exec')).toEqual([['tunnel', 'ok'], ['API server', 'ok'], ['kubelet', 'ok'], ['app', 'ok']]);
  }, 60_000);

  it('lights the eth0-only failure on the right hop, the pod\'s loopback, with the kubelet\'s error', async () => {
    const r = await kiada(['trace', 'port-forward', 'kiada-eth0-only']);
    expect(r.code).toBe(1);
    const lo = '[data-key="pod:default/kiada-eth0-only:lo"]';
    await page.waitForFunction((sel) => document.querySelector(sel)?.classList.contains('failed'), lo, { timeout: 20_000 });
    const callout = await page.textContent('[data-key="pod:default/kiada-eth0-only:error"]');
    expect(callout).toMatch(/^pod loopback: error forwarding port 8080 to pod [0-9a-f]{64}, uid : failed to connect to localhost:8080 inside namespace ".*", IPv4: dial tcp4 127\.0\.0\.1:8080: connect: connection refused IPv6 dial tcp6 \[::1\]:8080: connect: connection refused $/);
    expect(await page.isVisible('[data-key="pod:default/kiada-eth0-only:error"]')).toBe(true);
    expect(await listed('default/kiada-eth0-only', 'port-forward')).toEqual([
      ['local listener', 'ok'], ['tunnel', 'ok'], ['API server', 'ok'], ['kubelet', 'ok'], ['pod loopback', 'fail'],
    ]);
    // The app's part was not reached: not lit, not failed.
    expect(await page.getAttribute('[data-key="pod:default/kiada-eth0-only:app"]', 'class')).toBe('part');
    await shot('4-eth0-only-failure');
  }, 60_000);

  it('loads nothing from elsewhere (works offline) and has no errors', () => {
    const origin = new URL(url).origin;
    expect(requests.filter((u) => !u.startsWith(origin))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('stops on Ctrl-C: exit 0, the port closed', async () => {
    const exit = new Promise<number | null>((r) => view.once('exit', r));
    view.kill('SIGINT');
    expect(await exit).toBe(0);
    await expect(rawGet(Number(new URL(url).port), '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe.skipIf(skipUnlessLab())('kiada view opening a browser', () => {
  const lab = useTestLab();

  const runView = (PATH: string, args: string[]) =>
    new Promise<{ out: string; err: string; code: number | null }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'view', ...args], { env: { ...process.env, PATH, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home, NO_COLOR: '1' } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Ctrl-C stops.')) setTimeout(() => child.kill('SIGTERM'), 300);
      });
      child.stderr.on('data', (d) => (err += d));
      child.once('exit', (code) => resolve({ out, err, code }));
    });

  it('runs xdg-open with the URL when there is one, and says so when there is not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-xdg-'));
    try {
      const record = path.join(dir, 'opened');
      fs.writeFileSync(path.join(dir, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${record}\n`, { mode: 0o755 });
      const withOpen = await runView(`${dir}:/usr/bin:/bin`, []);
      expect(withOpen.code).toBe(0);
      const url = /^kiada view: (\S+)\n/.exec(withOpen.out)![1];
      expect(fs.readFileSync(record, 'utf8')).toBe(`${url}\n`);
      expect(withOpen.err).toBe('');
      const without = await runView('/nonexistent', []);
      expect(without.err).toBe('kiada view: no xdg-open on this machine: open the URL above in a browser\n');
      expect(without.code).toBe(0);
      expect(await runView('/nonexistent', ['--port', 'http'])).toMatchObject({ code: 1, out: '', err: 'error: invalid port "http": a number from 0 (any free port) to 65535\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
