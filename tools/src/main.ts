// The CLI's entry (the bin, fast.cjs, the bundle): a plain command line of an API command runs at once
// (quick-parse.ts), without commander; every other line — help, the version, a mistake, the other commands — goes
// to the whole CLI (cli.ts), loaded then.
import { quickParse } from './quick-parse.ts';
import { reportError } from './lib/errors.ts';

/** Runs a command line; `only`: its first word (fast.cjs: cli.ts defines that command alone). The exit code. */
export async function main(argv: string[], only?: string): Promise<number> {
  const line = quickParse(argv);
  if (!line) return (await import('./cli.ts')).main(argv, only);
  try {
    const { createApiCtx } = await import('./lib/context.ts');
    return (await line.command.run(await createApiCtx(line.globals), line.pod, line.opts, line.rest)) ?? 0;
  } catch (err) {
    return reportError(err);
  }
}
