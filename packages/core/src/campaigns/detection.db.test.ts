import { listParam, rowsOf } from '@hoptrace/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCalls } from '../calls/ingest';
import type { RawCallRecord } from '../calls/records';
import { setupCore } from '../testing/fixtures';
import { CampaignDetection } from './detection';

let env: Awaited<ReturnType<typeof setupCore>>;
const SCRIPTS = [
  'Your car warranty is about to expire. Press 1 now to speak to a specialist about extending your coverage today.',
  'This is the benefits office. Your account has been suspended because of suspicious activity. Press one to talk to an officer.',
  'Congratulations, you have won a free cruise to the Bahamas. Press 1 to claim your prize before the offer ends.',
];

/** 60 calls in 6 import batches of 10 (3 scripts, in turn). */
async function importCalls(source: string): Promise<void> {
  const records: RawCallRecord[] = Array.from({ length: 60 }, (_, i) => ({
    line: i + 1,
    fields: {
      externalId: `p-${i}`,
      startedAt: new Date(Date.UTC(2026, 10, 20, 12, i)).toISOString(),
      callingNumber: `+1312555${String(1000 + i)}`,
      calledNumber: '+13125550199',
      transcript: SCRIPTS[i % 3],
    },
  }));
  await ingestCalls({
    ...env.ctx(env.analyst),
    input: {
      source,
      batchSize: 10,
      records: async function* () {
        yield await Promise.resolve(records);
      },
    },
  });
}

const rows = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => rowsOf<T>(await env.db.execute(query));
const count = async (query: ReturnType<typeof sql>) => Number((await rows<{ n: number }>(query))[0]!.n);

beforeAll(async () => {
  env = await setupCore('2026-12-01T18:00:00Z');
});
afterAll(async () => {
  await env.close();
});

describe('listParam', () => {
  it('reads back as the list it was, one NULL or one empty item included', async () => {
    const back = async (values: Array<string | null>) =>
      (await rows<{ v: Array<string | null> }>(sql`select ${listParam(values, 'text')} as v`))[0]!.v;
    expect(await back([null])).toEqual([null]);
    expect(await back([])).toEqual([]);
    expect(await back(['a', null, 'b c', ''])).toEqual(['a', null, 'b c', null]);
    const ids = (
      await rows<{ v: string[] }>(
        sql`select ${listParam(['5e1e5b1e-0000-4000-8000-000000000001'], 'uuid')} as v`,
      )
    )[0]!.v;
    expect(ids).toEqual(['5e1e5b1e-0000-4000-8000-000000000001']);
  });
});

