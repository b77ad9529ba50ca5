import { createHash } from 'node:crypto';
import type { TCallKind } from '@hoptrace/contracts';
import {
  backgroundRecords,
  collectInto,
  planTrouble,
  recordCall,
  routeFrom,
  sortRecords,
  type CallSet,
  type CdrRecord,
  type CdrSink,
  type SimCall,
} from './calls';
import { fictionalNumber, type SimCampaign, type SimNetwork, type SimProvider } from './network';
import { Random } from './random';
import { BACKGROUND_SCRIPTS, drawSlots, renderScript, slotsOf, subscriberName } from './scripts';
import { createSimShaken, planSignature, type SimShaken } from './shaken';
import { transcribe, type SpeechNoiseOptions } from './speech';

const HOUR = 3_600_000;
const ROUTES_PER_PAIR = 24;

/** A feed of call records: the honeypot's numbers are lines of one terminating provider. */
export interface HoneypotSource {
  name: string;
  /** The provider the honeypot's numbers are with: every call of the feed ends its path there. */
  terminatingProviderKey: string;
  kind?: TCallKind;
  /** How many numbers the honeypot holds, in its provider's area code (at most 100: 555-0100..0199). */
  numbers?: number;
  /** Its share of the traffic, relative to the other sources (default 1). */
  weight?: number;
  /** Whether the feed keeps the SIP Identity header of the calls it receives (default true). */
  identityHeaders?: boolean;
  /** Share of its calls with an audio fingerprint (default 0: the feed does not fingerprint audio). */
  audioFingerprints?: number;
}

export interface HoneypotOptions {
  sources: readonly HoneypotSource[];
  /** Calls start between these instants. */
  from: Date;
  to: Date;
  /** How many records, over all sources. */
  count: number;
  seed?: number;
  /** Speech-to-text noise on the transcripts (default level 1). */
  noise?: SpeechNoiseOptions;
  /** Share of one-off calls that belong to no campaign (default 0.06). */
  backgroundShare?: number;
  /** Share of calls from the network's legitimate senders (default 0.03). */
  legitimateShare?: number;
  /**
   * Signs Identity headers (about 0.2 ms each: a million records want `null`). Default: the network's
   * simulated PKI, built when a source keeps headers.
   */
  shaken?: SimShaken | null;
  /** Lost and doubled provider records in the network's configured shares (default false: every provider can find the call). */
  trouble?: boolean;
  /** When and how much each campaign calls, one entry per campaign of the network (default: `planActivity`). */
  activity?: readonly CampaignActivity[];
}

/** One record as the feed delivers it: a `TCallRecordInput` with every field present (a type, so it is a plain record). */
export type HoneypotRecord = {
  externalId: string;
  startedAt: string;
  callingNumber: string | null;
  calledNumber: string;
  transcript: string | null;
  language: string | null;
  durationSeconds: number;
  identityHeader: string | null;
  audioFingerprint: string | null;
  kind: TCallKind;
  metadata: Record<string, unknown>;
};

export interface HoneypotTruth {
  /** The campaign or legitimate sender that placed the call; null for a one-off background call. */
  campaignKey: string | null;
  legitimate: boolean;
  /** Which recording of the script played (null for background calls). */
  variant: number | null;
  /** What the recording said, before speech-to-text. */
  script: string;
  /** The caller ID was withheld from the called party (the call itself carries a number). */
  withheld: boolean;
  /** The call in the network: its path (ending at the source's provider), numbers and signature. */
  simCall: SimCall;
}

export interface HoneypotCall {
  source: string;
  record: HoneypotRecord;
  truth: HoneypotTruth;
}

export const ACTIVITY_SHAPES = ['steady', 'growing', 'stopping', 'late', 'new'] as const;
export type ActivityShape = (typeof ACTIVITY_SHAPES)[number];

/** When and how much a campaign calls over the feed's period. */
export interface CampaignActivity {
  campaignKey: string;
  shape: ActivityShape;
  /** Relative calls an hour at its start (heavy-tailed across campaigns). */
  weight: number;
  /** How much its hourly volume grows by its end (0: flat; 3: four times the start). */
  growth: number;
  startsAt: Date;
  endsAt: Date;
}

