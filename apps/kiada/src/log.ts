// The book's log lines on stdout. Request lines are batched and written once per event-loop turn so that
// a synchronous stdout (a pipe or a file, as in a container) does not cost one write(2) per request.
export interface Logger {
  line(text: string): void;
  flush(): void;
}

const BATCH_BYTES = 64 * 1024;

export function createLogger(out: NodeJS.WritableStream & { writableLength?: number } = process.stdout): Logger {
  // Each line is written into this buffer, outside V8's heap, as it comes, and the buffer itself goes to the
  // stream: no string is kept until the flush and no chunk is copied for it. Whatever is alive when V8 collects its
  // young generation survives that collection (a copy from Buffer's shared pool even got promoted), and under
  // load those survivors made V8 double its young generation where raw node:http does not: +7 MB RSS
  // (bench/README.md).
  let batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  let used = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (used === 0) return;
    const chunk = batch.subarray(0, used);
    used = 0;
    out.write(chunk);
    // Written at once (stdout a file, or a pipe with room): the batch is free again. Still queued in the stream
    // (a full pipe, an asynchronous stdout): the stream keeps that batch, the next lines go to a new one.
    if (out.writableLength !== 0) batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  };
  return {
    line(text) {
      const most = text.length * 3 + 1; // UTF-8 takes at most 3 bytes per UTF-16 unit
      if (used + most > BATCH_BYTES) {
        flush();
        if (most > BATCH_BYTES) return void out.write(text + '\n');
      }
      used += batch.write(text, used);
      batch[used++] = 0x0a;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

export const VERSION = '0.1';

/** The banner the book's app prints when it starts. */
export function bannerLines(hostname: string, port: number): string[] {
  return [
    'Kiada - Kubernetes in Action Demo Application',
    '---------------------------------------------',
    `Kiada ${VERSION} starting...`,
    `Local hostname is ${hostname}`,
    `Listening on port ${port}`,
  ];
}
