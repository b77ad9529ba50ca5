import { ORIGIN_ACTIONS, ZCustomer } from '@hoptrace/contracts';
import { z } from 'zod';
import { identitySummary } from './kamailio';
import { switchNumberOrNull } from './numbers';
import { resolvePeer } from './peers';
import { formatInZone } from './time';

/** A call record as the agent reads it from the provider's CSV file or table. */
export interface AgentRecord {
  startTime: string;
  callingNumber: string;
  calledNumber: string;
  inboundPeer: string;
  outboundPeer?: string | undefined;
  /** The P-Asserted-Identity, where the switch keeps it: the real number behind an anonymous From. */
  assertedNumber?: string | undefined;
  /** The SIP Identity header the call arrived with, where the switch records it (decision 0034). */
  identityHeader?: string | undefined;
}

/** A record whose time has been read: `at` is epoch ms. */
export interface TimedRecord extends AgentRecord {
  at: number;
}

/**
 * What each inbound trunk or peer name in the records stands for: a provider in the
 * hoptrace directory (by id), or one of the provider's own customers (an origin).
 */
export const ZPeerMap = z.object({
  peers: z.record(z.string().min(1), z.uuid()).default({}),
  customers: z.record(z.string().min(1), ZCustomer).default({}),
  /** What the agent reports it did about an originating customer's traffic. */
  originAction: z.enum(ORIGIN_ACTIONS).default('investigating'),
});
export type TPeerMap = z.infer<typeof ZPeerMap>;

export interface HopCall {
  startedAt: string;
  callingNumber: string;
  calledNumber: string;
}

/** What the call arrived with, from the record (sent only where the record has the Identity header). */
export interface AgentReceived {
  identityHeader: string;
  fromNumber?: string;
  paiNumber?: string;
}

export type AgentAnswer =
  | { kind: 'upstream'; upstreamProviderId: string; comment: string; received?: AgentReceived }
  | {
      kind: 'origin';
      customer: z.input<typeof ZCustomer>;
      action: (typeof ORIGIN_ACTIONS)[number];
      comment: string;
      received?: AgentReceived;
    }
  | { kind: 'not_found'; comment: string };

export type Decision =
  | { action: 'answer'; answer: AgentAnswer; matched: number }
  | {
      action: 'ask_person';
      reason: 'ambiguous' | 'unknown_peer' | 'unreadable_call' | 'forward_request' | 'no_coverage';
      detail: string;
      matched: number;
    };

/** E.164 for a number as any switch writes it (URIs, prefixes, parameters), or null when it cannot be read. */
export function normalizeNumber(raw: string): string | null {
  return switchNumberOrNull(raw);
}

/** The calling number of a record: the P-Asserted-Identity when the From was anonymous. */
export function callingOf(r: AgentRecord): string | null {
  return normalizeNumber(r.callingNumber) ?? (r.assertedNumber ? normalizeNumber(r.assertedNumber) : null);
}

/**
 * What the matched records say the call arrived with: the Identity header of the first record that
 * has one, with its From and P-Asserted-Identity numbers where they read as numbers. Records without
 * the header say nothing (a switch that does not log it is not a call that came without one).
 */
export function receivedOf(records: readonly AgentRecord[]): { received: AgentReceived } | object {
  const r = records.find((x) => x.identityHeader?.trim());
  if (!r) return {};
  const from = normalizeNumber(r.callingNumber);
  const pai = r.assertedNumber ? normalizeNumber(r.assertedNumber) : null;
  return {
    received: {
      identityHeader: r.identityHeader!.trim(),
      ...(from ? { fromNumber: from } : {}),
      ...(pai ? { paiNumber: pai } : {}),
    },
  };
}

/**
 * Finds the call in records whose times are read (`at`): both numbers equal once normalised, the
 * record's time from `tolerance` before the call to `tolerance + late` after it (`late`: switches that
 * write the answer or final-reply time, not the start).
 */
export function findCandidates(
  call: HopCall,
  records: Iterable<TimedRecord>,
  toleranceSeconds: number,
  lateSeconds = 0,
): TimedRecord[] | null {
  const calling = normalizeNumber(call.callingNumber);
  const called = normalizeNumber(call.calledNumber);
  const at = Date.parse(call.startedAt);
  if (!calling || !called || Number.isNaN(at)) return null;
  const out: TimedRecord[] = [];
  for (const r of records) {
    if (r.at < at - toleranceSeconds * 1000 || r.at > at + (toleranceSeconds + lateSeconds) * 1000) continue;
    if (normalizeNumber(r.calledNumber) !== called || callingOf(r) !== calling) continue;
    out.push(r);
  }
  return out;
}

