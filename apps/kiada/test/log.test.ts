// The request log: the exact lines, in order, one write per event-loop turn however many lines it holds.
import { describe, it, expect } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../src/log.ts';

function sink() {
  const writes: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString('utf8'));
      done();
    },
  });
  return { out, writes };
}
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('request log', () => {
  it('writes the lines of one turn in one write, exactly, then the next turn in another', async () => {
    const { out, writes } = sink();
    const log = createLogger(out);
    log.line('Received request for / from ::ffff:127.0.0.1');
    log.line('Received request for /text from ::1');
    expect(writes).toEqual([]);
    await nextTurn();
    log.line('Received request for /ünïcode/✓ from 10.244.2.1');
    await nextTurn();
    expect(writes).toEqual([
      'Received request for / from ::ffff:127.0.0.1\nReceived request for /text from ::1\n',
      'Received request for /ünïcode/✓ from 10.244.2.1\n',
    ]);
  });

  it('keeps every line and their order past the 64 KiB batch, a line larger than the batch included', async () => {
    const { out, writes } = sink();
    const log = createLogger(out);
    const lines = Array.from({ length: 4000 }, (_, i) => `Received request for /${i} from 127.0.0.1`);
    const huge = `Received request for /${'x'.repeat(70 * 1024)} from 127.0.0.1`;
    lines.splice(2000, 0, huge);
    for (const l of lines) log.line(l);
    await nextTurn();
    expect(writes.join('')).toBe(lines.join('\n') + '\n');
    // ~78 KB before the huge line: two writes; the huge line alone; ~78 KB after it: two more.
    expect(writes.length).toBe(5);
    expect(Math.max(...writes.filter((w) => w.length < huge.length).map((w) => Buffer.byteLength(w)))).toBeLessThanOrEqual(64 * 1024);
  });

  it('never overwrites a batch a slow stream still holds (a full pipe): the next lines go to a new one', async () => {
    // A stream that takes each chunk's bytes only when it completes the write, as a full pipe does once it drains.
    const pending: { chunk: Buffer; done: () => void }[] = [];
    const taken: string[] = [];
    const out = new Writable({ write: (chunk: Buffer, _enc, done) => void pending.push({ chunk, done }) });
    const log = createLogger(out);
    for (const path of ['/1', '/22', '/333']) {
      log.line(`Received request for ${path} from ::1`);
      await nextTurn();
    }
    expect(out.writableLength).toBeGreaterThan(0);
    while (pending.length) {
      const { chunk, done } = pending.shift()!;
      taken.push(chunk.toString('utf8'));
      done();
      await nextTurn();
    }
    expect(taken).toEqual(['Received request for /1 from ::1\n', 'Received request for /22 from ::1\n', 'Received request for /333 from ::1\n']);
  });

  it('flush writes what is pending at once (shutdown)', () => {
    const { out, writes } = sink();
    const log = createLogger(out);
    log.line('Received SIGTERM, shutting down');
    log.flush();
    expect(writes).toEqual(['Received SIGTERM, shutting down\n']);
  });
});
