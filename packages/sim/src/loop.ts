import type { TAutoOpenPolicy, TAutoOpenPolicyInput } from '@hoptrace/contracts';
import {
  autoOpenScheduled,
  autoOpenSlot,
  callIdOf,
  CampaignDetection,
  createCallSource,
  ingestCalls,
  listCallsFor,
  listCampaignsRanked,
  setAutoOpenPolicy,
  systemActor,
  updateCampaign,
  type Actor,
  type CommandContext,
  type CoreSettings,
  type ManualClock,
  type RawCallRecord,
} from '@hoptrace/core';
import { hopsOf, type Db } from '@hoptrace/db';
import type { Transport } from './agent/agent';
import {
  defaultHoneypotSources,
  generateHoneypotFeed,
  staggeredActivity,
  type HoneypotCall,
} from './honeypot';
import type { LoadedNetwork } from './load';
import type { SimNetwork } from './network';
import { TracebackPlay, type ScenarioResult } from './scenario';
import { createSimShaken, createSimVerifier, type SimShaken } from './shaken';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The auto-open policy of the loop: the product's defaults, but every campaign ranked and a larger daily budget. */
export const LOOP_AUTO_OPEN: TAutoOpenPolicyInput = { enabled: true, topK: 100, maxPerDay: 200 };

export interface LoopOptions {
  db: Db;
  clock: ManualClock;
  settings?: CoreSettings;
  network: SimNetwork;
  loaded: LoadedNetwork;
  /** The analyst who sets the policy, imports the feeds and marks lawful senders legitimate. */
  analyst: Actor;
  /** The feeds run from `from` for `days` days; tracebacks still open then play out to their end. */
  from: Date;
  days: number;
  /** Honeypot records a day, over all feeds (campaigns, lawful senders, one-off calls). */
  callsPerDay: number;
  seed?: number;
  /** Simulated time between two arrivals of the feeds' records (default 1 minute). */
  stepMinutes?: number;
  /** Auto-open policy (default `LOOP_AUTO_OPEN`). */
  policy?: TAutoOpenPolicyInput;
  transportFor?: (providerKey: string) => Transport;
  /**
   * Signs the feeds' calls (STIR/SHAKEN) in the network's shares (`planSignature`): default the
   * network's simulated STI-CA, which the loop's verifier trusts unless `settings` brings a verifier of
   * its own; null sends every call without an Identity header.
   */
  shaken?: SimShaken | null;
  /** After each simulated day of the feeds. */
  onDay?: (day: number, totals: { records: number; detected: number; opened: number }) => void;
}

/** One campaign of the network through the loop; times are simulated, null where it never got there. */
export interface LoopCampaign {
  key: string;
  name: string;
  /** Placed from abroad: its tracebacks end at the US entry point, not at an origin. */
  foreign: boolean;
  /** Honeypot records of its calls in the period. */
  calls: number;
  firstCallAt: Date | null;
  /** Its fifth call: detection makes a campaign of five similar calls. */
  fifthCallAt: Date | null;
  /** When a campaign of its calls became active (found by detection). */
  detectedAt: Date | null;
  /** Its first traceback, opened by auto-open. */
  openedAt: Date | null;
  tracebacks: number;
  /** When a traceback of its calls first closed at the origin (origin identified). */
  originAt: Date | null;
  /** When a traceback of its calls first closed at the US entry point (foreign origin). */
  entryAt: Date | null;
  /** Providers that answered "origin" in its tracebacks, and whether each is its true origin. */
  origins: Array<{ providerKey: string; true: boolean }>;
  /** Its tracebacks that asked the call's signer (a valid A or B signature naming a directory provider). */
  signerHops: number;
  /** When the signer line first answered "origin" naming its true origin (a claim: the outcome comes from the path). */
  signerOriginAt: Date | null;
}

