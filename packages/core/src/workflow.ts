import type { THopStatus, TOutcome, TTracebackKind } from '@hoptrace/contracts';

/**
 * The traceback state machine as pure decisions: given the state and a request,
 * what happens. Commands load the state, ask here, and write what is decided.
 * Nothing here reads a database or a clock.
 */

export const MAIN_LINE = 'path';

export interface TracebackState {
  /** `forward`: one question to the provider holding a callback number (no upstream walk); default `trace`. */
  kind?: TTracebackKind;
  status: 'open' | 'closed';
  outcome: TOutcome | null;
  /** The US provider at which the path reached the border (decision 0035). */
  entryPointProviderId?: string | null;
}

export interface HopState {
  id: string;
  line: string;
  seq: number;
  providerId: string;
  status: THopStatus;
  dueAt: Date;
  /** The upstream an `upstream` answer named. */
  upstreamProviderId?: string | null;
}

/** `field`: the refusal is about the request's form (a 400 at that field), not the state (a 409). */
export type Refusal = { ok: false; reason: string; field?: string };

/** Why a forward request takes no `upstream` answer. */
export const FORWARD_UPSTREAM_REFUSAL =
  'this is a forward request about a number you hold, not a call to trace upstream: answer "origin" with the customer behind the number, or "not_found" if it is not yours';

export type AnswerDecision =
  | Refusal
  | {
      ok: true;
      late: boolean;
      /** The traceback was closed non-responsive because of this hop and comes back to life. */
      reopens: boolean;
      then:
        | { kind: 'request_upstream'; providerId: string }
        | { kind: 'loop'; providerId: string }
        | { kind: 'close'; outcome: 'origin_identified' | 'dead_end' }
        /** The named upstream is abroad: the path ends at the border, the answering provider is the entry point. */
        | { kind: 'foreign'; providerId: string }
        | { kind: 'record_only' };
    };

/** Providers already in the main path (withdrawn requests do not count: the provider was never really asked). */
export function pathProviders(hops: HopState[]): Set<string> {
  return new Set(
    hops.filter((h) => h.line === MAIN_LINE && h.status !== 'withdrawn').map((h) => h.providerId),
  );
}

export function decideAnswer(input: {
  traceback: TracebackState;
  hop: HopState;
  hops: HopState[];
  answer:
    | {
        kind: 'upstream';
        upstreamProviderId: string;
        /** A US provider names one the directory lists outside the US (decision 0035). */
        crossesBorder?: boolean | undefined;
      }
    | { kind: 'origin' }
    | { kind: 'not_found' };
  now: Date;
}): AnswerDecision {
  const { traceback, hop, hops, answer, now } = input;
  // A forward request asks who holds a number: there is no upstream to name (a wrong form, not a wrong time).
  if (traceback.kind === 'forward' && answer.kind === 'upstream')
    return { ok: false, reason: FORWARD_UPSTREAM_REFUSAL, field: 'kind' };
  let reopens = false;
  switch (hop.status) {
    case 'answered':
      return { ok: false, reason: 'this hop has already been answered' };
    case 'withdrawn':
      return {
        ok: false,
        reason: 'this request was withdrawn by the consortium; there is nothing to answer',
      };
    case 'non_responsive': {
      // A late answer is still taken: it can only revive a traceback this very hop stopped.
      const stoppedHere =
        hop.line === MAIN_LINE &&
        traceback.status === 'closed' &&
        traceback.outcome === 'non_responsive' &&
        isLastOnLine(hop, hops);
      // Beside the path, a late answer is still evidence while the traceback is open; it stops nothing.
      if (hop.line !== MAIN_LINE && traceback.status === 'open') break;
      if (!stoppedHere)
        return {
          ok: false,
          reason: 'the traceback has moved on since this request; it is closed to answers',
        };
      reopens = true;
      break;
    }
    case 'pending':
      if (traceback.status !== 'open') return { ok: false, reason: 'the traceback is closed' };
      break;
  }
  const late = hop.status === 'non_responsive' || now.getTime() > hop.dueAt.getTime();
  if (hop.line !== MAIN_LINE) return { ok: true, late, reopens, then: { kind: 'record_only' } };
  switch (answer.kind) {
    case 'origin':
      return { ok: true, late, reopens, then: { kind: 'close', outcome: 'origin_identified' } };
    case 'not_found':
      return { ok: true, late, reopens, then: { kind: 'close', outcome: 'dead_end' } };
    case 'upstream': {
      const seen = pathProviders(hops);
      // A forward request never gets here (refused above): only a call's path reaches a border.
      if (answer.crossesBorder && !seen.has(answer.upstreamProviderId))
        return { ok: true, late, reopens, then: { kind: 'foreign', providerId: answer.upstreamProviderId } };
      const kind = seen.has(answer.upstreamProviderId) ? 'loop' : 'request_upstream';
      return { ok: true, late, reopens, then: { kind, providerId: answer.upstreamProviderId } };
    }
  }
}

function isLastOnLine(hop: HopState, hops: HopState[]): boolean {
  return !hops.some((h) => h.line === hop.line && h.seq > hop.seq);
}

