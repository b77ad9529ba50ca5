import { fictionalNumber, formatNumber, type SimNetwork, type SimProvider } from './network';
import { Random } from './random';
import { planSignature, type SimSignature } from './shaken';

/** One call-detail record, as the provider that crossed the call keeps it. */
export interface CdrRecord {
  startTime: string;
  callingNumber: string;
  calledNumber: string;
  inboundPeer: string;
  outboundPeer: string;
}

export interface SimCall {
  id: string;
  /** Null for a one-off call that belongs to no campaign (honeypot background). */
  campaignKey: string | null;
  startedAt: Date;
  /** E.164, as the terminating provider reports the call. */
  callingNumber: string;
  calledNumber: string;
  /** Provider keys from the origin (first) to the terminating provider (last). */
  path: string[];
  customerKey: string;
  foreign: boolean;
  /** A provider in the path that lost its record of this call (answers not_found). */
  missingAt: string | null;
  /** A provider with a second, near-identical record of this call on another trunk. */
  ambiguousAt: string | null;
  /** How the call was signed (STIR/SHAKEN), if it was. */
  signature?: SimSignature | null;
}

export interface CallSet {
  calls: SimCall[];
  /** Every provider's call records, in time order. */
  records: Map<string, CdrRecord[]>;
}

export interface CallOptions {
  count: number;
  /** Calls are spread between these instants. */
  from: Date;
  to: Date;
  /** Unrelated calls per provider, so a lookup has something to search through. */
  backgroundPerProvider?: number;
  seed?: number;
}

/** The expected answer of a provider for a call, from the ground truth of its path. */
export type TruthAnswer =
  | { kind: 'upstream'; providerKey: string }
  | { kind: 'origin'; customerKey: string }
  | { kind: 'not_found' }
  | { kind: 'none' };

export function truthFor(network: SimNetwork, call: SimCall, providerKey: string): TruthAnswer {
  const provider = network.byKey.get(providerKey);
  const idx = call.path.indexOf(providerKey);
  if (!provider || idx < 0 || call.missingAt === providerKey) return { kind: 'not_found' };
  if (provider.kind === 'foreign') return { kind: 'none' };
  if (idx === 0) return { kind: 'origin', customerKey: call.customerKey };
  return { kind: 'upstream', providerKey: call.path[idx - 1]! };
}

/** Places the campaigns' calls across the routing graph; each leaves a record at every provider it crosses. */
export function generateCalls(network: SimNetwork, opts: CallOptions): CallSet {
  const rnd = new Random(opts.seed ?? network.config.seed + 1);
  // Signatures draw from their own stream, so the calls themselves stay what they were without them.
  const signing = new Random((opts.seed ?? network.config.seed + 1) + 7919);
  const records = new Map<string, CdrRecord[]>(network.providers.map((p) => [p.key, []]));
  const calls: SimCall[] = [];
  const span = opts.to.getTime() - opts.from.getTime();
  for (let i = 0; i < opts.count; i++) {
    const campaign = network.campaigns[i % network.campaigns.length]!;
    const origin = network.byKey.get(campaign.originProviderKey)!;
    const path = routeFrom(network, rnd, origin)!;
    const terminating = network.byKey.get(path[path.length - 1]!)!;
    // Whole seconds: what a traceback request carries.
    const startedAt = new Date(Math.floor((opts.from.getTime() + rnd.next() * span) / 1000) * 1000);
    const call: SimCall = {
      id: `call${String(i + 1).padStart(5, '0')}`,
      campaignKey: campaign.key,
      startedAt,
      callingNumber: fictionalNumber(rnd),
      calledNumber: fictionalNumber(rnd, terminating.npa),
      path,
      customerKey: campaign.customerKey,
      foreign: campaign.foreign,
      missingAt: null,
      ambiguousAt: null,
      signature: planSignature(network, signing, path),
    };
    planTrouble(network, rnd, call);
    calls.push(call);
    recordCall(network, rnd, call, collectInto(records));
  }
  backgroundRecords(network, rnd, opts.from, opts.to, opts.backgroundPerProvider ?? 20, collectInto(records));
  sortRecords(records);
  return { calls, records };
}