export interface LoopResult {
  policy: TAutoOpenPolicy;
  /** Calls detection needs to make a campaign. */
  minCalls: number;
  records: number;
  /** Detected campaigns that were lawful senders, marked legitimate by the analyst. */
  legitimate: number;
  /** Detected groups of one-off calls (no campaign), marked legitimate (not to trace) by the analyst. */
  notCampaigns: number;
  campaigns: LoopCampaign[];
  /** Every traceback auto-open opened, as it ended. */
  scenario: ScenarioResult;
}

/**
 * The whole campaign loop in simulated time: honeypot feeds whose campaigns start one by one
 * (`staggeredActivity`), their records imported as they arrive (`ingestCalls`, every `stepMinutes`),
 * campaign detection over them (`CampaignDetection`, as the worker runs it), auto-open as the worker
 * runs it (`autoOpenScheduled`, ticking every minute and running once per policy period), and each
 * traceback it opens played out by the network's providers (`TracebackPlay`: agents, people, late
 * and silent providers), from the honeypot's carrier up the call's path to its origin.
 *
 * Lawful senders, and groups of one-off calls that say the same thing, are marked legitimate by the
 * analyst as soon as detection makes a campaign of them (an analyst's quick first pass, so nothing
 * is traced that should not be).
 */
export async function runLoop(opts: LoopOptions): Promise<LoopResult> {
  const { db, clock, network, loaded, analyst } = opts;
  // Honeypot carriers receive most robocalls signed: the feeds carry the Identity headers the network
  // signs, and detection and opening verify them against the simulated STI-CA.
  const sim = opts.shaken === undefined ? createSimShaken(network) : opts.shaken;
  const settings: CoreSettings | undefined =
    sim && !opts.settings?.shaken?.verifier
      ? { ...opts.settings, shaken: { ...opts.settings?.shaken, verifier: createSimVerifier(sim) } }
      : opts.settings;
  const step = (opts.stepMinutes ?? 1) * MINUTE;
  const from = opts.from.getTime();
  const to = from + opts.days * DAY;
  clock.set(from);
  const ctx: CommandContext = { db, clock, actor: analyst, settings };
  const policy = await setAutoOpenPolicy({ ...ctx, input: opts.policy ?? LOOP_AUTO_OPEN });

  const sources = defaultHoneypotSources(network);
  const sourceIds = new Map<string, number>();
  for (const s of sources) {
    const created = await createCallSource({
      ...ctx,
      input: {
        name: s.name,
        description: `Simulated ${s.kind ?? 'honeypot'} feed (fictional numbers)`,
        terminatingProviderId: loaded.providers.get(s.terminatingProviderKey)!.id,
      },
    });
    sourceIds.set(s.name, created.id);
  }
  const period = { from: new Date(from), to: new Date(to), seed: opts.seed };
  const feed = generateHoneypotFeed(network, {
    ...period,
    sources,
    count: Math.round(opts.callsPerDay * opts.days),
    activity: staggeredActivity(network, period),
    // Lost and doubled provider records, in the network's shares: some answers need a person.
    trouble: true,
    shaken: sim,
    backgroundPerProvider: 20,
  });
  const byCallId = new Map<string, HoneypotCall>();
  for (const c of feed.calls) byCallId.set(callIdOf(sourceIds.get(c.source)!, c.record.externalId), c);

  const play = new TracebackPlay({
    db,
    clock,
    network,
    loaded,
    records: feed.records,
    analyst,
    ...(settings ? { settings } : {}),
    ...(opts.transportFor ? { transportFor: opts.transportFor } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed + 3 } : {}),
  });
  const detection = new CampaignDetection(db, clock, { verifier: settings?.shaken?.verifier });
  const worker = { db, clock, actor: systemActor('campaigns'), settings };
  const detectedAt = new Map<string, Date>();
  const classified = new Set<string>();
  let legitimate = 0;
  let notCampaigns = 0;
  let opened = 0;
  let lastSlot = '';

  /** Which simulated sender a detected campaign's calls come from (most of a sample of them). */
  async function classify(): Promise<void> {
    const active = await listCampaignsRanked({
      ...ctx,
      query: { sort: 'recent', status: 'active', limit: 200 },
    });
    for (const c of active.items) {
      if (classified.has(c.id)) continue;
      classified.add(c.id);
      const sample = await listCallsFor({ ...ctx, query: { campaignId: c.id, limit: 20 } });
      const votes = new Map<string, number>();
      for (const k of sample.items) {
        const truth = byCallId.get(k.id)?.truth;
        const key = truth?.campaignKey ?? 'none';
        votes.set(key, (votes.get(key) ?? 0) + 1);
      }
      const [key] = [...votes].sort((a, b) => b[1] - a[1])[0] ?? ['none'];
      if (key === 'none' || network.legitimate.some((l) => l.key === key)) {
        // A lawful sender, or one-off calls that happen to say the same thing ("is this the pizza
        // place?"): nothing to trace.
        await updateCampaign({ ...ctx, campaignId: c.id, input: { legitimate: true } });
        if (key === 'none') notCampaigns++;
        else legitimate++;
      } else if (!detectedAt.has(key)) detectedAt.set(key, clock.now());
    }
  }

  let next = 0;
  let day = 0;
  for (let t = from + step; t <= to; t += step) {
    await play.runUntil(t);
    clock.set(t);
    // The records of the calls that started in this step arrive at its end.
    const arrived = new Map<string, RawCallRecord[]>();
    for (; next < feed.calls.length && Date.parse(feed.calls[next]!.record.startedAt) <= t; next++) {
      const c = feed.calls[next]!;
      let list = arrived.get(c.source);
      if (!list) arrived.set(c.source, (list = []));
      list.push({ line: list.length + 1, fields: { ...c.record } });
    }
    for (const [source, records] of arrived)
      await ingestCalls({
        ...ctx,
        input: {
          source,
          records: async function* () {
            yield await Promise.resolve(records);
          },
        },
      });
    if (arrived.size) {
      let promoted = 0;
      // As the worker runs it: the detector's state saved at most once a minute (of real time).
      const totals = await detection.runToCompletion((s) => (promoted += s.promoted.length), {
        flush: false,
      });
      if (promoted || totals.merged) await classify();
    }
    // The worker's job ticks every minute and runs once per policy period: only the first tick of a
    // period does anything, so the loop ticks then.
    const slot = autoOpenSlot(clock.now(), policy.everyMinutes);
    const run = slot === lastSlot ? null : await autoOpenScheduled(worker);
    lastSlot = slot;
    for (const item of run?.items ?? []) {
      if (item.action !== 'open' || !item.tracebackId || !item.callId) continue;
      const call = byCallId.get(item.callId);
      if (!call) throw new Error(`auto-open traced call ${item.callId}, which no feed sent`);
      await play.follow(item.tracebackId, call.truth.simCall);
      opened++;
    }
    if (t - from >= (day + 1) * DAY) {
      day++;
      opts.onDay?.(day, { records: next, detected: detectedAt.size, opened });
    }
  }
  // The feeds stop; what was opened plays out to its end.
  await play.runUntil(Infinity);
  const scenario = await play.result();

  const campaigns: LoopCampaign[] = network.campaigns.map((c) => {
    const calls = feed.calls.filter((k) => k.truth.campaignKey === c.key);
    return {
      key: c.key,
      name: c.input.name,
      foreign: c.foreign,
      calls: calls.length,
      firstCallAt: calls[0] ? new Date(calls[0].record.startedAt) : null,
      fifthCallAt: calls[4] ? new Date(calls[4].record.startedAt) : null,
      detectedAt: detectedAt.get(c.key) ?? null,
      openedAt: null,
      tracebacks: 0,
      originAt: null,
      entryAt: null,
      origins: [],
      signerHops: 0,
      signerOriginAt: null,
    };
  });
  const byKey = new Map(campaigns.map((c) => [c.key, c]));
  const earliest = (a: Date | null, b: Date) => (a && a <= b ? a : b);
  for (const t of scenario.tracebacks) {
    const call = play.callOf(t.tracebackId)!;
    const campaign = call.campaignKey ? byKey.get(call.campaignKey) : undefined;
    if (!campaign) continue;
    campaign.tracebacks++;
    campaign.openedAt = earliest(campaign.openedAt, t.openedAt);
    if (t.closedAt && t.outcome === 'origin_identified')
      campaign.originAt = earliest(campaign.originAt, t.closedAt);
    if (t.closedAt && t.outcome === 'foreign_origin')
      campaign.entryAt = earliest(campaign.entryAt, t.closedAt);
    for (const hop of await hopsOf(db, t.tracebackId)) {
      const providerKey = loaded.keyOf.get(hop.providerId) ?? hop.providerId;
      if (hop.line === 'path' && hop.answerKind === 'origin')
        campaign.origins.push({ providerKey, true: providerKey === call.path[0] });
      if (hop.line === 'signer') {
        campaign.signerHops++;
        if (hop.answerKind === 'origin' && hop.answeredAt && providerKey === call.path[0])
          campaign.signerOriginAt = earliest(campaign.signerOriginAt, hop.answeredAt);
      }
    }
  }
  return {
    policy,
    minCalls: detection.options.minCalls,
    records: next,
    legitimate,
    notCampaigns,
    campaigns,
    scenario,
  };
}

