import { Readable } from 'node:stream';
import {
  autoOpenTracebacks,
  CampaignDetection,
  createCallSource,
  ingestCalls,
  listCampaignsRanked,
  setAutoOpenPolicy,
  updateCampaign,
  ManualClock,
  type Actor,
  type CommandContext,
  type CoreSettings,
  type RawCallRecord,
} from '@hoptrace/core';
import { listCallsFor } from '@hoptrace/core';
import type { Db } from '@hoptrace/db';
import { defaultHoneypotSources, honeypotCalls, type HoneypotCall } from './honeypot';
import type { LoadedNetwork } from './load';
import type { SimNetwork } from './network';
import type { SimShaken } from './shaken';

const DAY = 86_400_000;

export interface DemoCallsOptions {
  db: Db;
  now: Date;
  network: SimNetwork;
  loaded: LoadedNetwork;
  analyst: Actor;
  settings: CoreSettings;
  shaken?: SimShaken | undefined;
  /** Honeypot records over the last two weeks (default 6,000). */
  count?: number;
  seed?: number;
}

export interface DemoCallsResult {
  calls: number;
  campaigns: number;
  candidates: number;
  legitimate: number;
  autoOpened: number;
  lines: string[];
}

/**
 * The demo's campaign intelligence: two weeks of honeypot records from the simulator's three feeds
 * (each bound to its terminating provider), imported through the same command as `hoptrace calls
 * import`, grouped by campaign detection, the pharmacy-style lawful senders marked legitimate as an
 * analyst would, and tracebacks auto-opened for the top campaigns by the policy (on, top 3).
 */
export async function loadDemoCalls(opts: DemoCallsOptions): Promise<DemoCallsResult> {
  const clock = new ManualClock(opts.now);
  const ctx: CommandContext = { db: opts.db, clock, actor: opts.analyst, settings: opts.settings };
  const sources = defaultHoneypotSources(opts.network);
  for (const s of sources)
    await createCallSource({
      ...ctx,
      input: {
        name: s.name,
        description: `Simulated ${s.kind ?? 'honeypot'} feed (fictional numbers)`,
        terminatingProviderId: opts.loaded.providers.get(s.terminatingProviderKey)!.id,
      },
    });
  const bySource = new Map<string, HoneypotCall[]>(sources.map((s) => [s.name, []]));
  const truthOf = new Map<string, { campaignKey: string | null; legitimate: boolean }>();
  for (const call of honeypotCalls(opts.network, {
    sources,
    from: new Date(opts.now.getTime() - 14 * DAY),
    to: new Date(opts.now.getTime() - 60_000),
    count: opts.count ?? 6_000,
    seed: opts.seed,
    ...(opts.shaken ? { shaken: opts.shaken } : { shaken: null }),
  })) {
    bySource.get(call.source)!.push(call);
    truthOf.set(`${call.source}|${call.record.externalId}`, {
      campaignKey: call.truth.campaignKey,
      legitimate: call.truth.legitimate,
    });
  }
  let calls = 0;
  for (const [source, list] of bySource) {
    const records: RawCallRecord[] = list.map((c, i) => ({ line: i + 1, fields: { ...c.record } }));
    const result = await ingestCalls({
      ...ctx,
      input: {
        source,
        records: () => Readable.from([records]) as AsyncIterable<RawCallRecord[]>,
      },
    });
    calls += result.accepted;
  }
  const detection = new CampaignDetection(opts.db, clock, { verifier: opts.settings.shaken?.verifier });
  await detection.runToCompletion();

  // An analyst's first pass: detected groups of the lawful senders are marked legitimate.
  const all = await listCampaignsRanked({
    ...ctx,
    query: { sort: 'volume', status: 'all', limit: 200 },
  });
  let legitimate = 0;
  for (const c of all.items) {
    if (c.origin !== 'detected') continue;
    const sample = await listCallsFor({ ...ctx, query: { campaignId: c.id, limit: 20 } });
    const truths = sample.items.map((k) => truthOf.get(`${k.source}|${k.externalId}`));
    if (truths.length && truths.filter((t) => t?.legitimate).length > truths.length / 2) {
      await updateCampaign({ ...ctx, campaignId: c.id, input: { legitimate: true } });
      legitimate++;
    }
  }
  await setAutoOpenPolicy({ ...ctx, input: { enabled: true, topK: 3, windowDays: 10, minCalls24h: 1 } });
  const opened = await autoOpenTracebacks({ ...ctx, dryRun: false });
  const autoOpened = opened.items.filter((i) => i.action === 'open').length;
  const ranked = await listCampaignsRanked({ ...ctx, query: { sort: 'volume', limit: 200 } });
  const candidates = all.items.filter((c) => c.status === 'candidate').length;
  return {
    calls,
    campaigns: ranked.items.filter((c) => c.origin === 'detected').length,
    candidates,
    legitimate,
    autoOpened,
    lines: [
      `Honeypot feeds: ${calls} call records from ${sources.length} sources; detection found ${ranked.items.filter((c) => c.origin === 'detected').length} campaigns (${candidates} smaller candidates, ${legitimate} marked legitimate); ${autoOpened} tracebacks auto-opened for the top campaigns.`,
    ],
  };
}
