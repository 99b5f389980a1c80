import { defineConfig } from 'vitest/config';

// Every tools test runs the real CLI as a process (and most a real lab): seconds each, more on a loaded 2-core CI
// machine, so vitest's 5 s default would fail tests that are only slow.
export default defineConfig({ test: { testTimeout: 30_000 } });
