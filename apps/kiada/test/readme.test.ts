// apps/kiada/README.md's table of flags against config.ts: the same flags, short forms, environment variables
// and defaults, so that neither can change without the other.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { OPTIONS, FALLBACKS, USAGE, loadConfig } from '../src/config.ts';

const README = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the table under "### Flags": [flag, short, env var, default], code quotes removed. */
function flagRows(): string[][] {
  const section = README.slice(README.indexOf('### Flags'));
  const table = section.slice(section.indexOf('| Flag |')).split('\n\n')[0].split('\n').slice(2);
  return table.map((row) => row.split('|').slice(1, 5).map((cell) => cell.trim().replace(/^`(.*)`$/, '$1')));
}

describe('README.md', () => {
  it('lists exactly the flags config.ts knows, with their short form, environment variable and default', () => {
    const fallbacks: Record<string, { env: string; default: string }> = FALLBACKS;
    const fromConfig = Object.entries(OPTIONS).map(([name, o]) => [`--${name}`, `-${o.short}`, fallbacks[name]?.env ?? '', fallbacks[name]?.default ?? '']);
    expect(flagRows()).toEqual(fromConfig);
  });

  it('each environment variable and default in the table is the one loadConfig uses', () => {
    expect(loadConfig([], {}).port).toBe(8080);
    expect(loadConfig([], { PORT: '7070' }).port).toBe(7070);
    expect(loadConfig([], { KIADA_BIND: 'loopback' }).addresses).toEqual(['127.0.0.1', '::1']);
    expect(loadConfig([], {}).addresses).toEqual(['::']);
  });

  it('and the usage text names the same flags', () => {
    for (const [name, o] of Object.entries(OPTIONS)) {
      if (name === 'help') continue;
      const { env, default: def } = FALLBACKS[name as keyof typeof FALLBACKS];
      expect(USAGE).toMatch(new RegExp(`--${name}, -${o.short} .*\\(env ${env}, default ${def}\\)`));
    }
  });
});
