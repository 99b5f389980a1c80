import { defineConfig } from 'vitest/config';

// Every tools test runs the real CLI as a process (and most a real lab): seconds each, more on a loaded 2-core CI
// machine, so vitest's 5 s default would fail tests that are only slow. The CLI's code caches go to a directory of
// the run's own (fixtures/cache-home.ts).
export default defineConfig({ test: { testTimeout: 30_000, globalSetup: ['./test/fixtures/cache-home.ts'] } });
