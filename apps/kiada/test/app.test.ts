// The HTTP contract, byte for byte, through supertest (no socket of our own).
import { describe, it, expect } from 'vitest';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import { createHandler } from '../src/handler.ts';
import { textResponse } from '../src/responses.ts';
import type { Logger } from '../src/log.ts';

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = { line: (l) => lines.push(l), flush: () => {} };
  return { lines, logger };
}

// The same contract through the express app alone and through the server's handler with its hot path.
describe.each([
  ['express app', createApp],
  ['server handler (hot path first)', createHandler],
] as const)('kiada: %s', (_name, create) => {
  const { lines, logger } = recordingLogger();
  const app = create({ hostname: 'kiada', logger });

  it('answers curl on / with the book line', async () => {
    const res = await request(app).get('/').set('Accept', '*/*');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.text).toMatch(/^Kiada version 0\.1\. Request processed by "kiada"\. Client IP: (::ffff:127\.0\.0\.1|::1|127\.0\.0\.1)\n$/);
    expect(lines.at(-1)).toMatch(/^Received request for \/ from /);
  });

  it('formats the text exactly as the book does', () => {
    expect(textResponse('kiada', '::ffff:10.244.2.1')).toBe(
      'Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:10.244.2.1\n',
    );
  });

  it('serves /text to any client, browsers included', async () => {
    const res = await request(app).get('/text').set('Accept', 'text/html,application/xhtml+xml');
    expect(res.status).toBe(200);
    expect(res.text.startsWith('Kiada version 0.1. Request processed by "kiada". Client IP: ')).toBe(true);
  });

  it('ignores X-Forwarded-For: the client IP is the socket address', async () => {
    const res = await request(app).get('/').set('X-Forwarded-For', '6.6.6.6');
    expect(res.text).not.toContain('6.6.6.6');
  });

  it('redirects graphical browsers to html', async () => {
    const res = await request(app).get('/').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('html');
    expect(res.text).toBe('Redirecting to the html version...');
  });

  it('renders the page with the three facts, escaped', async () => {
    const evil = create({ hostname: '<b>x</b>' });
    const res = await request(evil).get('/html');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(res.text).not.toContain('<b>x</b>');
    expect(res.text).not.toMatch(/\{\{\w+\}\}/);
    const ok = await request(app).get('/html');
    expect(ok.text).toContain('kiada');
    expect(ok.text).toContain('0.1');
  });

  it('serves its stylesheet and favicon', async () => {
    const css = await request(app).get('/stylesheet.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const ico = await request(app).get('/favicon.ico');
    expect(ico.status).toBe(200);
    expect(ico.headers['content-type']).toBe('image/x-icon');
    expect(ico.body.subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  });

  it('answers unknown paths with 404 "<url> not found"', async () => {
    const res = await request(app).get('/nope?x=1');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.text).toBe('/nope?x=1 not found');
  });

  it('tells browsers not to sniff the content type, on every response (404 and the hot path included)', async () => {
    const responses = [
      await request(app).get('/').set('Accept', '*/*'),
      await request(app).get('/text'),
      await request(app).get('/').set('Accept', 'text/html'),
      await request(app).get('/html'),
      await request(app).get('/stylesheet.css'),
      await request(app).get('/healthz'),
      await request(app).get('/nope'),
      await request(app).get('/%E0%A4%A'),
      await request(app).options('/'),
      await request(app).post('/'),
    ];
    expect(responses.map((r) => [r.status, r.headers['x-content-type-options']])).toEqual(
      [200, 200, 302, 200, 200, 200, 404, 404, 404, 404].map((status) => [status, 'nosniff']),
    );
  });

  it('has probes that are not logged, and readiness follows shutdown', async () => {
    let ready = true;
    const { lines: probeLines, logger: l2 } = recordingLogger();
    const probed = create({ hostname: 'kiada', logger: l2, isReady: () => ready });
    expect((await request(probed).get('/healthz')).text).toBe('ok\n');
    expect((await request(probed).get('/readyz')).status).toBe(200);
    ready = false;
    const r = await request(probed).get('/readyz');
    expect(r.status).toBe(503);
    expect(r.text).toBe('shutting down\n');
    expect(probeLines).toEqual([]);
  });

  it('never sends a stack trace: a malformed URL gets a plain 400', async () => {
    const res = await request(app).get('/%E0%A4%A');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});
