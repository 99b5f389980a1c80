// Pods' agents on demand: a pod's loopback is reachable from inside its network namespace only, so port-forward
// needs an agent there — but only while it forwards. The first connection starts one; once its last connection
// has closed and `idleMs` passed with no new one, it is stopped. An idle pod runs nothing of the lab's.
import type { Duplex } from 'node:stream';
import { stopAgent, type Agent } from './agent-client.ts';

interface Entry {
  agent: Promise<Agent>;
  /** Connections made through it that are still open, or being made. */
  open: number;
  timer?: NodeJS.Timeout;
}

export class LazyAgents {
  private entries = new Map<string, Entry>();
  private start: (key: string) => Promise<Agent>;
  private idleMs: number;
  constructor(start: (key: string) => Promise<Agent>, idleMs: number) {
    this.start = start;
    this.idleMs = idleMs;
  }

  /** A TCP connection to host:port from inside `key`'s namespace, through its agent (started if need be). */
  async connect(key: string, host: string, port: number): Promise<Duplex> {
    const e = this.entry(key);
    clearTimeout(e.timer);
    e.open++;
    let s: Duplex;
    try {
      s = await (await e.agent).connect(host, port);
    } catch (err) {
      this.closed(key, e);
      throw err;
    }
    s.once('close', () => this.closed(key, e));
    return s;
  }

  /** The pid of `key`'s agent while one runs (tests, benchmarks). */
  async pid(key: string): Promise<number | undefined> {
    const e = this.entries.get(key);
    return e ? (await e.agent.catch(() => undefined))?.pid : undefined;
  }

  stop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    clearTimeout(e.timer);
    e.agent.then(stopAgent, () => undefined);
  }

  stopAll(): void {
    for (const key of [...this.entries.keys()]) this.stop(key);
  }

  private entry(key: string): Entry {
    const had = this.entries.get(key);
    if (had) return had;
    const e: Entry = { agent: this.start(key), open: 0 };
    this.entries.set(key, e);
    // An agent that failed to start or died is forgotten: the next connection starts another.
    const forget = () => {
      if (this.entries.get(key) === e) this.stop(key);
    };
    e.agent.then((a) => a.child.once('exit', forget), forget);
    return e;
  }

  private closed(key: string, e: Entry): void {
    if (--e.open > 0 || this.entries.get(key) !== e) return;
    e.timer = setTimeout(() => this.stop(key), this.idleMs);
    e.timer.unref();
  }
}
