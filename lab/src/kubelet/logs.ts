// Container output, line by line with the time each line arrived (RFC 3339 with nanoseconds, as the CRI log
// format keeps it), so `kubectl logs` can tail, follow, filter by time and show timestamps.
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import type { LogOptions } from './types.ts';

const MAX_BYTES = 8 * 1024 * 1024;

interface Line {
  time: number;
  ts: string;
  text: string;
}

function rfc3339Nano(): { time: number; ts: string } {
  const now = Date.now();
  const ns = process.hrtime.bigint() % 1_000_000n;
  const iso = new Date(now).toISOString();
  return { time: now, ts: `${iso.slice(0, 23)}${ns.toString().padStart(6, '0')}Z` };
}

/** The log of one container instance (one run of it). */
export class ContainerLog extends EventEmitter {
  // Lines before `head` are dropped (over MAX_BYTES); the array is compacted now and then. Array.shift() per
  // dropped line copied the whole array once it was large (~100k lines in 8 MiB): a chatty container at
  // thousands of lines a second then kept the daemon — and the API server in it — busy copying.
  private lines: Line[] = [];
  private head = 0;
  private bytes = 0;
  private partial = { stdout: '', stderr: '' };
  ended = false;

  write(stream: 'stdout' | 'stderr', chunk: string) {
    const text = this.partial[stream] + chunk;
    const parts = text.split('\n');
    this.partial[stream] = parts.pop()!;
    for (const p of parts) this.push(p + '\n');
  }

  private push(text: string) {
    const line = { ...rfc3339Nano(), text };
    this.lines.push(line);
    this.bytes += text.length;
    while (this.bytes > MAX_BYTES && this.lines.length - this.head > 1) this.bytes -= this.lines[this.head++].text.length;
    if (this.head >= 1024 && this.head * 2 >= this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    this.emit('line', line);
  }

  end() {
    for (const s of ['stdout', 'stderr'] as const) if (this.partial[s]) this.push(this.partial[s]);
    this.partial = { stdout: '', stderr: '' };
    this.ended = true;
    this.emit('end');
  }

  read(opts: LogOptions): Readable {
    const fmt = (l: Line) => (opts.timestamps ? `${l.ts} ${l.text}` : l.text);
    // Options the API did not check (NaN, negative) mean no limit: a NaN budget would never end the stream.
    const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
    const since = number(opts.sinceSeconds);
    const tail = number(opts.tailLines);
    let lines = this.lines.slice(this.head);
    if (since !== undefined) lines = lines.filter((l) => l.time >= Date.now() - since * 1000);
    if (tail !== undefined) lines = tail === 0 ? [] : lines.slice(-Math.floor(tail));
    let budget = number(opts.limitBytes) || Infinity;
    const out = new Readable({ read() {} });
    const emit = (l: Line) => {
      if (budget <= 0) return;
      let s = fmt(l);
      if (s.length > budget) s = s.slice(0, budget);
      budget -= s.length;
      out.push(s);
      if (budget <= 0) finish();
    };
    const onLine = (l: Line) => emit(l);
    const finish = () => {
      this.off('line', onLine);
      this.off('end', finish);
      out.push(null);
    };
    for (const l of lines) emit(l);
    if (!opts.follow || this.ended || budget <= 0) {
      if (budget > 0) out.push(null);
      return out;
    }
    this.on('line', onLine);
    this.once('end', finish);
    out.on('close', () => {
      this.off('line', onLine);
      this.off('end', finish);
    });
    return out;
  }
}