/** Where call records go as they are made: `(providerKey, record)`. */
export type CdrSink = (providerKey: string, record: CdrRecord) => void;

export const collectInto =
  (records: Map<string, CdrRecord[]>): CdrSink =>
  (key, record) => {
    let list = records.get(key);
    if (!list) records.set(key, (list = []));
    list.push(record);
  };

/** Puts every provider's records in time order (ISO times of one layout sort as strings). */
export function sortRecords(records: Map<string, CdrRecord[]>): void {
  for (const list of records.values())
    list.sort((a, b) => (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : 0));
}

/**
 * Marks a call's trouble, in the network's configured shares: a provider that lost its record, or one
 * with a second, near-identical record. It lands on a US provider that would otherwise answer with an
 * upstream or origin.
 */
export function planTrouble(network: SimNetwork, rnd: Random, call: SimCall): void {
  const askable = call.path.filter((k) => network.byKey.get(k)!.kind !== 'foreign');
  if (rnd.chance(network.config.missingRecordShare)) call.missingAt = rnd.pick(askable.slice(0, -1));
  else if (rnd.chance(network.config.ambiguousShare)) call.ambiguousAt = rnd.pick(askable.slice(1));
}

/** Unrelated calls at every provider, so a lookup has something to search through. */
export function backgroundRecords(
  network: SimNetwork,
  rnd: Random,
  from: Date,
  to: Date,
  perProvider: number,
  sink: CdrSink,
): void {
  const span = to.getTime() - from.getTime();
  for (const p of network.providers)
    for (let i = 0; i < perProvider; i++) {
      const inbound = rnd.pick([
        ...Object.values(p.trunkFrom),
        ...p.customers.map((c) => c.trunk),
        'TG-LOCAL',
      ]);
      sink(p.key, {
        startTime: new Date(from.getTime() + rnd.next() * span).toISOString(),
        callingNumber: formatNumber(fictionalNumber(rnd), p.numberFormat),
        calledNumber: formatNumber(fictionalNumber(rnd), p.numberFormat),
        inboundPeer: inbound,
        outboundPeer: rnd.pick(p.downstream.length ? p.downstream : ['SUBSCRIBER']),
      });
    }
}

/** The record the call left at each provider it crossed (none where `missingAt`, two where `ambiguousAt`). */
export function recordCall(network: SimNetwork, rnd: Random, call: SimCall, sink: CdrSink): void {
  let setupMs = 0;
  call.path.forEach((key, idx) => {
    if (key === call.missingAt) return;
    const p = network.byKey.get(key)!;
    setupMs += rnd.int(20, 400);
    const customer = p.customers.find((c) => c.key === call.customerKey);
    const inboundPeer = idx === 0 ? (customer?.trunk ?? 'CUST-UNKNOWN') : p.trunkFrom[call.path[idx - 1]!]!;
    const next = call.path[idx + 1];
    const at = call.startedAt.getTime() + setupMs + p.clockSkewSeconds * 1000;
    const record = {
      startTime: new Date(at).toISOString(),
      callingNumber: formatNumber(call.callingNumber, p.numberFormat),
      calledNumber: formatNumber(call.calledNumber, p.numberFormat),
      inboundPeer,
      outboundPeer: next ? trunkName(network.byKey.get(next)!, key) : 'SUBSCRIBER',
    };
    sink(key, record);
    if (key === call.ambiguousAt) {
      // The same caller ID to the same number seconds later, arriving on another trunk: a retry or a
      // second leg. Only a person can say which one was the traced call.
      const other = Object.values(p.trunkFrom).find((t) => t !== inboundPeer) ?? 'TG-UNLISTED';
      sink(key, { ...record, startTime: new Date(at + 2000).toISOString(), inboundPeer: other });
    }
  });
}

/** How `downstream` names the trunk a call from `fromKey` arrives on. */
function trunkName(downstream: SimProvider, fromKey: string): string {
  return downstream.trunkFrom[fromKey] ?? 'TG-UNLISTED';
}

/**
 * A random walk down the graph with a drawn number of US intermediates, ending at a terminating
 * provider: any one, or `target` (null when this walk cannot reach it; draw again).
 */