export interface HoneypotFeed {
  calls: HoneypotCall[];
  /** Every provider's call records (the feed's calls, and background if asked for), in time order. */
  records: Map<string, CdrRecord[]>;
  activity: CampaignActivity[];
}

/** Share of an hour's calls by Eastern hour of day: robocallers call in the daytime. */
const DIURNAL = [
  0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.05, 0.2, 0.6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.35, 0.15, 0.05,
  0.05,
] as const;
const diurnal = (ms: number) => DIURNAL[(new Date(ms).getUTCHours() + 19) % 24]!;

const seedOf = (network: SimNetwork, opts: Pick<HoneypotOptions, 'seed'>) =>
  opts.seed ?? network.config.seed + 101;

/**
 * Each campaign's volume over the period, drawn from the seed: Zipf-like weights (a few campaigns
 * make most calls), a quarter growing, a fifth stopping part-way, a tenth starting part-way, and one
 * new campaign that starts in the last day. Times are whole hours from `from`.
 */
export function planActivity(
  network: SimNetwork,
  opts: Pick<HoneypotOptions, 'from' | 'to' | 'seed'>,
): CampaignActivity[] {
  const rnd = new Random(seedOf(network, opts));
  const hours = Math.max(1, Math.ceil((opts.to.getTime() - opts.from.getTime()) / HOUR));
  const at = (hour: number) => new Date(Math.min(opts.to.getTime(), opts.from.getTime() + hour * HOUR));
  const n = network.campaigns.length;
  const ranks = rnd.shuffle(Array.from({ length: n }, (_, i) => i + 1));
  const order = rnd.shuffle(Array.from({ length: n }, (_, i) => i));
  const stopping = Math.round(n * 0.2);
  const growing = Math.round(n * 0.25);
  const late = Math.round(n * 0.1);
  const out: CampaignActivity[] = [];
  const hasNew = n >= 3;
  order.forEach((index, position) => {
    const campaign = network.campaigns[index]!;
    const p = position - (hasNew ? 1 : 0);
    const shape: ActivityShape =
      p < 0
        ? 'new'
        : p < stopping
          ? 'stopping'
          : p < stopping + growing
            ? 'growing'
            : p < stopping + growing + late
              ? 'late'
              : 'steady';
    let start = 0;
    let end = hours;
    let growth = (rnd.next() - 0.5) * 0.6;
    let weight = 1 / ranks[index]! ** 1.1;
    if (shape === 'new') {
      // It starts loud: a new campaign is worth noticing the day it appears.
      start = hours > 36 ? hours - 24 : Math.floor(hours / 2);
      weight = Math.max(weight, 1 / 2 ** 1.1);
      growth = 1;
    } else if (shape === 'stopping') end = Math.max(1, Math.floor(hours * (0.3 + 0.5 * rnd.next())));
    else if (shape === 'growing') growth = 2 + 4 * rnd.next();
    else if (shape === 'late') start = Math.floor(hours * (0.2 + 0.4 * rnd.next()));
    out[index] = { campaignKey: campaign.key, shape, weight, growth, startsAt: at(start), endsAt: at(end) };
  });
  return out;
}

/**
 * Campaigns that start one by one during the period, as new campaigns do: their starts are spread
 * evenly, in a drawn order, over the whole hours of Eastern business days (when call centres start
 * dialling) in the first `startWithin` of the period (default 0.7); each calls steadily to the end
 * with a Zipf-like weight. The first call of each
 * falls inside the period, so the time from a campaign's first call to its traceback can be measured.
 */
export function staggeredActivity(
  network: SimNetwork,
  opts: Pick<HoneypotOptions, 'from' | 'to' | 'seed'> & { startWithin?: number },
): CampaignActivity[] {
  const rnd = new Random(seedOf(network, opts) + 11);
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  const latest = from + (to - from) * (opts.startWithin ?? 0.7);
  // Business hours in Eastern time (UTC-5): 9:00 to 16:00 starts.
  const slots: number[] = [];
  for (let h = Math.ceil(from / HOUR) * HOUR; h <= latest; h += HOUR) {
    const eastern = (new Date(h).getUTCHours() + 19) % 24;
    if (eastern >= 9 && eastern <= 16) slots.push(h);
  }
  if (!slots.length) slots.push(from);
  const n = network.campaigns.length;
  const ranks = rnd.shuffle(Array.from({ length: n }, (_, i) => i + 1));
  // Evenly over the hours that can start one, in a drawn order.
  const order = rnd.shuffle(Array.from({ length: n }, (_, i) => i));
  const startOf = new Map(order.map((campaign, j) => [campaign, slots[Math.floor((j * slots.length) / n)]!]));
  return network.campaigns.map((campaign, i) => ({
    campaignKey: campaign.key,
    shape: 'new',
    weight: 1 / ranks[i]! ** 1.1,
    growth: 0,
    startsAt: new Date(startOf.get(i)!),
    endsAt: new Date(to),
  }));
}

