// The kubectl builds a test drives: the version dispatcher on the PATH (1.32 against the lab) and the oldest and
// newest builds installed beside it as kubectl.1.NN. In CI every one must be there; locally a missing one is left out.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dispatcher = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
const besides = (v: string) => path.join(path.dirname(fs.realpathSync(dispatcher)), `kubectl.${v}`);
const all: [string, string][] = [['kubectl (1.32)', dispatcher], ...(['1.27', '1.33'] as const).map((v): [string, string] => [`kubectl.${v}`, besides(v)])];
const missing = all.filter(([, bin]) => !fs.existsSync(bin)).map(([name]) => name);
if (missing.length && process.env.CI === 'true') throw new Error(`CI must have ${missing.join(', ')} beside kubectl`);
if (missing.length) console.warn(`leaving out ${missing.join(', ')}: not installed beside kubectl`);

/** [name, binary] of each kubectl build there is. */
export const KUBECTLS = all.filter(([name]) => !missing.includes(name));
