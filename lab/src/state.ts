// The running daemon's state file: written atomically once the lab is ready, removed by `lab down`.
import fs from 'node:fs';

export interface LabState {
  id: string;
  pid: number;
  port: number;
  kubeconfig: string;
  home: string;
  startedAt: string;
  nodes: { name: string; agentPid: number; netns: string }[];
}

export function readState(file: string): LabState | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LabState;
  } catch {
    return null;
  }
}

export function writeState(file: string, state: LabState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