/** The number of a recording: the same campaign and variant always give the same string. */
export function audioFingerprintOf(seed: number, campaignKey: string, variant: number | string): string {
  return `afp1:${createHash('sha256').update(`${seed}:${campaignKey}:${variant}`).digest('base64url').slice(0, 27)}`;
}

/**
 * Three feeds on three terminating providers (those that answer first): one fingerprints audio, one
 * is a voicemail trap that keeps no Identity headers.
 */
export function defaultHoneypotSources(network: SimNetwork): HoneypotSource[] {
  const terminating = network.providers.filter((p) => p.kind === 'terminating');
  const ranked = [
    ...terminating.filter((p) => p.answerMode !== 'never'),
    ...terminating.filter((p) => p.answerMode === 'never'),
  ];
  const at = (i: number) => ranked[i % ranked.length]!.key;
  return [
    { name: 'honeypot-east', terminatingProviderKey: at(0), audioFingerprints: 0.8, weight: 2 },
    { name: 'honeypot-central', terminatingProviderKey: at(1) },
    {
      name: 'voicemail-trap-west',
      terminatingProviderKey: at(2),
      kind: 'voicemail',
      identityHeaders: false,
      numbers: 25,
    },
  ];
}

interface SourceState {
  source: HoneypotSource;
  terminating: SimProvider;
  numbers: string[];
  seq: number;
}

/**
 * The feeds' records one by one, in time order within each hour, holding one hour's calls at a time:
 * a bench can stream a million to a file. Each call leaves its provider records in `sink` (leave it
 * out when nobody will answer tracebacks of them). The same network, options and seed give the same
 * records, except the ECDSA bytes of Identity headers.
 */
