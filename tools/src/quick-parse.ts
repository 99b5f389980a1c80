// The plain command lines of the API commands (`kiada pod-ip -q`, `kiada exec -- hostname`, `kiada logs -c app
// --tail 5`), read without commander: loading commander and defining the program cost those commands ~2–3 ms of the
// ~48 kubectl takes (bench/README.md, CLI). Read from the same definitions (api-commands.ts) with node:util's
// parseArgs, in the forms both read alike; anything else — help, a mistake, a form of doubt (`-ojson`, `-qo json`,
// a value that starts with a dash, more words than the command takes) — is left to commander, which answers it as
// it always has. tools/test/quick-parse.test.ts holds the two to the same result on many lines.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { API_COMMANDS, GLOBAL_OPTIONS, camelCase, flagsOf, type ApiCommand, type OptionSpec } from './api-commands.ts';
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

/** The command line read as commander would read it, or undefined for commander to read. */
export function quickParse(argv: string[]): QuickLine | undefined {
  const command = Object.values(API_COMMANDS).find((c) => c.name === argv[0]);
  if (!command) return undefined;
  const specs = new Map<string, { spec: OptionSpec; value: boolean; global: boolean }>();
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [list, global] of [[GLOBAL_OPTIONS, true], [command.options, false]] as const) {
    for (const spec of list) {
      const f = flagsOf(spec);
      specs.set(f.long, { spec, value: f.value, global });
      options[f.long] = { type: f.value ? 'string' : 'boolean', ...(f.short ? { short: f.short } : {}) };
    }
  }
  const args = argv.slice(1);
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true });
  } catch {
    return undefined; // an unknown flag, a value missing or starting with '-': commander's words for it
  }
  const opts: Record<string, string | boolean> = {};
  const globals: Record<string, string | boolean> = {};
  const before: string[] = [];
  const after: string[] = [];
  let terminated = false;
  for (const t of parsed.tokens) {
    if (t.kind === 'option-terminator') terminated = true;
    else if (t.kind === 'positional') (terminated ? after : before).push(t.value);
    else {
      const { spec, value, global } = specs.get(t.name)!;
      const word = args[t.index];
      // `--long value`, `--long=value`, `-s value`, `--switch`, `-s`, or switches together (`-it`): nothing else.
      const plain = word === t.rawName || (t.inlineValue && word === `${t.rawName}=${t.value}` && t.rawName.startsWith('--'));
      const grouped = !plain && !value && /^-\w+$/.test(word) && [...word.slice(1)].every((c) => ![...specs.values()].find((s) => flagsOf(s.spec).short === c)?.value);
      if (!plain && !grouped) return undefined;
      if (spec.choices && !spec.choices.includes(t.value!)) return undefined;
      (global ? globals : opts)[camelCase(t.name)] = value ? t.value! : true;
    }
  }
  // [pod] and, for exec, the command: its words after `--` (or after the pod, without `--`).
  if (before.length > (command.rest && !terminated ? Infinity : 1)) return undefined;
  if (after.length && !command.rest) return undefined;
  let pod: string;
  try {
    pod = validateName('pod', before[0] ?? 'kiada');
  } catch {
    return undefined;
  }
  for (const spec of command.options) if (spec.default !== undefined) opts[camelCase(flagsOf(spec).long)] ??= spec.default;
  return { command, pod, rest: command.rest ? [...before.slice(1), ...after] : [], opts, globals: globals as GlobalOptions };
}
