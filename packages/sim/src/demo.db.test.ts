import { computeKeyMetrics } from '@hoptrace/core';
import { schema } from '@hoptrace/db';
import { createTestDatabase } from '@hoptrace/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEmptyDatabase, loadDemo } from './demo';

describe('the demo history', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it('loads every outcome into an empty database, and never into one with data', async () => {
    const lines: string[] = [];
    const result = await loadDemo({
      db: database.db,
      now: new Date('2026-11-23T12:00:00Z'),
      print: (l) => lines.push(l),
    });
    console.log(lines.join('\n'));
    expect(result.loaded).toBe(true);
    for (const outcome of [
      'origin_identified',
      'foreign_origin',
      'non_responsive',
      'dead_end',
      'cancelled',
      'open',
    ])
      expect(result.outcomes[outcome], outcome).toBeGreaterThan(0);
    expect(new Set(result.credentials.map((c) => c.role))).toEqual(
      new Set(['admin', 'analyst', 'provider', 'enforcement']),
    );
    // Signed calls: verified signers, hops to them beside the path, and inconsistencies flagged.
    const shaken = await database.db.select().from(schema.tracebackShaken);
    const verdicts = (v: string) => shaken.filter((r) => r.verdict === v).length;
    console.log(
      `STIR/SHAKEN: ${shaken.length} signed of ${Object.values(result.outcomes).reduce((a, b) => a + b, 0)}; ` +
        `${verdicts('valid')} valid, ${verdicts('invalid')} invalid, ${verdicts('error')} error`,
    );
    expect(verdicts('valid')).toBeGreaterThan(shaken.length / 2);
    expect(verdicts('invalid')).toBeGreaterThan(0);
    expect(verdicts('error')).toBe(0);
    expect(shaken.filter((r) => r.verdict === 'valid' && !r.signerProviderId)).toHaveLength(0);
    const signerHops = (await database.db.select().from(schema.hops)).filter((h) => h.line === 'signer');
    expect(signerHops.length).toBeGreaterThan(20);
    expect(signerHops.some((h) => h.status === 'answered')).toBe(true);
    const flags = new Set(shaken.flatMap((r) => r.inconsistencies));
    for (const code of [
      'shaken_signer_not_origin',
      'shaken_cert_expired_or_revoked',
      'shaken_invalid_signature',
      'shaken_attest_a_number_not_held',
    ])
      expect(flags, code).toContain(code);
    // The enforcement user's agency has closed tracebacks with an origin to read.
    const referrals = await database.db.select().from(schema.referrals);
    expect(referrals.length).toBeGreaterThan(0);
    expect(new Set(referrals.map((r) => r.agency))).toEqual(new Set(['State AG Robocall Unit (demo)']));
    expect(lines.join('\n')).toContain('State AG Robocall Unit (demo)');
    // Calibrated to the ITG's 2024 key metrics (decision 0028, "Anchors"): the simulated year's figures,
    // computed as the public statistics compute them, sit near 4.9 hops, 10.8% of the providers
    // non-responsive and 69% of the callers warned or terminated.
    const year = (await computeKeyMetrics(database.db, 2026)).year;
    console.log(`key metrics of the demo year: ${JSON.stringify(year)}`);
    expect(year.averageHops).toBeGreaterThanOrEqual(4.6);
    expect(year.averageHops).toBeLessThanOrEqual(5.2);
    const nonResponsiveShare = year.nonResponsiveProviders / year.providersIdentified;
    expect(nonResponsiveShare).toBeGreaterThanOrEqual(0.07);
    expect(nonResponsiveShare).toBeLessThanOrEqual(0.14);
    expect(year.callerWarnedOrTerminatedShare).toBeGreaterThanOrEqual(0.62);
    expect(year.callerWarnedOrTerminatedShare).toBeLessThanOrEqual(0.76);
    expect(year.foreignOriginShare).toBeGreaterThanOrEqual(0.12);
    expect(year.foreignOriginShare).toBeLessThanOrEqual(0.28);
    expect(await isEmptyDatabase(database.db)).toBe(false);
    expect((await loadDemo({ db: database.db })).loaded).toBe(false);
  }, 180_000);
});