export type ActionDecision =
  | Refusal
  | { ok: true; kind: 'close'; outcome: TOutcome }
  | { ok: true; kind: 'reopen'; request: { providerId: string; namedByHopId: string | null } | null }
  | { ok: true; kind: 'reassign'; hop: HopState; providerId: string }
  | { ok: true; kind: 'signer_hop'; providerId: string };

export type ActionRequest =
  | { action: 'cancel' }
  | { action: 'close'; outcome: TOutcome }
  | { action: 'reopen'; providerId?: string | undefined }
  | { action: 'reassign'; hopId: string; providerId: string }
  | { action: 'request_signer_hop' }
  | { action: 'continue_abroad' };

/** The line that asks the call's STIR/SHAKEN signer directly (see shaken/). */
export const SIGNER_LINE = 'signer';

/**
 * `signer`: the provider a valid A or B signature names, when the directory has it (null: none);
 * only the request for a signer hop needs it.
 */
export function decideAction(
  traceback: TracebackState,
  hops: HopState[],
  req: ActionRequest,
  signer: { providerId: string } | null = null,
): ActionDecision {
  const pendingOnPath = hops.filter((h) => h.line === MAIN_LINE && h.status === 'pending');
  const forward = traceback.kind === 'forward';
  switch (req.action) {
    case 'cancel':
    case 'close':
      if (traceback.status === 'closed') return { ok: false, reason: 'the traceback is already closed' };
      return { ok: true, kind: 'close', outcome: req.action === 'cancel' ? 'cancelled' : req.outcome };
    case 'reopen': {
      if (traceback.status === 'open' && pendingOnPath.length > 0)
        return {
          ok: false,
          reason: 'the traceback is open and waiting on a provider; reassign that hop instead',
        };
      const path = hops.filter((h) => h.line === MAIN_LINE);
      const last = path[path.length - 1];
      // A forward request asks one provider one question: it is asked again only where it went unanswered.
      if (forward) {
        if (!last || (last.status !== 'non_responsive' && last.status !== 'withdrawn'))
          return {
            ok: false,
            reason:
              'this forward request has its answer; to ask another provider, trace the number forward again',
          };
        return {
          ok: true,
          kind: 'reopen',
          request: { providerId: req.providerId ?? last.providerId, namedByHopId: null },
        };
      }
      if (req.providerId)
        return {
          ok: true,
          kind: 'reopen',
          request: { providerId: req.providerId, namedByHopId: last?.id ?? null },
        };
      if (last && (last.status === 'non_responsive' || last.status === 'withdrawn'))
        return { ok: true, kind: 'reopen', request: { providerId: last.providerId, namedByHopId: null } };
      if (traceback.status === 'open')
        return { ok: false, reason: 'name the provider to ask next (providerId)' };
      return { ok: true, kind: 'reopen', request: null };
    }
    case 'reassign': {
      if (traceback.status !== 'open')
        return { ok: false, reason: 'the traceback is closed; reopen it first' };
      const hop = hops.find((h) => h.id === req.hopId);
      if (!hop) return { ok: false, reason: 'that hop is not part of this traceback' };
      if (hop.status !== 'pending')
        return { ok: false, reason: `only a pending hop can be reassigned; this one is ${hop.status}` };
      if (hop.providerId === req.providerId)
        return { ok: false, reason: 'the hop is already addressed to that provider' };
      return { ok: true, kind: 'reassign', hop, providerId: req.providerId };
    }
    case 'continue_abroad': {
      // The path ended at the border; a provider abroad that cooperates is asked as any upstream.
      const abroad = foreignUpstreamOf(traceback, hops);
      if (!abroad)
        return {
          ok: false,
          reason:
            'only a traceback closed as foreign_origin at a named provider abroad can be continued abroad',
        };
      return { ok: true, kind: 'reopen', request: abroad };
    }
    case 'request_signer_hop':
      if (forward) return { ok: false, reason: 'a forward request has no call, so no signer to ask' };
      if (traceback.status !== 'open') return { ok: false, reason: 'the traceback is closed' };
      if (!signer)
        return {
          ok: false,
          reason: 'no valid A or B STIR/SHAKEN signature names a provider in the directory',
        };
      if (hops.some((h) => h.line === SIGNER_LINE))
        return { ok: false, reason: 'the signer has already been asked' };
      return { ok: true, kind: 'signer_hop', providerId: signer.providerId };
  }
}

/**
 * The provider abroad a foreign_origin traceback stopped at: the upstream its entry point named, when that
 * answer ended the path (null otherwise, e.g. closed by hand before anyone named a provider abroad).
 */
export function foreignUpstreamOf(
  traceback: TracebackState,
  hops: HopState[],
): { providerId: string; namedByHopId: string } | null {
  if (traceback.status !== 'closed' || traceback.outcome !== 'foreign_origin') return null;
  const path = hops.filter((h) => h.line === MAIN_LINE);
  const last = path[path.length - 1];
  // The entry point's own answer ended the path: it named the provider abroad.
  if (!last || last.status !== 'answered' || !last.upstreamProviderId) return null;
  if (last.providerId !== traceback.entryPointProviderId) return null;
  return { providerId: last.upstreamProviderId, namedByHopId: last.id };
}

/** A pending hop whose deadline has passed makes the traceback non-responsive. */
export function isOverdue(hop: HopState, now: Date): boolean {
  return hop.status === 'pending' && hop.dueAt.getTime() <= now.getTime();
}
