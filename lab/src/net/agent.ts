// The sandbox agent: one per node and per pod, like a pause container. Started inside the namespace's network
// and in a UTS namespace of its own, it sets the hostname (node or pod name) and holds both namespaces, so
// containers and exec join them with `nsenter -t <agent pid> -n -u`. On a unix socket (which works across
// network namespaces) it opens TCP connections from inside: `CONNECT <host> <port>\n` → `OK\n` or `ERR …\n`,
// then bytes flow both ways. That is how port-forward reaches the pod's loopback and probes reach the pod.
import net from 'node:net';
import fs from 'node:fs';

const [hostname, socketPath] = process.argv.slice(2);
fs.writeFileSync('/proc/sys/kernel/hostname', hostname);

function dial(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true, allowHalfOpen: true });
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', reject);
  });
}

// What containerd says when the pod's loopback refuses; kubectl prints it as it is.
async function connectLocal(port: number): Promise<net.Socket> {
  try {
    return await dial('127.0.0.1', port);
  } catch (e4) {
    try {
      return await dial('::1', port);
    } catch (e6) {
      const msg = (e: unknown) => ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connect: connection refused' : (e as Error).message);
      throw new Error(
        `failed to connect to localhost:${port} inside namespace "${process.env.KIADA_NETNS ?? hostname}", ` +
          `IPv4: dial tcp4 127.0.0.1:${port}: ${msg(e4)} IPv6 dial tcp6 [::1]:${port}: ${msg(e6)} `,
      );
    }
  }
}

const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  client.once('error', () => client.destroy());
  let head = Buffer.alloc(0);
  const onData = async (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    client.off('data', onData);
    client.pause();
    const [verb, host, portText] = head.subarray(0, nl).toString().split(' ');
    const rest = head.subarray(nl + 1);
    const port = Number(portText);
    try {
      if (verb !== 'CONNECT' || !(port > 0 && port < 65536)) throw new Error('bad request');
      const upstream = host === 'localhost' ? await connectLocal(port) : await dial(host, port);
      client.write('OK\n');
      if (rest.length) upstream.write(rest);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      // allowHalfOpen on both sides: a FIN travels through without closing the other direction.
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    } catch (err) {
      client.end(`ERR ${(err as Error).message.replace(/\n/g, ' ')}\n`);
    }
  };
  client.on('data', onData);
});

fs.rmSync(socketPath, { force: true });
server.listen(socketPath, () => process.stdout.write('ready\n'));
// The lab daemon holds our stdin: when it goes away (even SIGKILLed), so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