export function* honeypotCalls(
  network: SimNetwork,
  opts: HoneypotOptions,
  sink?: CdrSink,
): Generator<HoneypotCall, void, undefined> {
  if (opts.sources.length === 0) throw new Error('honeypot feed without sources');
  const seed = seedOf(network, opts);
  const plan = new Random(seed);
  const rnd = new Random(seed + 1);
  // Own streams: signing plans match what `generateCalls` draws, and speech noise or provider records
  // can change without moving anything else.
  const signing = new Random(seed + 2);
  const speech = new Random(seed + 3);
  const cdrRnd = new Random(seed + 4);
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  if (!(to > from)) throw new Error('honeypot feed: `to` must be after `from`');

  const sources = sourceStates(network, opts.sources, plan);
  const sourceWeights = cumulative(sources.map((s) => s.source.weight ?? 1));
  const shaken =
    opts.shaken !== undefined
      ? opts.shaken
      : sources.some((s) => s.source.identityHeaders !== false)
        ? createSimShaken(network)
        : null;
  const noiseLevel = opts.noise?.level ?? 1;
  const { entries, weightsAt, hourly, mass } = planVolume(network, opts);
  const hours = hourly.length;
  const variantWeights = new Map(
    [...network.campaigns, ...network.legitimate].map((c) => [c.key, cumulative(c.variantWeights)]),
  );

  const noiseOptions = new Map<string, SpeechNoiseOptions>();
  const noiseOf = (language: 'en' | 'es', voicemail: boolean): SpeechNoiseOptions => {
    const key = `${language}${voicemail}`;
    let o = noiseOptions.get(key);
    if (!o) {
      o = {
        ...opts.noise,
        language,
        // A voicemail trap plays its greeting first: recordings often miss the opening words.
        ...(voicemail ? { rates: { lateStart: 0.6, ...opts.noise?.rates } } : {}),
      };
      noiseOptions.set(key, o);
    }
    return o;
  };
  const subscriberOrigins = network.providers.filter((p) => p.customers.some((c) => c.subscribers));
  const fingerprints = new Map<string, string>();
  // A caller's traffic to one carrier keeps to a few routes (its providers' least-cost choices): each
  // pair of origin and honeypot carrier gets up to ROUTES_PER_PAIR walks, then reuses them.
  const routes = new Map<SimProvider, Map<SimProvider, string[][]>>();
  const routeOf = (origin: SimProvider, target: SimProvider): string[] => {
    let byTarget = routes.get(origin);
    if (!byTarget) routes.set(origin, (byTarget = new Map<SimProvider, string[][]>()));
    let known = byTarget.get(target);
    if (!known) byTarget.set(target, (known = []));
    // Shared between calls, so frozen: nobody edits a path.
    if (known.length >= ROUTES_PER_PAIR) return rnd.pick(known);
    for (let attempt = 0; attempt < 20; attempt++) {
      const path = routeFrom(network, rnd, origin, target);
      if (path) {
        known.push(Object.freeze(path) as string[]);
        return path;
      }
    }
    throw new Error(`no route from ${origin.key} to ${target.key}`);
  };
  let done = 0;
  let massSoFar = 0;
  for (let h = 0; h < hours; h++) {
    massSoFar += hourly[h]!;
    const upTo = mass > 0 ? Math.round((opts.count * massSoFar) / mass) : 0;
    const n = h === hours - 1 ? opts.count - done : upTo - done;
    if (n <= 0 || !(hourly[h]! > 0)) continue;
    done += n;
    const start = from + h * HOUR;
    const length = Math.min(HOUR, to - start);
    const weights = weightsAt(start);
    const batch: Array<{ at: number; entry: number; source: number }> = [];
    for (let i = 0; i < n; i++)
      batch.push({
        // Whole seconds: what a feed reports and a traceback carries.
        at: Math.floor((start + rnd.next() * length) / 1000) * 1000,
        entry: pickIndex(rnd, weights),
        source: pickIndex(rnd, sourceWeights),
      });
    batch.sort((a, b) => a.at - b.at);
    for (const item of batch) {
      const state = sources[item.source]!;
      const entry = entries[item.entry]!;
      const campaign = entry.campaign;
      state.seq++;
      const externalId = `${state.source.name}-${String(state.seq).padStart(8, '0')}`;
      const startedAt = new Date(item.at);
      const calledNumber = rnd.pick(state.numbers);

      // Who called, from where, on which route.
      let origin: SimProvider;
      let customerKey: string;
      if (campaign) {
        origin = network.byKey.get(campaign.originProviderKey)!;
        customerKey = campaign.customerKey;
      } else {
        origin = rnd.pick(subscriberOrigins);
        customerKey = origin.customers.find((c) => c.subscribers)!.key;
      }
      const path = routeOf(origin, state.terminating);
      const withheld = rnd.chance(campaign ? campaign.withheldShare : 0.05);
      const callingNumber = callerIdOf(rnd, campaign, calledNumber);
      const simCall: SimCall = {
        id: `${state.source.name}:${externalId}`,
        campaignKey: campaign?.key ?? null,
        startedAt,
        callingNumber,
        calledNumber,
        path,
        customerKey,
        foreign: campaign?.foreign ?? false,
        missingAt: null,
        ambiguousAt: null,
        signature: planSignature(network, signing, path, campaign?.attestation),
      };
      if (opts.trouble) planTrouble(network, rnd, simCall);
      if (sink) recordCall(network, cdrRnd, simCall, sink);

      // What was said, and what the feed's speech-to-text made of it.
      const language = campaign?.language ?? 'en';
      let variant: number | null = null;
      let script: string;
      if (campaign) {
        variant = pickIndex(rnd, variantWeights.get(campaign.key)!);
        const text = campaign.template.variants[variant]!;
        const name = rnd.chance(campaign.nameShare) ? subscriberName(calledNumber) : null;
        script = renderScript(
          text,
          drawSlots(rnd, slotsOf(text), { at: startedAt, language, callbacks: campaign.callbacks, name }),
        );
      } else {
        const text = rnd.pick(BACKGROUND_SCRIPTS);
        script = renderScript(
          text,
          drawSlots(rnd, slotsOf(text), {
            at: startedAt,
            language,
            callbacks: [fictionalNumber(rnd)],
            name: subscriberName(calledNumber),
          }),
        );
      }
      const transcript = transcribe(script, speech, noiseOf(language, state.source.kind === 'voicemail'));
      // About 15 characters a second of recorded speech, and a few seconds of ringing and silence.
      const spoken = Math.round((script.length / 15) * (0.8 + 0.4 * rnd.next())) + rnd.int(1, 5);
      const durationSeconds = transcript === null ? 1 + (spoken % 9) : spoken;
      const fingerprinted = rnd.next() < (state.source.audioFingerprints ?? 0) && transcript !== null;
      let audioFingerprint: string | null = null;
      if (fingerprinted) {
        const key = campaign ? `${campaign.key}:${variant}` : simCall.id;
        audioFingerprint = fingerprints.get(key) ?? audioFingerprintOf(seed, campaign?.key ?? 'one-off', key);
        if (campaign) fingerprints.set(key, audioFingerprint);
      }
      // Drawn for every call, so silence (a matter of speech noise) moves nothing else.
      const score = Math.round((0.97 - 0.12 * noiseLevel * rnd.next()) * 100) / 100;
      const confidence = transcript === null ? null : score;
      const identityHeader =
        shaken && state.source.identityHeaders !== false && simCall.signature
          ? (shaken.identityFor(simCall) ?? null)
          : null;
      yield {
        source: state.source.name,
        record: {
          externalId,
          startedAt: isoSecond(item.at),
          callingNumber: withheld ? null : callingNumber,
          calledNumber,
          transcript,
          language: transcript === null ? null : language,
          durationSeconds,
          identityHeader,
          audioFingerprint,
          kind: state.source.kind ?? 'honeypot',
          metadata: { asr: 'sim-whisper', ...(confidence === null ? {} : { confidence }) },
        },
        truth: {
          campaignKey: campaign?.key ?? null,
          legitimate: campaign?.legitimate ?? false,
          variant,
          script,
          withheld,
          simCall,
        },
      };
    }
  }
}

