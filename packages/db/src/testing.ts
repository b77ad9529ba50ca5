import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MIGRATIONS_DIR, openDatabase, type Database } from './client';

/**
 * A fresh, migrated database for one test file: PGlite in memory by default, or
 * a new database created on the PostgreSQL server named by DATABASE_URL (and
 * dropped afterwards), so the same tests run on both.
 */
export async function createTestDatabase(): Promise<Database & { url?: string }> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const template = process.env.VITEST ? await migratedTemplate() : undefined;
    if (template) return openDatabase({ loadDataDir: template });
    const database = await openDatabase({});
    await database.migrate();
    return database;
  }
  const name = `hoptrace_t_${randomBytes(6).toString('hex')}`;
  const template = process.env.VITEST ? await postgresTemplate(serverUrl) : undefined;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  if (!template) await database.migrate();
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

// Any fixed number of its own (migrations hold 7_461_530_215, the call writer's partitions 7_461_530_216).
const TEMPLATE_LOCK_KEY = 7_461_530_217;
const templatesInProcess = new Map<string, Promise<string>>();

/**
 * Under vitest on PostgreSQL, a database migrated once per server database (DATABASE_URL) and
 * migration set, `<that database>_tpl_<key>`, from which each test file's database is created
 * (CREATE DATABASE … TEMPLATE: a file copy, where migrating takes a second or more). Built under an
 * advisory lock by whichever worker comes first, under another name and renamed when complete. It
 * is kept for the next run; .ci/run drops it with its own database.
 */
function postgresTemplate(serverUrl: string): Promise<string> {
  let made = templatesInProcess.get(serverUrl);
  if (!made) {
    made = buildPostgresTemplate(serverUrl);
    templatesInProcess.set(serverUrl, made);
  }
  return made;
}

async function buildPostgresTemplate(serverUrl: string): Promise<string> {
  const base = decodeURIComponent(new URL(serverUrl).pathname.slice(1)) || 'postgres';
  const name = `${base}_tpl_${templateKey()}`;
  if (!/^[a-z0-9_]{1,63}$/.test(name))
    throw new Error(`DATABASE_URL names a database (${base}) a test template cannot be named after`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return name;
    const building = `${name.slice(0, 57)}_build`;
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${building}`);
    const url = new URL(serverUrl);
    url.pathname = `/${building}`;
    const database = await openDatabase({ url: url.toString(), poolSize: 1 });
    try {
      await database.migrate();
    } finally {
      await database.close();
    }
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    return name;
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]).catch(() => undefined);
    await admin.end();
  }
}

const CACHE_DIR = fileURLToPath(new URL('../../../node_modules/.cache/hoptrace-test', import.meta.url));
let templateInProcess: Promise<Blob> | undefined;

/**
 * Under vitest, a PGlite data directory migrated once and copied into each test file's database:
 * a new PGlite runs initdb and every migration (several seconds per file), loading a copy does
 * neither (decision 0042). The copy is kept as a file named by the migrations' and PGlite's
 * content, so test files in other workers and later runs reuse it and a changed migration builds
 * a new one. The migrations themselves still run in full on PostgreSQL, for every file.
 */
function migratedTemplate(): Promise<Blob> {
  templateInProcess ??= (async () => {
    const file = join(CACHE_DIR, `pglite-${templateKey()}.tar`);
    try {
      return new Blob([readFileSync(file)]);
    } catch {
      // Not built yet: build it here.
    }
    const database = await openDatabase({});
    try {
      await database.migrate();
      const client = (database.db as unknown as { $client: { dumpDataDir(c: 'none'): Promise<Blob> } })
        .$client;
      const dump = await client.dumpDataDir('none');
      mkdirSync(CACHE_DIR, { recursive: true });
      // Written whole under another name, then renamed: a worker never reads half a file.
      const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, file);
      return dump;
    } finally {
      await database.close();
    }
  })();
  return templateInProcess;
}

function templateKey(): string {
  const hash = createHash('sha256');
  // PGlite's own package.json (its version), found above its entry point: its exports hide it.
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  hash.update(readFileSync(join(dir, 'package.json')));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(MIGRATIONS_DIR);
  return hash.digest('hex').slice(0, 16);
}
