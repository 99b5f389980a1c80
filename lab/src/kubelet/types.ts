import type { Readable, Writable, Duplex } from 'node:stream';

/** What `kubectl logs` asks for (PodLogOptions), as the API server has decoded and checked it. */
export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
}

/** A process's standard streams as exec and attach need them. */
export interface ContainerIO {
  stdin: Writable | null;
  stdout: Readable;
  stderr: Readable | null;
  resize(cols: number, rows: number): void;
  /**
   * Resolves with the exit code when the process ends (attach: when the container ends); rejects with the
   * kubelet's ApiError when the command could not start (exec of a command runc does not find).
   */
  exitCode: Promise<number>;
  kill(): void;
}

export interface Kubelet {
  logs(ns: string, pod: string, opts: LogOptions): Readable;
  exec(ns: string, pod: string, container: string | undefined, argv: string[], opts: { stdin: boolean; tty: boolean }): ContainerIO;
  attach(ns: string, pod: string, container: string | undefined, opts: { stdin: boolean; tty: boolean }): ContainerIO;
  portForward(ns: string, pod: string, port: number): Promise<Duplex>;
  stop(): Promise<void>;
}
