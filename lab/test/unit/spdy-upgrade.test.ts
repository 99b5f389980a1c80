// The HTTP side of the SPDY/3.1 upgrade: how kubectl asks for it (headers recorded from the real kubectl in
// fixtures/spdy-portforward.json) and the 101 it accepted.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import type http from 'node:http';
import { isSpdyUpgrade, offeredVersions, acceptSpdyUpgrade } from '../../src/stream/spdy/upgrade.ts';

const fixture = JSON.parse(fs.readFileSync(new URL('fixtures/spdy-portforward.json', import.meta.url), 'utf8'));
const req = (headers: http.IncomingHttpHeaders) => ({ headers }) as http.IncomingMessage;

describe('SPDY/3.1 upgrade', () => {
  it('recognizes kubectl\'s upgrade request, in any case, and nothing else', () => {
    expect(isSpdyUpgrade(req(fixture.request))).toBe(true);
    expect(isSpdyUpgrade(req({ upgrade: 'spdy/3.1' }))).toBe(true);
    expect(isSpdyUpgrade(req({ upgrade: 'websocket' }))).toBe(false);
    expect(isSpdyUpgrade(req({ upgrade: 'SPDY/3' }))).toBe(false);
    expect(isSpdyUpgrade(req({}))).toBe(false);
  });

  it('reads the offered stream protocol versions in the client\'s order (Node joins repeated headers with ", ")', () => {
    expect(offeredVersions(req(fixture.request))).toEqual(['portforward.k8s.io']);
    // kubectl exec's SPDY fallback sends one X-Stream-Protocol-Version header per version.
    expect(offeredVersions(req({ 'x-stream-protocol-version': 'v5.channel.k8s.io, v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io' })))
      .toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
    expect(offeredVersions(req({}))).toEqual([]);
  });

  it('answers with the 101 kubectl accepted, naming the chosen version', () => {
    const socket = new PassThrough();
    acceptSpdyUpgrade(socket, 'portforward.k8s.io');
    expect(socket.read().toString()).toBe(fixture.response);
    expect(fixture.response).toBe('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
  });
});
