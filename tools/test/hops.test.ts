// The hop model on its own: the route's order, a failure ending the list, what nobody saw marked not observed,
// the JSON shape, and the text a person reads.
import { describe, it, expect } from 'vitest';
import { HOPS, makeTrace, formatTrace, type Observation } from '../src/lib/hops.ts';
import { splitCurlOutput, tracedCurl } from '../src/commands/trace/curl.ts';

const seen = (entries: [string, Observation][]) => new Map(entries);

describe('the hop model', () => {
  it('names each route\'s hops in the order a request takes them', () => {
    expect(HOPS).toEqual({
      node: ['node shell', 'pod eth0', 'app'],
      pod: ['client pod', 'pod eth0', 'app'],
      'port-forward': ['local listener', 'tunnel', 'API server', 'kubelet', 'pod loopback', 'app'],
      exec: ['tunnel', 'API server', 'kubelet', 'pod loopback', 'app'],
    });
  });

  it('ends at the first failing hop, with its error; what nobody saw before it is not observed, never ok', () => {
    const t = makeTrace('port-forward', 'kiada-eth0-only', seen([
      ['local listener', { ok: true, ms: 0.4, detail: 'accepted' }],
      ['tunnel', { ok: true, ms: 12.04, detail: '101' }],
      ['pod loopback', { ok: false, ms: 30, detail: 'connecting', error: 'connection refused' }],
      ['app', { ok: true, ms: 31, detail: 'never listed' }],
    ]), '::ffff:127.0.0.1');
    expect(t).toEqual({
      method: 'port-forward', pod: 'kiada-eth0-only', ok: false, clientIP: null,
      hops: [
        { name: 'local listener', ok: true, ms: 0.4, detail: 'accepted' },
        { name: 'tunnel', ok: true, ms: 12, detail: '101' },
        { name: 'API server', ok: null, ms: null, detail: 'not observed: the API server does not report its side (on the lab it does)' },
        { name: 'kubelet', ok: null, ms: null, detail: 'not observed: the kubelet does not report its side (on the lab it does)' },
        { name: 'pod loopback', ok: false, ms: 30, detail: 'connecting', error: 'connection refused' },
      ],
    });
    expect(formatTrace(t)).toBe([
      '✔ 1. local listener   +0.4 ms  accepted',
      '✔ 2. tunnel          +12.0 ms  101',
      '· 3. API server                not observed: the API server does not report its side (on the lab it does)',
      '· 4. kubelet                   not observed: the kubelet does not report its side (on the lab it does)',
      '✘ 5. pod loopback    +30.0 ms  connection refused',
      'The request stopped at hop "pod loopback".',
      '',
    ].join('\n'));
    expect(JSON.parse(formatTrace(t, 'json'))).toEqual(t);
  });

  it('is ok only when the app was seen answering; then it gives the client IP and why', () => {
    const ok = makeTrace('node', 'kiada', seen([
      ['node shell', { ok: true, ms: 1, detail: 'docker exec kind-worker' }],
      ['pod eth0', { ok: true, ms: 2, detail: 'connected' }],
      ['app', { ok: true, ms: 3, detail: 'answered' }],
    ]), '::ffff:10.244.1.1');
    expect([ok.ok, ok.clientIP]).toEqual([true, '::ffff:10.244.1.1']);
    expect(formatTrace(ok).split('\n').at(-2)).toBe("Client IP the app saw: ::ffff:10.244.1.1 (curl on the node reaches its pods over the node's bridge (cni0), so the app sees the bridge's address ::ffff:10.244.1.1)");
    const unseen = makeTrace('node', 'kiada', seen([['node shell', { ok: true, ms: 1, detail: 'x' }]]), null);
    expect([unseen.ok, unseen.hops.map((h) => h.ok)]).toEqual([false, [true, null, null]]);
  });
});

describe("curl's report", () => {
  it('is read from the last line, the body before it; an error message may hold a |', () => {
    expect(tracedCurl('http://10.244.1.2:8080/?trace=abcd1234').slice(0, 5)).toEqual(['curl', '-s', '--max-time', '10', '-w']);
    const ok = splitCurlOutput('Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:10.244.1.1\n\nkiada-trace|10.244.1.1|40000|10.244.1.2|8080|200|1.1|0|0.001|0.004|0.005|');
    expect(ok).toEqual({
      body: 'Kiada version 0.1. Request processed by "kiada". Client IP: ::ffff:10.244.1.1\n',
      report: { local_ip: '10.244.1.1', local_port: 40000, remote_ip: '10.244.1.2', remote_port: 8080, http_code: 200, http_version: '1.1', exitcode: 0, time_connect: 0.001, time_starttransfer: 0.004, time_total: 0.005, errormsg: '' },
    });
    const failed = splitCurlOutput('\nkiada-trace||0||0|0|0|7|0|0|0.002|Failed to connect | really');
    expect([failed.body, failed.report?.exitcode, failed.report?.errormsg]).toEqual(['', 7, 'Failed to connect | really']);
    expect(splitCurlOutput('no report here')).toEqual({ body: 'no report here', report: null });
  });
});