export function routeFrom(
  network: SimNetwork,
  rnd: Random,
  origin: SimProvider,
  target?: SimProvider,
): string[] | null {
  const wanted = rnd.weighted(network.config.intermediateWeights);
  const path = [origin.key];
  let current = origin;
  let intermediates = 0;
  if (origin.kind === 'foreign') {
    current = network.byKey.get(rnd.pick(origin.downstream))!;
    path.push(current.key);
    // The gateway stands for one of the US providers in the path.
    intermediates++;
  }
  if (target) return walkTo(network, rnd, path, current, intermediates, wanted, target);
  for (;;) {
    const next = current.downstream
      .map((k) => network.byKey.get(k)!)
      .filter((q) => !path.includes(q.key))
      .filter((q) => (intermediates < wanted ? q.kind === 'intermediate' : q.kind === 'terminating'));
    if (next.length === 0) {
      if (intermediates >= wanted || current.kind !== 'intermediate') {
        // No terminating peer here: keep walking through intermediates until one has one.
        const onward = current.downstream
          .map((k) => network.byKey.get(k)!)
          .filter((q) => !path.includes(q.key) && (q.kind === 'intermediate' || q.kind === 'terminating'));
        if (onward.length === 0) throw new Error(`routing dead end at ${current.key}`);
        current = rnd.pick(onward);
      } else {
        const terminatingPeers = current.downstream
          .map((k) => network.byKey.get(k)!)
          .filter((q) => q.kind === 'terminating');
        current = rnd.pick(terminatingPeers);
      }
    } else current = pickPeer(rnd, next);
    path.push(current.key);
    if (current.kind === 'terminating') return path;
    if (current.kind === 'intermediate') intermediates++;
  }
}

function walkTo(
  network: SimNetwork,
  rnd: Random,
  path: string[],
  current: SimProvider,
  intermediates: number,
  wanted: number,
  target: SimProvider,
): string[] | null {
  for (;;) {
    if (intermediates >= wanted && current.downstream.includes(target.key)) {
      path.push(target.key);
      return path;
    }
    if (intermediates >= wanted) break;
    let next = current.downstream
      .map((k) => network.byKey.get(k)!)
      .filter((q) => q.kind === 'intermediate' && !path.includes(q.key));
    // The last intermediate is one that hands calls to the target, when there is one.
    const feeding = next.filter((q) => q.downstream.includes(target.key));
    if (intermediates === wanted - 1 && feeding.length) next = feeding;
    if (next.length === 0) break;
    current = pickPeer(rnd, next);
    path.push(current.key);
    intermediates++;
  }
  // Enough intermediates, or none left to walk to: the shortest way on through unvisited ones.
  const onward = shortestWay(network, current, target, path);
  if (!onward) return null;
  path.push(...onward);
  return path;
}

/** Breadth-first through intermediates not in `path`, from `from` to one that hands calls to `target`. */
function shortestWay(
  network: SimNetwork,
  from: SimProvider,
  target: SimProvider,
  path: readonly string[],
): string[] | null {
  const cameFrom = new Map<string, string | null>([[from.key, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i]!;
    if (p.downstream.includes(target.key)) {
      const way = [target.key];
      for (let k: string | null = p.key; k && k !== from.key; k = cameFrom.get(k) ?? null) way.unshift(k);
      return way;
    }
    for (const k of p.downstream) {
      const q = network.byKey.get(k)!;
      if (q.kind !== 'intermediate' || cameFrom.has(k) || path.includes(k)) continue;
      cameFrom.set(k, p.key);
      queue.push(q);
    }
  }
  return null;
}

/**
 * Providers that ignore tracebacks carry less of the traffic (they are small), so a share of
 * silent providers stops a smaller share of tracebacks, as in the ITG's figures.
 */
const TRAFFIC_WEIGHT = { agent: 1, manual: 1, late: 0.3, never: 0.05 } as const;

function pickPeer(rnd: Random, peers: SimProvider[]): SimProvider {
  const key = rnd.weighted(peers.map((p) => [p.key, TRAFFIC_WEIGHT[p.answerMode]] as const));
  return peers.find((p) => p.key === key)!;
}