describe('CampaignDetection, pipelined', () => {
  it('rolls back the batches after one that fails, and the next run redoes them all', async () => {
    await importCalls('pipeline');
    expect(await count(sql`select count(*)::int as n from call_batches`)).toBe(6);
    // A real failure in the database: the third batch's verdicts cannot be written.
    const third = await count(sql`select id::int as n from call_batches order by id offset 2 limit 1`);
    await env.db.execute(
      sql.raw(`
      create function refuse_third() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from call_batches b where b.id = ${third} and new.id = any(b.call_ids)) then
          raise exception 'refused for the test';
        end if;
        return new;
      end $$`),
    );
    await env.db.execute(
      sql.raw(
        `create trigger refuse_third before insert on call_verdicts for each row execute function refuse_third()`,
      ),
    );
    const detection = new CampaignDetection(env.db, env.clock, { detector: { minCalls: 3 } });
    const failure = await detection.runToCompletion().then(
      () => null,
      (err: unknown) => err as Error & { cause?: Error },
    );
    expect(failure?.cause?.message ?? failure?.message).toMatch(/refused for the test/);
    // The two batches before it committed; it and every batch after it left nothing behind.
    expect(await count(sql`select count(*)::int as n from call_batches`)).toBe(4);
    expect(await count(sql`select count(*)::int as n from call_verdicts`)).toBe(20);
    expect(await count(sql`select coalesce(sum(call_count), 0)::int as n from campaigns`)).toBe(20);

    await env.db.execute(sql.raw('drop trigger refuse_third on call_verdicts'));
    const totals = await detection.runToCompletion();
    expect(totals.batches).toBe(4);
    expect(await count(sql`select count(*)::int as n from call_batches`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from call_verdicts where campaign_id is not null`)).toBe(
      60,
    );
    // Three scripts, three campaigns of 20 calls, each holding only its own script's calls.
    const campaigns = await rows<{ n: number; scripts: number }>(
      sql`select campaign_id, count(*)::int as n, count(distinct c.transcript)::int as scripts
          from call_view c where c.campaign_id is not null group by 1 order by 2`,
    );
    expect(campaigns.map((c) => [c.n, c.scripts])).toEqual([
      [20, 1],
      [20, 1],
      [20, 1],
    ]);
    expect(await count(sql`select sum(call_count)::int as n from campaigns where status <> 'merged'`)).toBe(
      60,
    );
  });
});

describe('CampaignDetection, dates', () => {
  const ingestAt = async (source: string, transcripts: string[], from: Date) =>
    ingestCalls({
      ...env.ctx(env.analyst),
      input: {
        source,
        batchSize: 10,
        records: async function* () {
          yield await Promise.resolve(
            transcripts.map((transcript, i) => ({
              line: i + 1,
              fields: {
                externalId: `${source}-${i}`,
                startedAt: new Date(from.getTime() + i * 3_600_000).toISOString(),
                callingNumber: `+1415555${String(1000 + i)}`,
                calledNumber: '+14155550199',
                transcript,
              },
            })),
          );
        },
      },
    });
  const campaignsOf = (source: string) =>
    rows<{ campaign_id: string; n: number }>(
      sql`select c.campaign_id, count(*)::int as n from call_view c join call_sources s on s.id = c.source_id
          where s.name = ${source} group by 1 order by 2 desc`,
    );

  it('makes the same words half a year later a campaign of its own; a repeated recording joins its first', async () => {
    const script =
      'Final notice from the vehicle service department. Your factory warranty on file has lapsed, press 1 to reinstate your coverage.';
    const variant = script.replace('Final notice', 'Last courtesy call').replace('press 1', 'press one now');
    await ingestAt(
      'spring',
      Array.from({ length: 6 }, () => script),
      new Date('2026-03-02T10:00:00Z'),
    );
    await new CampaignDetection(env.db, env.clock).runToCompletion();
    const [spring] = await campaignsOf('spring');
    expect(spring?.n).toBe(6);

    // A second process (profiles and their dates from the database), 200 days on: the reworded
    // script starts a campaign of its own, and consolidation leaves the two apart.
    await ingestAt(
      'autumn',
      Array.from({ length: 6 }, () => variant),
      new Date('2026-09-18T10:00:00Z'),
    );
    await new CampaignDetection(env.db, env.clock).runToCompletion();
    const [autumn] = await campaignsOf('autumn');
    expect(autumn?.n).toBe(6);
    expect(autumn?.campaign_id).not.toBe(spring?.campaign_id);

    // The reworded script within the spring campaign's months joins it.
    await ingestAt('april', [variant.replace('now', 'today')], new Date('2026-04-20T10:00:00Z'));
    await new CampaignDetection(env.db, env.clock).runToCompletion();
    expect((await campaignsOf('april'))[0]?.campaign_id).toBe(spring?.campaign_id);

    // The spring recording itself in the autumn joins its campaign whatever the date; the campaign
    // now runs into the autumn, so the autumn variant is folded into it.
    await ingestAt('replay', [script], new Date('2026-09-20T10:00:00Z'));
    await new CampaignDetection(env.db, env.clock).runToCompletion();
    expect((await campaignsOf('replay'))[0]?.campaign_id).toBe(spring?.campaign_id);
    expect((await campaignsOf('autumn'))[0]?.campaign_id).toBe(spring?.campaign_id);
  });
});
