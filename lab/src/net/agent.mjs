// The namespace agent: opens TCP connections from inside a network namespace. One runs per node for as long as
// the lab (probes go from the node to the pod, as the kubelet sends them), and one in a pod only while
// port-forward uses it (its loopback is reachable from inside only). On a unix socket (which works across network
// namespaces): `CONNECT <host> <port>\n` → `OK\n` or `ERR …\n`, then bytes flow both ways.
// Plain JavaScript on purpose: a .ts file would load Node's type stripper (amaro, ~12 MB PSS) into every agent.
import net from 'node:net';
import fs from 'node:fs';

const [socketPath] = process.argv.slice(2);

/** @returns {Promise<net.Socket>} */
function dial(/** @type {string} */ host, /** @type {number} */ port) {
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
async function connectLocal(/** @type {number} */ port) {
  try {
    return await dial('127.0.0.1', port);
  } catch (e4) {
    try {
      return await dial('::1', port);
    } catch (e6) {
      const msg = (/** @type {any} */ e) => (e.code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message);
      throw new Error(
        `failed to connect to localhost:${port} inside namespace "${process.env.KIADA_NETNS}", ` +
          `IPv4: dial tcp4 127.0.0.1:${port}: ${msg(e4)} IPv6 dial tcp6 [::1]:${port}: ${msg(e6)} `,
      );
    }
  }
}

const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  client.once('error', () => client.destroy());
  let head = Buffer.alloc(0);
  const onData = async (/** @type {Buffer} */ chunk) => {
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
      client.end(`ERR ${/** @type {Error} */ (err).message.replace(/\n/g, ' ')}\n`);
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
