import { schema } from '@hoptrace/db';
import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCalls } from '../calls/ingest';
import type { RawCallRecord } from '../calls/records';
import { createCallSource, listCallsFor } from '../calls/sources';
import { actOnTraceback } from '../commands/actOnTraceback';
import { NotFoundError } from '../errors';
import { systemActor } from '../actor';
import { getTimeline, getTraceback } from '../queries/tracebacks';
import { setupCore } from '../testing/fixtures';
import { CampaignDetection } from './detection';
import {
  autoOpenScheduled,
  autoOpenSlot,
  autoOpenTracebacks,
  getCampaignDetail,
  listCampaignsRanked,
  mergeCampaigns,
  openedBy,
  openTracebacksOfCalls,
  setAutoOpenPolicy,
  splitCampaign,
  updateCampaign,
} from './intel';

let env: Awaited<ReturnType<typeof setupCore>>;
let detection: CampaignDetection;
let terminatingId: string;
const NOW = '2026-12-01T18:00:00Z';

const WARRANTY = [
  'We have been trying to reach you about your car warranty. This is {name} from the vehicle service department. Press 1 now to speak to a specialist before your coverage expires on {date}, or call us back at 888-555-01{nn}.',
];
const BENEFITS = [
  'This is the benefits administration. Your benefit number has been suspended because of suspicious activity in {city}. Press one to talk to an officer about case number {case} right now.',
];
const PHARMACY = [
  'Hello, this is your pharmacy with a reminder that your prescription is ready for pickup. Reply or call during business hours. Thank you.',
];
const NAMES = ['Jessica', 'Michael', 'Sarah', 'David', 'Emily', 'James', 'Laura', 'Robert'];

function render(template: string, i: number): string {
  return template
    .replace('{name}', NAMES[i % NAMES.length]!)
    .replace('{date}', `December ${(i % 27) + 1}`)
    .replace('{nn}', String(10 + (i % 80)))
    .replace('{city}', ['Houston', 'El Paso', 'Dallas'][i % 3]!)
    .replace('{case}', String(400_000 + i * 37));
}

let seq = 0;
function calls(script: string, n: number, hoursAgo: (i: number) => number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    externalId: `c-${++seq}`,
    startedAt: new Date(Date.parse(NOW) - hoursAgo(i) * 3_600_000).toISOString(),
    callingNumber: `+1312555${String(1000 + seq).slice(-4)}`,
    calledNumber: '+13125550199',
    transcript: render(script, i),
  }));
}

async function ingest(list: Array<Record<string, unknown>>) {
  const records: RawCallRecord[] = list.map((fields, i) => ({ line: i + 1, fields }));
  return ingestCalls({
    ...env.ctx(env.analyst),
    input: {
      source: 'honeypot-test',
      records: async function* () {
        yield await Promise.resolve(records);
      },
    },
  });
}

const ctx = () => env.ctx(env.analyst);

async function ranked(status?: 'active' | 'candidate' | 'legitimate' | 'all') {
  return (
    await listCampaignsRanked({
      ...ctx(),
      query: { sort: 'volume', limit: 50, ...(status ? { status } : {}) },
    })
  ).items;
}

async function campaignOf(transcriptPart: string) {
  const list = await ranked('all');
  for (const c of list) {
    const sample = await listCallsFor({ ...ctx(), query: { campaignId: c.id, limit: 5 } });
    if (sample.items.some((k) => k.transcript?.includes(transcriptPart))) return c;
  }
  throw new Error(`no campaign says "${transcriptPart}"`);
}

