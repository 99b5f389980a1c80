// The namespace agent: opens TCP connections from inside a network namespace and hands them to the lab's daemon.
// One runs per node for as long as the lab (probes go from the node to the pod, as the kubelet sends them), and
// one in a pod only while port-forward uses it (its loopback is reachable from inside only). The daemon asks on
// the IPC channel it spawned us with — `{ id, host, port }` — and gets back `{ id }` with the connected socket
// itself (its descriptor passed over the channel: a socket stays in the namespace it was made in, and from then on
// the bytes go between the daemon and the peer with no relay), or `{ id, err }` in containerd's words.
// Plain JavaScript on purpose: a .ts file would load Node's type stripper (amaro, ~12 MB PSS) into every agent.
import net from 'node:net';

/** @returns {Promise<net.Socket>} */
function dial(/** @type {string} */ host, /** @type {number} */ port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    // Not a byte is read here: what the peer sends first (a greeting) waits in the kernel for the daemon.
    s.pause();
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

const send = /** @type {NonNullable<typeof process.send>} */ (process.send).bind(process);
process.on('message', async (/** @type {{ id: number; host: string; port: number }} */ m) => {
  let s;
  try {
    if (!(Number.isInteger(m.port) && m.port > 0 && m.port < 65536)) throw new Error('bad request');
    s = m.host === 'localhost' ? await connectLocal(m.port) : await dial(m.host, m.port);
  } catch (err) {
    send({ id: m.id, err: /** @type {Error} */ (err).message.replace(/\n/g, ' ') });
    return;
  }
  // Sent, our copy is closed; a peer that reset meanwhile is the daemon's to see.
  s.on('error', () => undefined);
  send({ id: m.id }, s);
});
// The daemon holds the other end of the channel: when it goes away (even SIGKILLed), so do we.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
send({ ready: true });
