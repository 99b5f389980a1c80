// Where a running `kiada view` can be found by the user's other kiada commands, on a cluster that does not report
// its hops (not the lab): `kiada trace` then reports its own side to the page directly. One file per user and
// cluster, readable by the user only (it holds the page's token), removed when the view stops.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ViewRecord {
  pid: number;
  /** Where reports go: http://127.0.0.1:<port>/v/<token>/report */
  reportURL: string;
}

function dir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  return runtime ? path.join(runtime, 'kiada') : path.join(os.homedir(), '.kiada', 'run');
}

/** The file for one cluster (its API server URL and context): a view is found only by commands on the same one. */
export function viewFile(server: string, context: string): string {
  return path.join(dir(), `view-${createHash('sha256').update(`${server}\n${context}`).digest('hex').slice(0, 16)}.json`);
}

export function writeViewRecord(file: string, record: ViewRecord): () => void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
  fs.renameSync(tmp, file);
  return () => {
    // Only ours: another view may have taken the file since.
    if (readViewRecord(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
}

/** The running view for this cluster, if there is one (a record whose process is gone is ignored). */
export function readViewRecord(file: string): ViewRecord | null {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) return null;
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as ViewRecord;
    if (typeof r.pid !== 'number' || typeof r.reportURL !== 'string' || !r.reportURL.startsWith('http://127.0.0.1:')) return null;
    process.kill(r.pid, 0);
    return r;
  } catch {
    return null;
  }
}