/** The feeds' records with their ground truth, and the records every provider keeps of them. */
export function generateHoneypotFeed(
  network: SimNetwork,
  opts: HoneypotOptions & { backgroundPerProvider?: number },
): HoneypotFeed {
  const records = new Map<string, CdrRecord[]>(network.providers.map((p) => [p.key, []]));
  const sink = collectInto(records);
  const calls = [...honeypotCalls(network, opts, sink)];
  if (opts.backgroundPerProvider)
    backgroundRecords(
      network,
      new Random(seedOf(network, opts) + 5),
      opts.from,
      opts.to,
      opts.backgroundPerProvider,
      sink,
    );
  sortRecords(records);
  return { calls, records, activity: [...(opts.activity ?? planActivity(network, opts))] };
}

/** The feed as a call set, so `runScenario` can trace its calls and agents answer from its records. */
export function honeypotCallSet(feed: HoneypotFeed): CallSet {
  return { calls: feed.calls.map((c) => c.truth.simCall), records: feed.records };
}

let isoHour = -1;
let isoPrefix = '';
/** `2026-11-20T14:03:11Z` for an instant in whole seconds; the hour's text is reused while calls stay in it. */
function isoSecond(ms: number): string {
  const hour = Math.floor(ms / HOUR);
  if (hour !== isoHour) {
    isoHour = hour;
    isoPrefix = new Date(hour * HOUR).toISOString().slice(0, 14);
  }
  const s = Math.floor((ms - hour * HOUR) / 1000);
  const m = Math.floor(s / 60);
  return `${isoPrefix}${m < 10 ? '0' : ''}${m}:${s % 60 < 10 ? '0' : ''}${s % 60}Z`;
}

interface Entry {
  campaign: SimCampaign | null;
  activity: CampaignActivity | null;
  /** Relative calls an hour of a legitimate sender or the background, before the time of day. */
  flat: number;
}

/**
 * Who calls how much in each hour of the period: the campaigns as their activity says, legitimate
 * senders and the one-off background flat, with weights that give them their share of all calls, all
 * shaped by the time of day. `weightsAt` gives running totals over `entries` (for `pickIndex`).
 */
