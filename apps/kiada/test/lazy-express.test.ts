// The hot path and the probes never load express (~14 MB of RSS); the first request they do not answer loads it.
// Checked in a process of its own, on real sockets: a test process has long loaded express through other suites.
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';

const SERVER = path.join(import.meta.dirname, '..', 'src', 'server.ts');

// Prints, after each step, the step, the statuses and bodies it got and whether express is in Node's module cache.
const SCRIPT = `
import { createRequire } from 'node:module';
import http from 'node:http';
const { startServer } = await import(${JSON.stringify(SERVER)});
const expressLoaded = () => Object.keys(createRequire(${JSON.stringify(SERVER)}).cache).some((k) => k.includes('/node_modules/express/'));
const running = await startServer({ port: 0, addresses: ['127.0.0.1'], hostname: 'kiada', logger: { line() {}, flush() {} } });
const get = (p, accept = '*/*') => new Promise((resolve, reject) =>
  http.get({ host: '127.0.0.1', port: running.port, path: p, headers: { accept } }, (res) => {
    let b = '';
    res.setEncoding('utf8').on('data', (c) => (b += c)).on('end', () => resolve(res.statusCode + ' ' + res.headers['x-content-type-options'] + ' ' + JSON.stringify(b)));
  }).on('error', reject));
const steps = [];
steps.push(['start', [], expressLoaded()]);
steps.push(['hot', [await get('/'), await get('/text', 'text/html'), await get('/healthz'), await get('/readyz')], expressLoaded()]);
steps.push(['rest', await Promise.all([get('/nope'), get('/', 'text/html'), get('/favicon.svg')]), expressLoaded()]);
await running.shutdown();
console.log(JSON.stringify(steps));
`;

describe('express is loaded at first use', () => {
  it('not for GET / from curl, /text and the probes; then for the rest, three at once', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', SCRIPT], { timeout: 20_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const [start, hot, rest] = JSON.parse(out) as [string, string[], boolean][];
    expect(start).toEqual(['start', [], false]);
    const line = JSON.stringify('Kiada version 0.1. Request processed by "kiada". Client IP: 127.0.0.1\n');
    expect(hot).toEqual(['hot', [`200 nosniff ${line}`, `200 nosniff ${line}`, '200 nosniff "ok\\n"', '200 nosniff "ok\\n"'], false]);
    expect(rest[0]).toBe('rest');
    expect(rest[1].slice(0, 2)).toEqual(['404 nosniff "/nope not found"', '302 nosniff "Redirecting to the html version..."']);
    expect(rest[1][2]).toMatch(/^200 nosniff "<svg xmlns=/);
    expect(rest[2]).toBe(true);
  });
});
