import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tiers (STYLE.md habit 8): pure unit tests of the core, database tests
// (PGlite by default, real PostgreSQL when DATABASE_URL is set), HTTP tests
// through app.inject, and a few browser tests of the portal. CI runs `db` and
// `http` a second time against PostgreSQL.
//
// Speed (decision 0042): at least two test files at a time, also on CI's two CPUs, where vitest's
// default (CPUs - 1) ran one file after the other while most of them wait on I/O, child processes and
// sockets at some point. The db and http files run without module isolation: a worker imports the
// server, the core and the database layer once for all its files instead of once per file (each
// file still opens its own database and app, so no state is shared through them).
// These db files run the CLI on an embedded data directory whatever DATABASE_URL says (they set it empty
// for the command): the PostgreSQL pass would run exactly what the PGlite pass ran, so it leaves them out.
const EMBEDDED_ONLY = [
  'apps/cli/src/dataDirOwner.db.test.ts',
  'apps/cli/src/rmdImport.db.test.ts',
  'apps/cli/src/reportCommand.db.test.ts',
  'apps/cli/src/callsCommand.db.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          exclude: ['**/*.db.test.ts', '**/*.http.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'db',
          include: ['packages/*/src/**/*.db.test.ts', 'apps/*/src/**/*.db.test.ts'],
          exclude: ['**/node_modules/**', ...(process.env.DATABASE_URL ? EMBEDDED_ONLY : [])],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'http',
          include: ['apps/*/src/**/*.http.test.ts', 'apps/*/test/**/*.http.test.ts'],
          isolate: false,
        },
      },
      // The portal in Debian's Chromium through playwright-core, against a real server. Skipped with a
      // printed line when Chromium is absent, required under CI=true (see apps/web/test/node/globalSetup.ts).
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['apps/web/test/**/*.browser.test.ts'],
          globalSetup: ['apps/web/test/node/globalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
