// `npm run bench [name]`: runs the benchmarks (all, or one), prints their tables and then one summary of every
// goal (each section's `goals`), and writes the summary and the tables into bench/RESULTS.md.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { goalTable, type Goal, type Section } from './lib.ts';

const BENCHES = ['app', 'shutdown', 'portforward', 'cli', 'lab', 'workshop'];
const wanted = process.argv[2] ? [process.argv[2]] : BENCHES;
const unknown = wanted.filter((w) => !BENCHES.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (one of ${BENCHES.join(', ')})`);
  process.exit(2);
}

const sections: string[] = [];
const goals: (Goal & { section: string })[] = [];
for (const name of wanted) {
  process.stderr.write(`running ${name}…\n`);
  const mod = await import(`./${name}.ts`);
  // A section is its text and its goal rows; a plain string (no goals) still works.
  const result: string | Section = await mod.run();
  const { text, goals: own } = typeof result === 'string' ? { text: result, goals: [] } : result;
  process.stdout.write(text + '\n');
  sections.push(text);
  goals.push(...own.map((g) => ({ section: name, ...g })));
}
const file = path.join(import.meta.dirname, 'RESULTS.md');
const old = wanted.length === BENCHES.length || !fs.existsSync(file) ? '' : fs.readFileSync(file, 'utf8');

// The summary: this run's goals; a single benchmark keeps the other benchmarks' rows of the last run.
const SUMMARY = '## Summary';
const sectionOf = (row: string) => row.slice(2, row.indexOf(' | '));
const dataRows = (md: string) => md.split('\n').filter((l) => l.startsWith('| ') && !/^\| (section|---) /.test(l));
const oldRows = dataRows(old.split(SUMMARY)[1]?.split('\n###')[0] ?? '').filter((row) => !wanted.includes(sectionOf(row)));
const [tableHead, tableRule] = goalTable([]).split('\n');
const rows = [...oldRows, ...dataRows(goalTable(goals))].sort((a, b) => BENCHES.indexOf(sectionOf(a)) - BENCHES.indexOf(sectionOf(b)));
// Rows only reported (no target) are neither met nor missed.
const targets = goals.filter((g) => g.target);
const met = targets.filter((g) => g.met).length;
if (goals.length) process.stdout.write(`\n${SUMMARY} (${met} of ${targets.length} goals met)\n\n${goalTable(goals)}`);
const summary = rows.length
  ? `${SUMMARY}\n\nEvery goal, from the tables below (ratio = ours / reference, measured side by side in the same run).\n\n` +
    [tableHead, tableRule, ...rows].join('\n') + '\n\n'
  : '';

const head = `# Benchmark results\n\nLast run: ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}. ` +
  'Absolute numbers on shared machines are noise; the ratios are measured side by side in one run.\n\n';
// A full run writes the file anew; a single benchmark replaces only its own section (same "### Name").
const name = (section: string) => section.split('\n')[0].replace(/\s*\(.*$/, '');
let body = old.replace(/^# Benchmark results[\s\S]*?\n\n(?=###)/, '');
const keptSections = body.split(/\n(?=### )/).filter((sec) => sec.startsWith('### ') && !sections.some((s) => name(s) === name(sec)));
body = [...keptSections.map((k) => k.trimEnd() + '\n'), ...sections].join('\n');
fs.writeFileSync(file, head + summary + body);
