// The plain command lines of the API commands (`kiada pod-ip -q`, `kiada exec -- hostname`, `kiada logs -c app
// --tail 5`), read without commander: loading commander and defining the program cost those commands ~2–3 ms of the
// ~48 kubectl takes (bench/README.md, CLI). Read from the same definitions (api-commands.ts), in the few forms both
// read alike — by a loop of its own: node:util's parseArgs, compiled on each run, cost ~0.5 ms. Anything else —
// help, a mistake, a form of doubt (`-ojson`, `-qo json`, a value that starts with a dash, more words than the
// command takes) — is left to commander, which answers it as it always has. tools/test/quick-parse.test.ts holds the
// two to the same result on many lines.
import { API_COMMANDS, GLOBAL_OPTIONS, camelCase, flagsOf, type ApiCommand } from './api-commands.ts';
import type { GlobalOptions } from './lib/context.ts';
import { validateName } from './lib/names.ts';

export interface QuickLine {
  command: ApiCommand;
  pod: string;
  /** exec's command; [] for the others. */
  rest: string[];
  /** The command's options, as commander's opts() has them (camelCase keys, defaults filled in). */
  opts: Record<string, string | boolean>;
  globals: GlobalOptions;
}

interface Flag {
  key: string;
  value: boolean;
  global: boolean;
  choices?: readonly string[];
}

/** The command line read as commander would read it, or undefined for commander to read. */
export function quickParse(argv: string[]): QuickLine | undefined {
  const command = Object.values(API_COMMANDS).find((c) => c.name === argv[0]);
  if (!command) return undefined;
  const long = new Map<string, Flag>();
  const short = new Map<string, Flag>();
  const opts: Record<string, string | boolean> = {};
  const globals: Record<string, string | boolean> = {};
  for (const [list, global] of [[GLOBAL_OPTIONS, true], [command.options, false]] as const) {
    for (const spec of list) {
      const f = flagsOf(spec);
      const flag = { key: camelCase(f.long), value: f.value, global, choices: spec.choices };
      long.set(f.long, flag);
      if (f.short) short.set(f.short, flag);
      if (spec.default !== undefined) (global ? globals : opts)[flag.key] = spec.default; // until the line sets it
    }
  }
  const set = (flag: Flag, value: string | true) => {
    (flag.global ? globals : opts)[flag.key] = value;
    return !flag.choices || flag.choices.includes(value as string);
  };
  const before: string[] = [];
  let after: string[] | undefined;
  // `--long value`, `--long=value`, `-s value`, `--switch`, `-s`, switches together (`-it`), `--`: nothing else (a
  // value that starts with '-' neither).
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') {
      after = argv.slice(i + 1);
      break;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const flag = long.get(eq < 0 ? word.slice(2) : word.slice(2, eq));
      if (!flag || (!flag.value && eq >= 0)) return undefined;
      const value = !flag.value ? true : eq >= 0 ? word.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && flag.value && (value as string).startsWith('-')) || !set(flag, value)) return undefined;
    } else if (word.startsWith('-') && word.length > 1) {
      const flags = [...word.slice(1)].map((c) => short.get(c));
      if (flags.length === 1 && flags[0]?.value) {
        const value = argv[++i];
        if (value === undefined || value.startsWith('-') || !set(flags[0], value)) return undefined;
      } else if (flags.every((f) => f && !f.value)) flags.forEach((f) => set(f!, true));
      else return undefined;
    } else before.push(word);
  }
  // [pod] and, for exec, the command: its words after `--` (or after the pod, without `--`).
  if (before.length > (command.rest && !after ? Infinity : 1)) return undefined;
  if (after?.length && !command.rest) return undefined;
  let pod: string;
  try {
    pod = validateName('pod', before[0] ?? 'kiada');
  } catch {
    return undefined;
  }
  return { command, pod, rest: command.rest ? [...before.slice(1), ...(after ?? [])] : [], opts, globals: globals as GlobalOptions };
}
