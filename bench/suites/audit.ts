import {
  actorFor,
  createProvider,
  createUser,
  openTraceback,
  systemActor,
  systemClock,
  verifyAuditLedger,
} from '@hoptrace/core';
import { insertAuditEntries, openDatabase } from '@hoptrace/db';
import { sql } from 'drizzle-orm';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';

/**
 * The audit ledger's cost (decision 0024), on real PostgreSQL: tracebacks opened by concurrent callers
 * (each writes its traceback, hop, notices and timeline events; every event is chained into the ledger
 * at commit under the head's lock) with the ledger trigger on and off, alternating rounds on the same
 * database; then `verifyAuditLedger` over a ledger of many entries.
 */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  const pgdb = await scratchPostgres();
  if (!pgdb)
    return [{ name: 'audit: ledger', value: NaN, unit: '', notes: 'skipped: no PostgreSQL reachable' }];
  const database = await openDatabase({ url: pgdb.url, poolSize: 16 });
  const perRound = opts.quick ? 400 : 2000;
  const concurrency = 16;
  const rounds = opts.quick ? 2 : 3;
  try {
    await database.migrate();
    const sys = { db: database.db, clock: systemClock, actor: systemActor('bench') };
    const analyst = actorFor(
      await createUser({ ...sys, input: { email: 'bench@example.test', name: 'bench', role: 'analyst' } }),
      'api',
    );
    const provider = await createProvider({
      ...sys,
      actor: analyst,
      input: {
        name: 'Bench Carrier',
        dbaNames: [],
        country: 'US',
        ocns: ['0001'],
        contacts: [],
        escalationContacts: [],
      },
    });
    const call = {
      startedAt: new Date(Date.now() - 3_600_000),
      callingNumber: '+12025550143',
      calledNumber: '+13125550188',
    };
    const round = async () => {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < perRound) {
            next++;
            await openTraceback({ ...sys, actor: analyst, input: { call, firstProviderId: provider.id } });
          }
        }),
      );
      return perRound / ((performance.now() - started) / 1000);
    };
    const setTrigger = (on: boolean) =>
      database.db.execute(sql.raw(`ALTER TABLE events ${on ? 'ENABLE' : 'DISABLE'} TRIGGER events_audit`));
    await round(); // warm-up, trigger on
    const withLedger: number[] = [];
    const without: number[] = [];
    for (let r = 0; r < rounds; r++) {
      await setTrigger(false);
      without.push(await round());
      await setTrigger(true);
      withLedger.push(await round());
    }
    const on = median(withLedger);
    const off = median(without);

    // A ledger of many entries, appended a thousand at a time, then verified whole.
    const entries = opts.quick ? 50_000 : 200_000;
    const at = new Date();
    const appendStarted = performance.now();
    for (let i = 0; i < entries; i += 1000)
      await database.db.transaction((tx) =>
        insertAuditEntries(
          tx,
          Array.from({ length: 1000 }, (_, j) => ({
            at,
            actor: 'system:bench',
            actorUserId: null,
            action: 'bench.appended',
            subjectType: 'none',
            subjectId: String(i + j),
            details: { i: i + j, note: 'a detail of about the size a command writes' },
          })),
        ),
      );
    const appendRate = entries / ((performance.now() - appendStarted) / 1000);
    const verifyStarted = performance.now();
    const verified = await verifyAuditLedger(database.db);
    const verifyRate = verified.entries / ((performance.now() - verifyStarted) / 1000);
    return [
      {
        name: 'audit: tracebacks opened per second, ledger on',
        value: Math.round(on),
        unit: 'tracebacks/s',
        notes: `${concurrency} callers, ${perRound} per round, median of ${rounds} rounds alternating with the ledger trigger off; each writes ~4 timeline events`,
      },
      {
        name: 'audit: tracebacks opened per second, ledger trigger off',
        value: Math.round(off),
        unit: 'tracebacks/s',
      },
      {
        name: 'audit: throughput kept with the ledger',
        value: Math.round((on / off) * 1000) / 10,
        unit: '%',
      },
      {
        name: 'audit: direct appends',
        value: Math.round(appendRate),
        unit: 'entries/s',
        notes: `${entries.toLocaleString('en-US')} entries, 1,000 per transaction`,
      },
      {
        name: 'audit: hoptrace audit verify',
        value: Math.round(verifyRate),
        unit: 'entries/s',
        notes: `${verified.entries.toLocaleString('en-US')} entries, ${verified.ok ? 'whole' : `BROKEN: ${verified.failure?.reason}`}`,
      },
    ];
  } finally {
    await database.close();
    await pgdb.drop();
  }
}
