import { describe, expect, it } from 'vitest';
import {
  decideAction,
  decideAnswer,
  FORWARD_UPSTREAM_REFUSAL,
  isOverdue,
  pathProviders,
  type HopState,
  type TracebackState,
} from './workflow';

const now = new Date('2026-11-02T12:00:00Z');
const due = new Date('2026-11-03T12:00:00Z');
const open: TracebackState = { status: 'open', outcome: null };
const hop = (over: Partial<HopState> = {}): HopState => ({
  id: 'h1',
  line: 'path',
  seq: 1,
  providerId: 'p1',
  status: 'pending',
  dueAt: due,
  ...over,
});

describe('decideAnswer', () => {
  const upstream = (id: string) => ({ kind: 'upstream' as const, upstreamProviderId: id });

  it('an upstream answer requests the named provider', () => {
    const h = hop();
    expect(decideAnswer({ traceback: open, hop: h, hops: [h], answer: upstream('p2'), now })).toEqual({
      ok: true,
      late: false,
      reopens: false,
      then: { kind: 'request_upstream', providerId: 'p2' },
    });
  });

  it('origin closes origin_identified, not_found closes dead_end', () => {
    const h = hop();
    const origin = decideAnswer({ traceback: open, hop: h, hops: [h], answer: { kind: 'origin' }, now });
    expect(origin.ok && origin.then).toEqual({ kind: 'close', outcome: 'origin_identified' });
    const nf = decideAnswer({ traceback: open, hop: h, hops: [h], answer: { kind: 'not_found' }, now });
    expect(nf.ok && nf.then).toEqual({ kind: 'close', outcome: 'dead_end' });
  });

  it('naming a provider already in the path is a loop; naming itself too', () => {
    const first = hop({ id: 'h1', providerId: 'p1', status: 'answered' });
    const second = hop({ id: 'h2', seq: 2, providerId: 'p2' });
    const hops = [first, second];
    const d = decideAnswer({ traceback: open, hop: second, hops, answer: upstream('p1'), now });
    expect(d.ok && d.then).toEqual({ kind: 'loop', providerId: 'p1' });
    const self = decideAnswer({ traceback: open, hop: second, hops, answer: upstream('p2'), now });
    expect(self.ok && self.then.kind).toBe('loop');
  });

  it('a provider whose request was withdrawn is not counted in the path', () => {
    const withdrawn = hop({ id: 'h1', providerId: 'p1', status: 'withdrawn' });
    const current = hop({ id: 'h2', seq: 2, providerId: 'p3' });
    expect(pathProviders([withdrawn, current])).toEqual(new Set(['p3']));
    const d = decideAnswer({
      traceback: open,
      hop: current,
      hops: [withdrawn, current],
      answer: upstream('p1'),
      now,
    });
    expect(d.ok && d.then.kind).toBe('request_upstream');
  });

  it('an answer after the deadline is late but accepted', () => {
    const h = hop();
    const d = decideAnswer({
      traceback: open,
      hop: h,
      hops: [h],
      answer: { kind: 'not_found' },
      now: new Date(due.getTime() + 1),
    });
    expect(d).toMatchObject({ ok: true, late: true, reopens: false });
  });

  it('refuses a second answer, an answer to a withdrawn hop, and a pending hop of a closed traceback', () => {
    for (const [status, tb] of [
      ['answered', open],
      ['withdrawn', open],
      ['pending', { status: 'closed', outcome: 'cancelled' }],
    ] as const) {
      const h = hop({ status });
      expect(decideAnswer({ traceback: tb, hop: h, hops: [h], answer: { kind: 'not_found' }, now }).ok).toBe(
        false,
      );
    }
  });

  it('a late answer from the non-responsive hop that stopped the traceback reopens it', () => {
    const h = hop({ status: 'non_responsive' });
    const d = decideAnswer({
      traceback: { status: 'closed', outcome: 'non_responsive' },
      hop: h,
      hops: [h],
      answer: upstream('p2'),
      now,
    });
    expect(d).toMatchObject({ ok: true, late: true, reopens: true, then: { kind: 'request_upstream' } });
  });

  it('a late answer cannot revive a traceback closed for another reason or already moved on', () => {
    const h = hop({ status: 'non_responsive' });
    const cancelled = decideAnswer({
      traceback: { status: 'closed', outcome: 'cancelled' },
      hop: h,
      hops: [h],
      answer: { kind: 'not_found' },
      now,
    });
    expect(cancelled.ok).toBe(false);
    const retried = hop({ id: 'h2', seq: 2, status: 'pending' });
    const movedOn = decideAnswer({
      traceback: open,
      hop: h,
      hops: [h, retried],
      answer: { kind: 'not_found' },
      now,
    });
    expect(movedOn.ok).toBe(false);
  });

  it('answers on another line of inquiry are recorded without steering the main path', () => {
    const signer = hop({ id: 's1', line: 'signer' });
    const d = decideAnswer({
      traceback: open,
      hop: signer,
      hops: [hop(), signer],
      answer: { kind: 'origin' },
      now,
    });
    expect(d.ok && d.then).toEqual({ kind: 'record_only' });
  });
});

