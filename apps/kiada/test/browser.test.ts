// The page in a real headless browser: Debian's chromium driven by playwright-core (no browser download).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../src/server.ts';

const CHROMIUM = process.env.KIADA_CHROMIUM ?? '/usr/bin/chromium';
const missing = fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (run scripts/install-chromium.sh)`;
if (missing && process.env.CI === 'true') throw new Error(`CI needs the browser test: ${missing}`);
if (missing) console.warn(`skipping the browser test: ${missing}`);

describe.skipIf(missing !== null)('the page in chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-shots-'));
  // playwright gives chromium a fresh temporary profile of its own and removes it on close.
  beforeAll(async () => {
    server = await startServer({ port: 0, addresses: ['127.0.0.1'], hostname: 'kiada', logger: { line: () => {}, flush: () => {} } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown();
    if (!process.env.KIADA_KEEP_SCREENSHOTS) fs.rmSync(shots, { recursive: true, force: true });
  });

  it('redirects to /html and shows version, pod name and client IP, styled, with only local requests', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 640 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    const origin = `http://127.0.0.1:${server.port}`;
    const res = await page.goto(`${origin}/`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${origin}/html`);
    expect(await page.textContent('#version')).toBe('0.1');
    expect(await page.textContent('#hostname')).toBe('kiada');
    expect(await page.textContent('#client-ip')).toBe('127.0.0.1');
    expect(await page.title()).toBe('Kiada 0.1 — kiada');
    // The stylesheet is applied: the title takes the accent colour.
    expect(await page.$eval('h1', (h) => getComputedStyle(h).color)).toBe('rgb(50, 108, 229)');
    const logo = await page.$eval('img.logo', (i) => (i as HTMLImageElement).naturalWidth);
    expect(logo).toBe(72);
    const links = await page.$$eval('footer a', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links).toEqual([
      'https://www.manning.com/books/kubernetes-in-action-second-edition',
      'https://github.com/luksa/kubernetes-in-action-2nd-edition',
    ]);
    const file = path.join(shots, 'kiada-page.png');
    await page.screenshot({ path: file });
    expect(fs.statSync(file).size).toBeGreaterThan(5000);
    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith(origin))).toBe(true);
    const favicon = await page.request.get(`${origin}/favicon.ico`);
    expect(favicon.status()).toBe(200);
    expect(favicon.headers()['content-type']).toBe('image/x-icon');
    await page.close();
  }, 30_000);
});
