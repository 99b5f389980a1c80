import { defineConfig } from 'vitest/config';

// The end-to-end suites run the CLI: its code caches go to a directory of the run's own, not the runner's home.
export default defineConfig({ test: { globalSetup: ['../tools/test/fixtures/cache-home.ts'] } });
