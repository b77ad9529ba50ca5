import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from './client';

/**
 * Migrations run on databases that hold years of tracebacks and millions of call records, while other
 * processes wait. Each one is reviewed for how long it locks what (docs/OPERATIONS.md, Upgrades);
 * this test keeps the statements that rewrite or scan a large table under an exclusive lock out of
 * every migration after the last reviewed one, and says what to write instead.
 */
const REVIEWED_UP_TO = 11; // 0000–0011: reviewed when written; each ran on small or new tables.

/** Tables that grow without bound (the timeline, hops, call records, notices and their rollups). */
const LARGE = [
  'tracebacks',
  'hops',
  'events',
  'outbox',
  'webhook_deliveries',
  'scheduled_notices',
  'calls',
  'call_keys',
  'call_verdicts',
  'call_batches',
  'campaign_volume',
  'campaign_numbers',
  'origins',
  'attachments',
  'dno_changes',
  'rmd_changes',
];

interface Rule {
  name: string;
  test: (statement: string) => boolean;
  instead: string;
}

const onLarge = (s: string) => {
  const m = /\b(?:ALTER TABLE|ON|INTO|UPDATE|FROM)\s+(?:ONLY\s+)?(?:"?public"?\.)?"?([a-z_]+)"?/i.exec(s);
  return m ? LARGE.includes(m[1]!.toLowerCase()) : false;
};

const RULES: Rule[] = [
  {
    name: 'an index built on a large table inside the migration transaction (blocks its writes while it builds)',
    test: (s) => /^\s*CREATE\s+(UNIQUE\s+)?INDEX\b/i.test(s) && !/CONCURRENTLY/i.test(s) && onLarge(s),
    instead:
      'build it in the worker as a maintenance step with CREATE INDEX CONCURRENTLY, or on a new table only',
  },
  {
    name: 'a column type change on a large table (rewrites it under an exclusive lock)',
    test: (s) => /ALTER\s+COLUMN\s+"?\w+"?\s+(SET\s+DATA\s+)?TYPE\b/i.test(s) && onLarge(s),
    instead:
      'add a new column, fill it in batches, then switch reads and drop the old one in a later release',
  },
  {
    name: 'a new column with a volatile default on a large table (rewrites every row)',
    test: (s) =>
      /ADD\s+COLUMN[^;]*DEFAULT\s+(gen_random_uuid|now|clock_timestamp|random)\s*\(/i.test(s) && onLarge(s),
    instead: 'add it without a default (or with a constant), then fill it in batches',
  },
  {
    name: 'SET NOT NULL on a large table (scans it under an exclusive lock)',
    test: (s) => /SET\s+NOT\s+NULL/i.test(s) && onLarge(s),
    instead:
      'ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then SET NOT NULL',
  },
  {
    name: 'a foreign key or check constraint validated at once on a large table (scans it under lock)',
    test: (s) =>
      /ADD\s+CONSTRAINT[^;]*(FOREIGN\s+KEY|CHECK)/i.test(s) && !/NOT\s+VALID/i.test(s) && onLarge(s),
    instead: 'add it NOT VALID, then VALIDATE CONSTRAINT in a later migration (a weaker lock)',
  },
  {
    name: 'an UPDATE or DELETE of a large table in one statement (one long transaction)',
    test: (s) => /^\s*(UPDATE|DELETE\s+FROM)\b/i.test(s) && onLarge(s),
    instead: 'do it in batches from the worker or a command, outside the migration',
  },
];

function statementsOf(file: string): string[] {
  return readFileSync(join(MIGRATIONS_DIR, file), 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.replace(/--[^\n]*\n/g, '\n').trim())
    .filter(Boolean);
}

const files = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .sort();

describe('migrations', () => {
  it('are numbered without gaps and each is in the journal', () => {
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as {
      entries: Array<{ idx: number; tag: string }>;
    };
    expect(files.map((f) => f.replace(/\.sql$/, ''))).toEqual(journal.entries.map((e) => e.tag));
    journal.entries.forEach((e, i) => expect(e.idx).toBe(i));
  });

  it('after the last reviewed one, never rewrite or scan a large table under an exclusive lock', () => {
    const problems: string[] = [];
    for (const file of files.filter((f) => Number(f.slice(0, 4)) > REVIEWED_UP_TO))
      for (const statement of statementsOf(file))
        for (const rule of RULES)
          if (rule.test(statement))
            problems.push(`${file}: ${rule.name}: "${statement.slice(0, 90)}…"; instead: ${rule.instead}`);
    expect(problems).toEqual([]);
  });

  it('the rules catch what they are for', () => {
    const caught = (sql: string) => RULES.filter((r) => r.test(sql)).map((r) => r.name.split(' (')[0]);
    expect(caught('CREATE INDEX "hops_x" ON "hops" USING btree ("status")')).toHaveLength(1);
    expect(caught('CREATE INDEX CONCURRENTLY "hops_x" ON "hops" ("status")')).toEqual([]);
    expect(caught('CREATE INDEX "new_x" ON "agencies" ("name")')).toEqual([]);
    expect(caught('ALTER TABLE "calls" ALTER COLUMN "duration_seconds" SET DATA TYPE bigint')).toHaveLength(
      1,
    );
    expect(
      caught('ALTER TABLE "events" ADD COLUMN "ref" uuid DEFAULT gen_random_uuid() NOT NULL'),
    ).toHaveLength(1);
    expect(caught('ALTER TABLE "events" ADD COLUMN "kind" text DEFAULT \'x\' NOT NULL')).toEqual([]);
    expect(caught('ALTER TABLE "hops" ALTER COLUMN "note" SET NOT NULL')).toHaveLength(1);
    expect(
      caught('ALTER TABLE "hops" ADD CONSTRAINT "f" FOREIGN KEY ("a") REFERENCES "public"."providers"("id")'),
    ).toHaveLength(1);
    expect(
      caught(
        'ALTER TABLE "hops" ADD CONSTRAINT "f" FOREIGN KEY ("a") REFERENCES "providers"("id") NOT VALID',
      ),
    ).toEqual([]);
    expect(caught('UPDATE "tracebacks" SET "kind" = \'trace\'')).toHaveLength(1);
  });
});
