import { normalizePhoneNumber, ORIGIN_ACTIONS, ZCustomer } from '@hoptrace/contracts';
import { z } from 'zod';

/** A call record as the agent reads it from the provider's CSV file or table. */
export interface AgentRecord {
  startTime: string;
  callingNumber: string;
  calledNumber: string;
  inboundPeer: string;
  outboundPeer?: string | undefined;
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

export type AgentAnswer =
  | { kind: 'upstream'; upstreamProviderId: string; comment: string }
  | {
      kind: 'origin';
      customer: z.input<typeof ZCustomer>;
      action: (typeof ORIGIN_ACTIONS)[number];
      comment: string;
    }
  | { kind: 'not_found'; comment: string };

export type Decision =
  | { action: 'answer'; answer: AgentAnswer; matched: number }
  | {
      action: 'ask_person';
      reason: 'ambiguous' | 'unknown_peer' | 'unreadable_call' | 'forward_request';
      detail: string;
      matched: number;
    };

/** E.164 for a number as any switch writes it, or null when it cannot be read. */
export function normalizeNumber(raw: string): string | null {
  const r = normalizePhoneNumber(raw);
  return r.ok ? r.e164 : null;
}

/** Record times: ISO 8601 with an offset, or `YYYY-MM-DD HH:MM:SS[.fff]` in UTC, or epoch seconds. */
export function parseRecordTime(raw: string): number | null {
  const s = raw.trim();
  if (/^\d{9,11}(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? `${s.replace(' ', 'T')}Z` : s;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** Finds the call in the records: both numbers equal once normalised, start within the tolerance. */
export function findCandidates(
  call: HopCall,
  records: Iterable<AgentRecord>,
  toleranceSeconds: number,
): AgentRecord[] | null {
  const calling = normalizeNumber(call.callingNumber);
  const called = normalizeNumber(call.calledNumber);
  const at = Date.parse(call.startedAt);
  if (!calling || !called || Number.isNaN(at)) return null;
  const out: AgentRecord[] = [];
  for (const r of records) {
    const t = parseRecordTime(r.startTime);
    if (t === null || Math.abs(t - at) > toleranceSeconds * 1000) continue;
    if (normalizeNumber(r.calledNumber) !== called || normalizeNumber(r.callingNumber) !== calling) continue;
    out.push(r);
  }
  return out;
}

/**
 * What the agent may answer on its own, given the records that match the call (null: the
 * call itself could not be read). It never guesses: records that point at different peers,
 * or a peer it cannot place, go to a person.
 */
export function decide(
  candidates: AgentRecord[] | null,
  peerMap: TPeerMap,
  toleranceSeconds: number,
): Decision {
  if (candidates === null)
    return {
      action: 'ask_person',
      reason: 'unreadable_call',
      detail: 'the hop names a number or time the agent cannot read',
      matched: 0,
    };
  if (candidates.length === 0)
    return {
      action: 'answer',
      matched: 0,
      answer: {
        kind: 'not_found',
        comment: `No call record matches (numbers as recorded, start within ±${toleranceSeconds} s). Answered by the hoptrace agent.`,
      },
    };
  const peers = [...new Set(candidates.map((r) => r.inboundPeer.trim()))];
  if (peers.length > 1)
    return {
      action: 'ask_person',
      reason: 'ambiguous',
      detail: `${candidates.length} records match on different inbound peers: ${peers.join(', ')}`,
      matched: candidates.length,
    };
  const peer = peers[0]!;
  const customer = peerMap.customers[peer];
  if (customer)
    return {
      action: 'answer',
      matched: candidates.length,
      answer: {
        kind: 'origin',
        customer,
        action: peerMap.originAction,
        comment: `Call arrived from our customer on ${peer}. Answered by the hoptrace agent.`,
      },
    };
  const providerId = peerMap.peers[peer];
  if (providerId)
    return {
      action: 'answer',
      matched: candidates.length,
      answer: {
        kind: 'upstream',
        upstreamProviderId: providerId,
        comment: `Call arrived on trunk ${peer}. Answered by the hoptrace agent.`,
      },
    };
  return {
    action: 'ask_person',
    reason: 'unknown_peer',
    detail: `the call arrived on "${peer}", which the peer map does not name`,
    matched: candidates.length,
  };
}
