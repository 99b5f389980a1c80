// The book's log lines on stdout. Request lines are batched and written once per event-loop turn so that
// a synchronous stdout (a pipe or a file, as in a container) does not cost one write(2) per request.
export interface Logger {
  line(text: string): void;
  flush(): void;
}

export function createLogger(out: NodeJS.WritableStream = process.stdout): Logger {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    out.write(chunk);
  };
  return {
    line(text) {
      pending += text + '\n';
      if (pending.length > 64 * 1024) flush();
      else if (!scheduled) {
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