beforeAll(async () => {
  env = await setupCore(NOW);
  const { provider } = await env.provider('Fictional Terminating Co');
  terminatingId = provider.id;
  await createCallSource({
    ...ctx(),
    input: { name: 'honeypot-test', terminatingProviderId: terminatingId },
  });
  // Warranty: 12 calls in the last day; benefits: 7 over the week; pharmacy reminders: 6.
  await ingest([
    ...calls(WARRANTY[0]!, 12, (i) => 1 + i),
    ...calls(BENEFITS[0]!, 7, (i) => 30 + i * 20),
    ...calls(PHARMACY[0]!, 6, (i) => 2 + i * 3),
    { externalId: 'silent-1', startedAt: NOW, callingNumber: '+13125550100', calledNumber: '+13125550199' },
  ]);
  detection = new CampaignDetection(env.db, env.clock);
  await detection.runToCompletion();
});
afterAll(() => env.close());

describe('campaign detection and ranking', () => {
  it('groups the calls by script, ranks by volume, and keeps callers and spoken callback numbers', async () => {
    const list = await ranked();
    // By calls in the last 24 hours: the reminders of today before the benefits calls of the week.
    expect(list.map((c) => [c.callCount, c.callCount24h]).slice(0, 3)).toEqual([
      [12, 12],
      [6, 6],
      [7, 0],
    ]);
    const [warranty] = list;
    expect(warranty).toMatchObject({
      rank: 1,
      callCount24h: 12,
      callCount7d: 12,
      origin: 'detected',
      status: 'active',
    });
    expect(warranty!.distinctCallerNumbers).toBe(12);
    expect(warranty!.callbackNumbers.length).toBeGreaterThan(1);
    expect(warranty!.callbackNumbers.every((n) => /^\+1888555/.test(n))).toBe(true);
    expect(warranty!.dailyVolume).toHaveLength(30);
    expect(warranty!.dailyVolume.reduce((a, b) => a + b, 0)).toBe(12);
    expect(warranty!.growth).toBeNull();
    const detail = await getCampaignDetail({ ...ctx(), campaignId: warranty!.id });
    expect(detail.samples.length).toBeGreaterThan(0);
    const segments = detail.samples[0]!.segments;
    expect(segments.map((s) => s.text).join('')).toContain('car warranty');
    expect(segments.some((s) => s.kind !== 'fixed')).toBe(true);
    expect(detail.representativeCall).not.toBeNull();
    // A call without transcript or fingerprint is unassigned, and says so.
    const silent = await listCallsFor({ ...ctx(), query: { number: '+13125550100', limit: 5 } });
    expect(silent.items[0]).toMatchObject({ campaignId: null, assignedBy: null });
  });

  it('keeps a campaign marked legitimate out of the ranking, also after more of its calls arrive', async () => {
    const pharmacy = await campaignOf('your pharmacy');
    await updateCampaign({
      ...ctx(),
      campaignId: pharmacy.id,
      input: { legitimate: true, name: 'Pharmacy reminders' },
    });
    expect((await ranked()).map((c) => c.id)).not.toContain(pharmacy.id);
    await ingest(calls(PHARMACY[0]!, 3, (i) => 1 + i));
    await detection.runToCompletion();
    const after = await getCampaignDetail({ ...ctx(), campaignId: pharmacy.id });
    expect(after).toMatchObject({
      status: 'legitimate',
      name: 'Pharmacy reminders',
      namedByAnalyst: true,
      callCount: 9,
    });
    expect((await ranked()).map((c) => c.id)).not.toContain(pharmacy.id);
  });

  it('splits calls off into a campaign of their own that detection never merges back', async () => {
    const warranty = await campaignOf('car warranty');
    const part = (await listCallsFor({ ...ctx(), query: { campaignId: warranty.id, limit: 3 } })).items;
    const created = await splitCampaign({
      ...ctx(),
      campaignId: warranty.id,
      input: { callIds: part.map((c) => c.id), name: 'Warranty, second dialer' },
    });
    expect(created).toMatchObject({ callCount: 3, keptApart: [warranty.id], namedByAnalyst: true });
    const rest = await getCampaignDetail({ ...ctx(), campaignId: warranty.id });
    expect(rest.callCount).toBe(9);
    expect(rest.keptApart).toContain(created.id);
    // A later run (with its consolidation) leaves both as the analyst left them.
    await ingest(calls(WARRANTY[0]!, 2, (i) => 0.5 + i));
    await detection.runToCompletion();
    const moved = await listCallsFor({ ...ctx(), query: { campaignId: created.id, limit: 10 } });
    const placed = moved.items.filter((c) => c.assignedBy === 'analyst');
    expect(placed.map((c) => c.id).sort()).toEqual(part.map((c) => c.id).sort());
    // The same script: new calls may join either part, but the two stay two.
    for (const id of [created.id, warranty.id])
      expect((await getCampaignDetail({ ...ctx(), campaignId: id })).status).toBe('active');
    expect(
      (await getCampaignDetail({ ...ctx(), campaignId: warranty.id })).callCount + moved.items.length,
    ).toBe(14);
  });

  it('merges campaigns: calls, numbers and volume move, the absorbed one points to the kept one', async () => {
    const warranty = await campaignOf('car warranty');
    const benefits = await campaignOf('benefits administration');
    const before = warranty.callCount + benefits.callCount;
    const merged = await mergeCampaigns({ ...ctx(), campaignId: warranty.id, absorb: [benefits.id] });
    expect(merged.callCount).toBe(before);
    const [gone] = await env.db.select().from(schema.campaigns).where(eq(schema.campaigns.id, benefits.id));
    expect(gone).toMatchObject({ status: 'merged', mergedIntoId: warranty.id });
    const left = await listCallsFor({ ...ctx(), query: { campaignId: benefits.id, limit: 5 } });
    expect(left.items).toEqual([]);
    await expect(
      mergeCampaigns({ ...ctx(), campaignId: benefits.id, absorb: [warranty.id] }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('auto-open', () => {
  it('lists in a dry run, opens one traceback per top campaign with its reason, and never a second', async () => {
    const policy = { enabled: true, topK: 2, windowDays: 10, minCalls24h: 1 };
    await setAutoOpenPolicy({ ...ctx(), input: policy });
    const dry = await autoOpenTracebacks({ ...ctx(), dryRun: true });
    const toOpen = dry.items.filter((i) => i.action === 'open');
    expect(toOpen.length).toBeGreaterThan(0);
    expect(toOpen[0]).toMatchObject({ rank: 1, firstProviderId: terminatingId, tracebackId: null });
    expect(await env.db.$count(schema.tracebacks)).toBe(0);

    const run = await autoOpenTracebacks({ ...ctx(), dryRun: false });
    const opened = run.items.filter((i) => i.action === 'open');
    expect(opened.length).toBe(toOpen.length);
    const traceback = await getTraceback({ ...ctx(), tracebackId: opened[0]!.tracebackId! });
    expect(traceback.campaignId).toBe(opened[0]!.campaignId);
    const timeline = await getTimeline({ ...ctx(), tracebackId: opened[0]!.tracebackId! });
    const event = timeline.find((e) => e.type === 'traceback.opened');
    expect(event?.data).toMatchObject({
      callId: opened[0]!.callId,
      openedBecause: { kind: 'campaign_rank', rank: 1 },
    });

    const again = await autoOpenTracebacks({ ...ctx(), dryRun: false });
    expect(again.items.filter((i) => i.action === 'open')).toEqual([]);
    expect(again.items[0]!.reason).toContain('open already');
  });

  it('is refused to a provider user', async () => {
    const { actor } = await env.provider();
    await expect(autoOpenTracebacks({ ...env.ctx(actor), dryRun: true })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('scheduled auto-open', () => {
  it('runs once per period, waits to trace a campaign again, and keeps to the daily maximum', async () => {
    // The campaigns traced above: their tracebacks are withdrawn, so none is open.
    const open = await env.db.select().from(schema.tracebacks).where(eq(schema.tracebacks.status, 'open'));
    expect(open.length).toBeGreaterThan(0);
    for (const t of open)
      await actOnTraceback({ ...ctx(), tracebackId: t.id, input: { action: 'cancel', note: 'test' } });
    const policy = {
      enabled: true,
      topK: 3,
      windowDays: 10,
      minCalls24h: 0,
      everyMinutes: 5,
      maxPerDay: 1,
      retraceAfterHours: 24,
    };
    await setAutoOpenPolicy({ ...ctx(), input: policy });
    const system = env.ctx(systemActor('campaigns'));
    const traced = new Set(open.map((t) => t.campaignId));

    // Traced less than 24 hours ago: not again yet.
    expect(openedBy(await autoOpenScheduled(system))).toBe(0);
    const waiting = await autoOpenTracebacks({ ...ctx(), dryRun: true });
    const reasons = waiting.items.filter((i) => traced.has(i.campaignId)).map((i) => i.reason);
    expect(reasons).toHaveLength(traced.size);
    for (const reason of reasons) expect(reason).toContain("under the policy's 24 hours ago");

    // A day later: one traceback (the daily maximum), and only one per period however often the job ticks.
    env.clock.advance(25 * 3_600_000);
    const before = await env.db.$count(schema.tracebacks);
    expect(openedBy(await autoOpenScheduled(system))).toBe(1);
    // The same period again (another worker, the next tick): claimed already, nothing runs.
    expect(await autoOpenScheduled(system)).toBeNull();
    expect(await env.db.$count(schema.tracebacks)).toBe(before + 1);
    const [latest] = await env.db
      .select()
      .from(schema.tracebacks)
      .orderBy(desc(schema.tracebacks.openedAt))
      .limit(1);
    const opened = (await getTimeline({ ...ctx(), tracebackId: latest!.id })).find(
      (e) => e.type === 'traceback.opened',
    );
    expect(opened?.data).toMatchObject({ openedBecause: { kind: 'campaign_rank', rank: 1 } });
    expect(JSON.stringify(opened?.data)).toContain('every 5 min, at most 1 a day');

    // The next period: the day's one is spent, so the next campaign waits and says why.
    env.clock.advance(5 * 60_000);
    const next = await autoOpenScheduled(system);
    expect(next).not.toBeNull();
    expect(openedBy(next)).toBe(0);
    const plan = await autoOpenTracebacks({ ...ctx(), dryRun: true });
    expect(plan.items.some((i) => i.reason.includes('tracebacks in 24 hours are opened already'))).toBe(true);
    expect(plan.items.filter((i) => i.action === 'open')).toEqual([]);
  });

  it('traces a campaign again at once, from another call, when its traceback ends without an origin', async () => {
    const policy = {
      enabled: true,
      topK: 3,
      windowDays: 10,
      minCalls24h: 0,
      everyMinutes: 5,
      maxPerDay: 100,
      retraceAfterHours: 24,
      retraceUnresolved: false,
    };
    await setAutoOpenPolicy({ ...ctx(), input: policy });
    const system = env.ctx(systemActor('campaigns'));
    // The traceback opened by the test above, still open: it ends at a dead end.
    const [last] = await env.db
      .select()
      .from(schema.tracebacks)
      .where(eq(schema.tracebacks.status, 'open'))
      .orderBy(desc(schema.tracebacks.openedAt))
      .limit(1);
    expect(last?.campaignId).toBeTruthy();
    await actOnTraceback({
      ...ctx(),
      tracebackId: last!.id,
      input: { action: 'close', outcome: 'dead_end', note: 'test: no record of the call' },
    });
    const itemOf = (r: Awaited<ReturnType<typeof autoOpenTracebacks>> | null) =>
      r?.items.find((i) => i.campaignId === last!.campaignId);

    // Without retraceUnresolved it waits the 24 hours like after any traceback.
    env.clock.advance(5 * 60_000);
    const waits = await autoOpenScheduled(system);
    expect(itemOf(waits)).toMatchObject({ action: 'skip' });
    expect(itemOf(waits)!.reason).toContain("under the policy's 24 hours ago");

    // With it (the default), the next period traces the campaign again, from a call not traced yet.
    await setAutoOpenPolicy({ ...ctx(), input: { ...policy, retraceUnresolved: undefined } });
    env.clock.advance(5 * 60_000);
    const again = itemOf(await autoOpenScheduled(system));
    expect(again).toMatchObject({ action: 'open' });
    expect(again!.tracebackId).toBeTruthy();
    expect(again!.callId).not.toBe(last!.callId);

    // Still one open traceback per campaign: the next period opens nothing more for it.
    env.clock.advance(5 * 60_000);
    expect(itemOf(await autoOpenScheduled(system))?.reason).toContain('open already');
  });

  it('names a period by its start', () => {
    expect(autoOpenSlot(new Date('2026-12-01T10:07:59Z'), 5)).toBe('2026-12-01T10:05:00.000Z');
    expect(autoOpenSlot(new Date('2026-12-01T23:59:00Z'), 1440)).toBe('2026-12-01T00:00:00.000Z');
    // Periods that do not divide a day start again at midnight.
    expect(autoOpenSlot(new Date('2026-12-02T00:03:00Z'), 7)).toBe('2026-12-02T00:00:00.000Z');
  });
});

describe('opening tracebacks from selected calls of a campaign', () => {
  it('opens one per call at the provider that terminated it, reports calls already traced, refuses others', async () => {
    const warranty = await campaignOf('car warranty');
    const pharmacy = await campaignOf('pharmacy');
    // Auto-open (above) traced some of its calls already: one of them, and two that nobody traced.
    const traced = new Set((await env.db.select().from(schema.tracebacks)).map((t) => t.callId));
    const all = (await listCallsFor({ ...ctx(), query: { campaignId: warranty.id, limit: 12 } })).items;
    const picked = [
      ...all.filter((c) => traced.has(c.id)).slice(0, 1),
      ...all.filter((c) => !traced.has(c.id)),
    ].slice(0, 3);
    expect(picked.filter((c) => traced.has(c.id))).toHaveLength(1);
    const stranger = (await listCallsFor({ ...ctx(), query: { campaignId: pharmacy.id, limit: 1 } }))
      .items[0]!;
    const callIds = [...picked.map((c) => c.id), stranger.id];
    const run = await openTracebacksOfCalls({ ...ctx(), campaignId: warranty.id, callIds });
    expect(run.existing).toBe(1);
    expect(run.opened).toBe(2);
    expect(run.refused).toBe(1);
    expect(run.items[3]).toMatchObject({
      callId: stranger.id,
      status: 'refused',
      reason: 'not a call of this campaign',
    });
    for (const [i, item] of run.items.slice(0, 3).entries()) {
      const tb = await getTraceback({ ...ctx(), tracebackId: item.tracebackId! });
      expect(tb).toMatchObject({ campaignId: warranty.id, firstProviderId: terminatingId });
      expect(tb.call.callingNumber).toBe(picked[i]!.callingNumber);
      const opened = (await getTimeline({ ...ctx(), tracebackId: tb.id })).find(
        (e) => e.type === 'traceback.opened',
      );
      expect(opened?.data).toMatchObject({ callId: picked[i]!.id });
    }
    const again = await openTracebacksOfCalls({
      ...ctx(),
      campaignId: warranty.id,
      callIds: callIds.slice(0, 3),
    });
    expect(again).toMatchObject({ opened: 0, existing: 3, refused: 0 });
    expect(again.items.map((i) => i.tracebackId)).toEqual(run.items.slice(0, 3).map((i) => i.tracebackId));
    const { actor } = await env.provider();
    await expect(
      openTracebacksOfCalls({ ...env.ctx(actor), campaignId: warranty.id, callIds }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