describe('decideAction', () => {
  const pending = hop();
  it('cancel and close end an open traceback and are refused on a closed one', () => {
    expect(decideAction(open, [pending], { action: 'cancel' })).toEqual({
      ok: true,
      kind: 'close',
      outcome: 'cancelled',
    });
    expect(decideAction(open, [pending], { action: 'close', outcome: 'foreign_origin' })).toEqual({
      ok: true,
      kind: 'close',
      outcome: 'foreign_origin',
    });
    const closed: TracebackState = { status: 'closed', outcome: 'dead_end' };
    expect(decideAction(closed, [], { action: 'cancel' }).ok).toBe(false);
    expect(decideAction(closed, [], { action: 'close', outcome: 'dead_end' }).ok).toBe(false);
  });

  it('reopen re-requests the last unanswered provider, or the provider named', () => {
    const closed: TracebackState = { status: 'closed', outcome: 'non_responsive' };
    const stopped = hop({ status: 'non_responsive' });
    expect(decideAction(closed, [stopped], { action: 'reopen' })).toEqual({
      ok: true,
      kind: 'reopen',
      request: { providerId: 'p1', namedByHopId: null },
    });
    expect(decideAction(closed, [stopped], { action: 'reopen', providerId: 'p9' })).toEqual({
      ok: true,
      kind: 'reopen',
      request: { providerId: 'p9', namedByHopId: 'h1' },
    });
  });

  it('reopen is refused while a provider is still being asked; an open traceback waiting for review needs a provider', () => {
    expect(decideAction(open, [pending], { action: 'reopen', providerId: 'p9' }).ok).toBe(false);
    const answered = hop({ status: 'answered' });
    expect(decideAction(open, [answered], { action: 'reopen' }).ok).toBe(false);
    expect(decideAction(open, [answered], { action: 'reopen', providerId: 'p9' }).ok).toBe(true);
  });

  it('reassign moves only a pending hop of an open traceback to another provider', () => {
    expect(
      decideAction(open, [pending], { action: 'reassign', hopId: 'h1', providerId: 'p2' }),
    ).toMatchObject({
      ok: true,
      kind: 'reassign',
      providerId: 'p2',
    });
    expect(decideAction(open, [pending], { action: 'reassign', hopId: 'h1', providerId: 'p1' }).ok).toBe(
      false,
    );
    expect(decideAction(open, [pending], { action: 'reassign', hopId: 'nope', providerId: 'p2' }).ok).toBe(
      false,
    );
    expect(
      decideAction(open, [hop({ status: 'answered' })], { action: 'reassign', hopId: 'h1', providerId: 'p2' })
        .ok,
    ).toBe(false);
    expect(
      decideAction({ status: 'closed', outcome: 'cancelled' }, [pending], {
        action: 'reassign',
        hopId: 'h1',
        providerId: 'p2',
      }).ok,
    ).toBe(false);
  });
});

describe('isOverdue', () => {
  it('is true from the deadline on, and only for pending hops', () => {
    expect(isOverdue(hop(), new Date(due.getTime() - 1))).toBe(false);
    expect(isOverdue(hop(), due)).toBe(true);
    expect(isOverdue(hop({ status: 'answered' }), new Date(due.getTime() + 1))).toBe(false);
  });
});

describe('the signer line (STIR/SHAKEN)', () => {
  const closedNr: TracebackState = { status: 'closed', outcome: 'non_responsive' };
  const signerHop = (over: Partial<HopState> = {}) =>
    hop({ id: 's1', line: 'signer', providerId: 'signer', status: 'non_responsive', ...over });

  it('a late answer from a silent signer is recorded while the traceback is open, and never revives a closed one', () => {
    const s = signerHop();
    const path = hop({ status: 'pending' });
    expect(
      decideAnswer({ traceback: open, hop: s, hops: [path, s], answer: { kind: 'origin' }, now }),
    ).toEqual({ ok: true, late: true, reopens: false, then: { kind: 'record_only' } });
    const stopped = hop({ status: 'non_responsive' });
    expect(
      decideAnswer({ traceback: closedNr, hop: s, hops: [stopped, s], answer: { kind: 'origin' }, now }),
    ).toMatchObject({ ok: false });
  });

  it('request_signer_hop needs an open traceback, a known signer, and no earlier signer hop', () => {
    const signer = { providerId: 'signer' };
    const req = { action: 'request_signer_hop' as const };
    expect(decideAction(open, [hop()], req, signer)).toEqual({
      ok: true,
      kind: 'signer_hop',
      providerId: 'signer',
    });
    expect(decideAction(open, [hop()], req, null)).toMatchObject({ ok: false, reason: /signature/ });
    expect(decideAction(closedNr, [hop()], req, signer)).toMatchObject({ ok: false });
    expect(decideAction(open, [hop(), signerHop({ status: 'withdrawn' })], req, signer)).toMatchObject({
      ok: false,
      reason: /already/,
    });
  });
});

