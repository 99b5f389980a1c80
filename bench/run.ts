// `npm run bench [name]`: runs the benchmarks (all, or one) and writes their tables into bench/RESULTS.md.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

const BENCHES = ['app', 'shutdown', 'portforward', 'cli', 'lab'];
const wanted = process.argv[2] ? [process.argv[2]] : BENCHES;
const unknown = wanted.filter((w) => !BENCHES.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (one of ${BENCHES.join(', ')})`);
  process.exit(2);
}

const sections: string[] = [];
for (const name of wanted) {
  process.stderr.write(`running ${name}…\n`);
  const mod = await import(`./${name}.ts`);
  const text: string = await mod.run();
  process.stdout.write(text + '\n');
  sections.push(text);
}
const file = path.join(import.meta.dirname, 'RESULTS.md');
const head = `# Benchmark results\n\nLast run: ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}. ` +
  'Absolute numbers on shared machines are noise; the ratios are measured side by side in one run.\n\n';
// A full run writes the file anew; a single benchmark replaces only its own section (same "### Name").
const name = (section: string) => section.split('\n')[0].replace(/\s*\(.*$/, '');
let body = wanted.length === BENCHES.length || !fs.existsSync(file) ? '' : fs.readFileSync(file, 'utf8').replace(/^# Benchmark results[\s\S]*?\n\n(?=###)/, '');
const kept = body.split(/\n(?=### )/).filter((sec) => sec.startsWith('### ') && !sections.some((s) => name(s) === name(sec)));
body = [...kept.map((k) => k.trimEnd() + '\n'), ...sections].join('\n');
fs.writeFileSync(file, head + body);