function planVolume(network: SimNetwork, opts: HoneypotOptions) {
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  const activity = opts.activity ?? planActivity(network, opts);
  if (activity.length !== network.campaigns.length)
    throw new Error('honeypot feed: `activity` needs one entry per campaign of the network');
  const hours = Math.max(1, Math.ceil((to - from) / HOUR));
  let campaignMass = 0;
  let dayMass = 0;
  for (let h = 0; h < hours; h++) {
    const at = from + h * HOUR;
    dayMass += diurnal(at);
    for (const a of activity) campaignMass += intensity(a, at) * diurnal(at);
  }
  const backgroundShare = opts.backgroundShare ?? 0.06;
  const legitimateShare = network.legitimate.length ? (opts.legitimateShare ?? 0.03) : 0;
  const campaignShare = network.campaigns.length ? 1 - backgroundShare - legitimateShare : 0;
  if (campaignShare < 0) throw new Error('honeypot feed: backgroundShare + legitimateShare exceed 1');
  const total = campaignShare > 0 ? campaignMass / campaignShare : dayMass;
  const entries: Entry[] = [
    ...network.campaigns.map((c, i) => ({ campaign: c, activity: activity[i]!, flat: 0 })),
    ...network.legitimate.map((c) => ({
      campaign: c,
      activity: null,
      flat: (legitimateShare * total) / dayMass / network.legitimate.length,
    })),
    { campaign: null, activity: null, flat: (backgroundShare * total) / dayMass },
  ];
  const weightsAt = (ms: number) => {
    const d = diurnal(ms);
    return cumulative(entries.map((e) => (e.activity ? intensity(e.activity, ms) : e.flat) * d));
  };
  const hourly: number[] = [];
  let mass = 0;
  for (let h = 0; h < hours; h++) {
    const m = weightsAt(from + h * HOUR).at(-1)!;
    hourly.push(m);
    mass += m;
  }
  return { entries, weightsAt, hourly, mass };
}

/** Running totals of weights, for `pickIndex`. */
function cumulative(weights: readonly number[]): number[] {
  let total = 0;
  return weights.map((w) => (total += w));
}

/** An index drawn with probability proportional to its weight (one draw; zero weights never come up). */
function pickIndex(rnd: Random, cum: readonly number[]): number {
  const r = rnd.next() * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (r < cum[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function intensity(a: CampaignActivity, ms: number): number {
  const start = a.startsAt.getTime();
  const end = a.endsAt.getTime();
  if (ms < start || ms >= end) return 0;
  return a.weight * (1 + (a.growth * (ms - start)) / (end - start));
}

function sourceStates(network: SimNetwork, sources: readonly HoneypotSource[], rnd: Random): SourceState[] {
  const names = new Set<string>();
  // Sources on the same provider share its area code's hundred fictional numbers without overlapping.
  const free = new Map<string, string[]>();
  return sources.map((source) => {
    if (names.has(source.name)) throw new Error(`two honeypot sources named ${source.name}`);
    names.add(source.name);
    const terminating = network.byKey.get(source.terminatingProviderKey);
    if (terminating?.kind !== 'terminating' || !terminating.npa)
      throw new Error(`${source.terminatingProviderKey} is not a terminating provider of the network`);
    let pool = free.get(terminating.npa);
    if (!pool) {
      pool = rnd.shuffle(
        Array.from({ length: 100 }, (_, i) => `+1${terminating.npa}55501${String(i).padStart(2, '0')}`),
      );
      free.set(terminating.npa, pool);
    }
    const numbers = pool.splice(0, Math.min(source.numbers ?? 40, 100));
    if (numbers.length === 0)
      throw new Error(`no fictional numbers left for ${source.name} in area code ${terminating.npa}`);
    return { source, terminating, numbers, seq: 0 };
  });
}

/** The caller ID the call carries, as its campaign's plan has it. */
function callerIdOf(rnd: Random, campaign: SimCampaign | null, calledNumber: string): string {
  const plan = campaign?.callerId ?? { kind: 'spoofed' as const };
  switch (plan.kind) {
    case 'spoofed':
      return fictionalNumber(rnd);
    case 'pool':
      return rnd.pick(plan.numbers);
    case 'neighbour': {
      // Same NPA-NXX as the called number (fictional numbers all have NXX 555), another line.
      const line = Number(calledNumber.slice(-2));
      let n = rnd.int(0, 98);
      if (n >= line) n++;
      return `${calledNumber.slice(0, -2)}${String(n).padStart(2, '0')}`;
    }
  }
}