/** The value at quantile `p` of `values` (Infinity for what never happened; NaN when empty). */
export function quantile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

const span = (a: Date | null, b: Date | null) => (a && b ? b.getTime() - a.getTime() : Infinity);

/**
 * The loop's figures, over the campaigns that called the honeypots: first call to traceback opened
 * (and its two parts: to detection, which waits for enough calls, and detection to opening, which is
 * hoptrace's own delay), first call to origin identified (campaigns placed at home) or to the entry
 * point (from abroad), and the tracebacks' outcomes. Never reached counts as Infinity.
 */
export function summarizeLoop(result: LoopResult) {
  const called = result.campaigns.filter((c) => c.firstCallAt);
  const domestic = called.filter((c) => !c.foreign);
  const foreign = called.filter((c) => c.foreign);
  const figure = (values: number[]) => ({
    median: quantile(values, 0.5),
    p90: quantile(values, 0.9),
    max: values.length ? Math.max(...values) : NaN,
    reached: values.filter(Number.isFinite).length,
    of: values.length,
  });
  const outcomes: Record<string, number> = {};
  for (const t of result.scenario.tracebacks) {
    const k = t.outcome ?? 'open';
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }
  const origins = result.campaigns.flatMap((c) => c.origins);
  return {
    campaigns: called.length,
    detected: called.filter((c) => c.detectedAt).length,
    opened: called.filter((c) => c.openedAt).length,
    records: result.records,
    legitimate: result.legitimate,
    notCampaigns: result.notCampaigns,
    tracebacks: result.scenario.tracebacks.length,
    firstCallToFifthMs: figure(called.map((c) => span(c.firstCallAt, c.fifthCallAt))),
    firstCallToDetectedMs: figure(called.map((c) => span(c.firstCallAt, c.detectedAt))),
    detectedToOpenedMs: figure(called.map((c) => span(c.detectedAt, c.openedAt))),
    firstCallToOpenedMs: figure(called.map((c) => span(c.firstCallAt, c.openedAt))),
    firstCallToOriginMs: figure(domestic.map((c) => span(c.firstCallAt, c.originAt))),
    firstCallToEntryMs: figure(foreign.map((c) => span(c.firstCallAt, c.entryAt))),
    /** The signer line's first true origin answer (a claim; the outcome comes from the path). */
    firstCallToSignerOriginMs: figure(domestic.map((c) => span(c.firstCallAt, c.signerOriginAt))),
    signerHops: result.campaigns.reduce((n, c) => n + c.signerHops, 0),
    outcomes,
    originAnswers: { total: origins.length, true: origins.filter((o) => o.true).length },
    answers: result.scenario.answers,
  };
}
