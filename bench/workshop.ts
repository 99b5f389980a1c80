// A workshop of 30 on one lab (issue 13's scale): `kiada workshop up --students 30 --deploy`, the time until all 30
// kiada pods are Ready, the board's refresh (`workshop board -o json`, as the live board looks each interval), the
// lab's memory (PSS) with the 30 students — the daemon, the agents, the lab's other processes and the pods' own
// processes apart — and `workshop down`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readOwner, type TestLab } from '@kiada/lab/testing.ts';
import { labMemory, mb, breakdown } from './pss.ts';
import { fmt, limit, median, table, type Goal, type Section } from './lib.ts';
import { withLab } from './cluster.ts';
import { createCtx } from '../tools/src/lib/context.ts';
import { boardWatcher } from '../tools/src/commands/workshop/board.ts';

const STUDENTS = Number(process.env.KIADA_BENCH_STUDENTS ?? 30);
const BIN = path.join(import.meta.dirname, '..', 'tools', 'src', 'bin', 'kiada.cjs');

/** The kiada CLI as the teacher runs it, timed. */
function kiada(lab: TestLab, cwd: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, '-q', ...args], { cwd, env: { ...process.env, KUBECONFIG: lab.kubeconfig, KIADA_LAB_ID: lab.id, KIADA_LAB_HOME: lab.home }, maxBuffer: 64 << 20, timeout: 300_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`kiada ${args.join(' ')}: ${stderr || err.message}`)) : resolve({ ms: Date.now() - t0, stdout }),
    ),
  );
}

interface PodList {
  items: { metadata: { namespace: string }; status: { conditions?: { type: string; status: string }[] } }[];
}
const readyCount = (list: PodList) => list.items.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;

export async function run(): Promise<Section> {
  return withLab('Workshop', async (lab) => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kiada-bench-workshop-'));
    try {
      const t0 = Date.now();
      const up = await kiada(lab, cwd, ['workshop', 'up', '--students', String(STUDENTS), '--deploy', '-o', 'json']);
      if (JSON.parse(up.stdout).students.length !== STUDENTS) throw new Error(`workshop up made ${JSON.parse(up.stdout).students.length} students`);
      // Polled every 200 ms, as a client sees it: all the students' kiada pods Ready.
      let ready = 0;
      for (const end = Date.now() + 300_000; ready < STUDENTS; await new Promise((r) => setTimeout(r, 200))) {
        if (Date.now() > end) throw new Error(`only ${ready} of ${STUDENTS} kiada pods Ready after 5 minutes`);
        ready = readyCount(JSON.parse((await lab.kubectl(['get', 'pods', '-A', '-l', 'app=kiada', '-o', 'json'])).stdout) as PodList);
      }
      const readyMs = Date.now() - t0;

      // The live board's refresh: one look at the cluster, as `workshop board` makes every interval (the first look
      // reads every kiada log whole, the next ones only what is new).
      const look = boardWatcher(await createCtx({ kubeconfig: lab.kubeconfig, quiet: true }));
      const l0 = Date.now();
      if ((await look()).length !== STUDENTS) throw new Error('the board does not list every student');
      const firstLookMs = Date.now() - l0;
      const looks: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = Date.now();
        await look();
        looks.push(Date.now() - t);
      }
      // And `workshop board -o json` as a process (start-up, one first look, exit).
      const boards: number[] = [];
      for (let i = 0; i < 5; i++) {
        const b = await kiada(lab, cwd, ['workshop', 'board', '-o', 'json']);
        if (JSON.parse(b.stdout).students.length !== STUDENTS) throw new Error('the board does not list every student');
        boards.push(b.ms);
      }

      await new Promise((r) => setTimeout(r, 2000)); // settled
      const m = labMemory(readOwner(lab.id)!.pid);
      const by = (name: string) => m.byName.get(name) ?? { count: 0, kb: 0 };
      const daemon = by('daemon.ts');
      // The agents run from their source (agent.ts) or from the bundle (agent.mjs).
      const agents = [by('agent.ts'), by('agent.mjs')].reduce((a, b) => ({ count: a.count + b.count, kb: a.kb + b.kb }));
      const otherKb = m.labKb - daemon.kb - agents.kb;

      const down = await kiada(lab, cwd, ['workshop', 'down']);
      const upS = up.ms / 1000;
      const readyS = readyMs / 1000;
      const goals: Goal[] = [
        limit(`${STUDENTS} students with --deploy: \`workshop up\` started → all kiada pods Ready`, 's', readyS, '<', 60),
        limit(`the live board's refresh, ${STUDENTS} students (median of ${looks.length})`, 'ms', median(looks), '<', 1000),
      ];
      const text = `### Workshop (${STUDENTS} students, --deploy, one lab)\n\n` + table(['measure', 'value'], [
        ['`kiada workshop up --students N --deploy`, s', fmt(upS, 1)],
        ['`up` started → all N kiada pods Ready, s (target < 60)', fmt(readyS, 1)],
        [`the live board's refresh (one look, as every interval), median / max of ${looks.length}, ms (target < 1000)`, `${fmt(median(looks))} / ${fmt(Math.max(...looks))}`],
        ['  its first look (every kiada log read whole), ms', fmt(firstLookMs)],
        [`\`kiada workshop board -o json\` (the process: start-up, a first look, exit), median / max of ${boards.length}, ms`, `${fmt(median(boards))} / ${fmt(Math.max(...boards))}`],
        ['lab memory with N kiada pods, PSS, MB: the daemon', fmt(mb(daemon.kb), 1)],
        [`  the agents (×${agents.count})`, fmt(mb(agents.kb), 1)],
        ['  the lab\'s other processes (the containers\' `unshare` wrappers)', fmt(mb(otherKb), 1)],
        ['  the pods\' own processes (N × kiada)', fmt(mb(m.containersKb), 1)],
        ['  all of it, and per student', `${fmt(mb(m.labKb + m.containersKb), 1)}, ${fmt(mb(m.labKb + m.containersKb) / STUDENTS, 1)}`],
        [`  where: ${breakdown(m)}`, ''],
        ['`kiada workshop down`, s', fmt(down.ms / 1000, 1)],
      ]);
      return { text, goals };
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
}
