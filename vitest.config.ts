import { defineConfig } from 'vitest/config';

// Three tiers (STYLE.md habit 8): pure unit tests of the core, database tests
// (PGlite by default, real PostgreSQL when DATABASE_URL is set) and HTTP tests
// through app.inject. CI runs `db` and `http` a second time against PostgreSQL.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
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
        test: { name: 'db', include: ['packages/*/src/**/*.db.test.ts', 'apps/*/src/**/*.db.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'http', include: ['apps/*/src/**/*.http.test.ts', 'apps/*/test/**/*.http.test.ts'] },
      },
    ],
  },
});
