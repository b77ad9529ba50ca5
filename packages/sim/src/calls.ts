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
  campaignKey: string;
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
    const path = routeFrom(network, rnd, origin);
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
    // Trouble lands on a US provider that would otherwise answer with an upstream or origin.
    const askable = path.filter((k) => network.byKey.get(k)!.kind !== 'foreign');
    if (rnd.chance(network.config.missingRecordShare)) call.missingAt = rnd.pick(askable.slice(0, -1));
    else if (rnd.chance(network.config.ambiguousShare)) call.ambiguousAt = rnd.pick(askable.slice(1));
    calls.push(call);
    recordCall(network, rnd, call, records);
  }
  const background = opts.backgroundPerProvider ?? 20;
  for (const p of network.providers)
    for (let i = 0; i < background; i++) {
      const inbound = rnd.pick([
        ...Object.values(p.trunkFrom),
        ...p.customers.map((c) => c.trunk),
        'TG-LOCAL',
      ]);
      records.get(p.key)!.push({
        startTime: new Date(opts.from.getTime() + rnd.next() * span).toISOString(),
        callingNumber: formatNumber(fictionalNumber(rnd), p.numberFormat),
        calledNumber: formatNumber(fictionalNumber(rnd), p.numberFormat),
        inboundPeer: inbound,
        outboundPeer: rnd.pick(p.downstream.length ? p.downstream : ['SUBSCRIBER']),
      });
    }
  for (const list of records.values()) list.sort((a, b) => a.startTime.localeCompare(b.startTime));
  return { calls, records };
}

function recordCall(
  network: SimNetwork,
  rnd: Random,
  call: SimCall,
  records: Map<string, CdrRecord[]>,
): void {
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
    records.get(key)!.push(record);
    if (key === call.ambiguousAt) {
      // The same caller ID to the same number seconds later, arriving on another trunk: a retry or a
      // second leg. Only a person can say which one was the traced call.
      const other = Object.values(p.trunkFrom).find((t) => t !== inboundPeer) ?? 'TG-UNLISTED';
      records.get(key)!.push({ ...record, startTime: new Date(at + 2000).toISOString(), inboundPeer: other });
    }
  });
}

/** How `downstream` names the trunk a call from `fromKey` arrives on. */
function trunkName(downstream: SimProvider, fromKey: string): string {
  return downstream.trunkFrom[fromKey] ?? 'TG-UNLISTED';
}

/** A random walk down the graph with a drawn number of US intermediates, ending at a terminating provider. */
function routeFrom(network: SimNetwork, rnd: Random, origin: SimProvider): string[] {
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

/**
 * Providers that ignore tracebacks carry less of the traffic (they are small), so a share of
 * silent providers stops a smaller share of tracebacks, as in the ITG's figures.
 */
const TRAFFIC_WEIGHT = { agent: 1, manual: 1, late: 0.3, never: 0.05 } as const;

function pickPeer(rnd: Random, peers: SimProvider[]): SimProvider {
  const key = rnd.weighted(peers.map((p) => [p.key, TRAFFIC_WEIGHT[p.answerMode]] as const));
  return peers.find((p) => p.key === key)!;
}