/**
 * What the records say about the moment of the call: the nearest record before it and after it within
 * the coverage window (null: none), and the zone a person reads their times in.
 */
export interface Coverage {
  before: number | null;
  after: number | null;
  windowSeconds: number;
  zone: string;
}

/** A look-up: the records that match the call, and whether the records cover its moment at all. */
export interface Lookup {
  candidates: TimedRecord[];
  coverage: Coverage;
}

/**
 * What the agent may answer on its own, given the records that match the call (null: the
 * call itself could not be read). It never guesses: records that point at different peers,
 * or a peer it cannot place, go to a person.
 */
export function decide(
  lookup: Lookup | null,
  peerMap: TPeerMap,
  toleranceSeconds: number,
  call?: HopCall,
): Decision {
  if (lookup === null)
    return {
      action: 'ask_person',
      reason: 'unreadable_call',
      detail: 'the hop names a number or time the agent cannot read',
      matched: 0,
    };
  const { candidates, coverage } = lookup;
  if (candidates.length === 0) {
    // "No record" is an answer only where records exist on both sides of the call: a switch that was
    // down, a file that ends early or a wrong time zone would otherwise close the traceback wrongly.
    if (coverage.before === null || coverage.after === null) {
      const at = call ? Date.parse(call.startedAt) : Number.NaN;
      const w = coverage.windowSeconds * 1000;
      const from = coverage.before ?? at - w;
      const to = coverage.after ?? at + w;
      const fmt = (ms: number) => (Number.isNaN(ms) ? '?' : formatInZone(ms, coverage.zone));
      return {
        action: 'ask_person',
        reason: 'no_coverage',
        detail: `no call records between ${fmt(from)} and ${fmt(to)} ${coverage.zone} time (the call: ${fmt(at)}); not_found needs records on both sides of the call within ${Math.round(coverage.windowSeconds / 60)} min`,
        matched: 0,
      };
    }
    return {
      action: 'answer',
      matched: 0,
      answer: {
        kind: 'not_found',
        comment: `No call record matches (numbers as recorded, start within ±${toleranceSeconds} s), though records exist on both sides of the call. Answered by the hoptrace agent.`,
      },
    };
  }
  const seen = [...new Set(candidates.map((r) => r.inboundPeer.trim()))];
  const matches = seen.map((p) => resolvePeer(p, peerMap));
  // Ambiguous when the records point at different peers (an address on two ports is one peer).
  if (new Set(matches.map((m, i) => m?.key ?? `unmapped ${seen[i]}`)).size > 1)
    return {
      action: 'ask_person',
      reason: 'ambiguous',
      detail: `${candidates.length} records match on different inbound peers: ${seen.join(', ')}`,
      matched: candidates.length,
    };
  const peer = seen.join(', ');
  const match = matches[0];
  const received = receivedIdentity(candidates);
  if (match?.kind === 'customer')
    return {
      action: 'answer',
      matched: candidates.length,
      answer: {
        kind: 'origin',
        customer: match.customer,
        action: peerMap.originAction,
        comment: `Call arrived from our customer on ${peer}${received}. Answered by the hoptrace agent.`,
        ...receivedOf(candidates),
      },
    };
  if (match?.kind === 'upstream')
    return {
      action: 'answer',
      matched: candidates.length,
      answer: {
        kind: 'upstream',
        upstreamProviderId: match.providerId,
        comment: `Call arrived on trunk ${peer}${received}. Answered by the hoptrace agent.`,
        ...receivedOf(candidates),
      },
    };
  return {
    action: 'ask_person',
    reason: 'unknown_peer',
    detail: `the call arrived on "${peer}", which the peer map does not name`,
    matched: candidates.length,
  };
}

/**
 * What the matched records say of the STIR/SHAKEN Identity header received, for the answer's comment
 * (the answer also carries the header itself, as `received`): its attestation and certificate URL, or nothing
 * when the switch does not record the header.
 */
function receivedIdentity(candidates: TimedRecord[]): string {
  const header = candidates.find((r) => r.identityHeader)?.identityHeader;
  if (!header) return '';
  const s = identitySummary(header);
  if (!s) return ', with an Identity header that does not parse';
  return `, with a SHAKEN Identity header (attestation ${s.attest ?? 'not given'}${s.x5u ? `, certificate ${s.x5u}` : ''})`;
}