describe('forward requests (a callback number asked of the provider that holds it)', () => {
  const forward: TracebackState = { kind: 'forward', status: 'open', outcome: null };
  const asked = hop({ id: 'f1', providerId: 'holder' });

  it('"our customer" closes origin_identified, "not ours" dead_end, like a trace', () => {
    const origin = decideAnswer({
      traceback: forward,
      hop: asked,
      hops: [asked],
      answer: { kind: 'origin' },
      now,
    });
    expect(origin).toEqual({
      ok: true,
      late: false,
      reopens: false,
      then: { kind: 'close', outcome: 'origin_identified' },
    });
    const notOurs = decideAnswer({
      traceback: forward,
      hop: asked,
      hops: [asked],
      answer: { kind: 'not_found' },
      now: new Date(due.getTime() + 1),
    });
    expect(notOurs).toMatchObject({ ok: true, late: true, then: { kind: 'close', outcome: 'dead_end' } });
  });

  it('refuses an upstream answer as a wrong form (at kind), before anything about its state', () => {
    for (const status of ['pending', 'answered'] as const) {
      const h = hop({ id: 'f1', providerId: 'holder', status });
      expect(
        decideAnswer({
          traceback: forward,
          hop: h,
          hops: [h],
          answer: { kind: 'upstream', upstreamProviderId: 'p9' },
          now,
        }),
      ).toEqual({ ok: false, reason: FORWARD_UPSTREAM_REFUSAL, field: 'kind' });
    }
    // A trace still walks upstream.
    expect(
      decideAnswer({
        traceback: { ...forward, kind: 'trace' },
        hop: asked,
        hops: [asked],
        answer: { kind: 'upstream', upstreamProviderId: 'p9' },
        now,
      }),
    ).toMatchObject({ ok: true, then: { kind: 'request_upstream' } });
  });

  it('a late answer from the silent holder reopens the request it stopped', () => {
    const silent = hop({ id: 'f1', providerId: 'holder', status: 'non_responsive' });
    const d = decideAnswer({
      traceback: { kind: 'forward', status: 'closed', outcome: 'non_responsive' },
      hop: silent,
      hops: [silent],
      answer: { kind: 'origin' },
      now,
    });
    expect(d).toMatchObject({ ok: true, late: true, reopens: true, then: { kind: 'close' } });
  });

  it('is asked again only where it went unanswered; an answered one is not reopened', () => {
    const closed: TracebackState = { kind: 'forward', status: 'closed', outcome: 'non_responsive' };
    const silent = hop({ id: 'f1', providerId: 'holder', status: 'non_responsive' });
    expect(decideAction(closed, [silent], { action: 'reopen' })).toEqual({
      ok: true,
      kind: 'reopen',
      request: { providerId: 'holder', namedByHopId: null },
    });
    expect(decideAction(closed, [silent], { action: 'reopen', providerId: 'other' })).toEqual({
      ok: true,
      kind: 'reopen',
      request: { providerId: 'other', namedByHopId: null },
    });
    const answered = hop({ id: 'f1', providerId: 'holder', status: 'answered' });
    const done: TracebackState = { kind: 'forward', status: 'closed', outcome: 'dead_end' };
    for (const req of [{ action: 'reopen' as const }, { action: 'reopen' as const, providerId: 'other' }]) {
      const d = decideAction(done, [answered], req);
      expect(d.ok).toBe(false);
      expect(!d.ok && d.reason).toMatch(/trace the number forward again/);
    }
    // Reassigning the pending request, cancelling and closing work as on any traceback.
    expect(
      decideAction(forward, [asked], { action: 'reassign', hopId: 'f1', providerId: 'other' }),
    ).toMatchObject({ ok: true, kind: 'reassign' });
    expect(decideAction(forward, [asked], { action: 'cancel' })).toMatchObject({
      ok: true,
      outcome: 'cancelled',
    });
    expect(
      decideAction(forward, [asked], { action: 'request_signer_hop' }, { providerId: 'signer' }),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/no call/) as string });
  });
});
