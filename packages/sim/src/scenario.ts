import type { TOutcome } from '@hoptrace/contracts';
import {
  actOnTraceback,
  answerHop,
  getHop,
  markNonResponsive,
  openTraceback,
  type Actor,
  type CommandContext,
  type CoreSettings,
  type ManualClock,
} from '@hoptrace/core';
import { findHop, findTraceback, hopsOf, type Db } from '@hoptrace/db';
import { ProviderAgent, type AgentLog, type Transport } from './agent/agent';
import { MemoryRecords } from './agent/records';
import { truthFor, type CallSet, type SimCall } from './calls';
import type { LoadedNetwork } from './load';
import type { AnswerMode, SimNetwork } from './network';
import { Random } from './random';
import type { SimShaken } from './shaken';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface ScenarioOptions {
  db: Db;
  clock: ManualClock;
  settings?: CoreSettings;
  network: SimNetwork;
  loaded: LoadedNetwork;
  callSet: CallSet;
  /** The calls to trace (default: all of them). */
  calls?: SimCall[];
  /** The staff member who opens tracebacks and closes foreign ones. */
  analyst: Actor;
  /** When each call's traceback is opened. */
  openAt: (call: SimCall, index: number) => Date;
  /**
   * How an agent reaches hoptrace. Default: straight to the core commands; `hoptrace simulate`
   * passes the in-process HTTP app so the answers cross the whole API.
   */
  transportFor?: (providerKey: string) => Transport;
  /** Seconds from a hop's request to its agent's answer (webhook delivery and lookup). */
  agentLatencySeconds?: number;
  /** Events after this instant are left undone (the demo stops at the present). */
  until?: Date;
  agentLog?: AgentLog;
  seed?: number;
  /** Share of tracebacks staff withdraw a day or two after opening (if still open). */
  cancelShare?: number;
  /** Signs the calls (STIR/SHAKEN): tracebacks open with the Identity header the terminating provider received. */
  shaken?: SimShaken;
}

export interface TracebackResult {
  tracebackId: string;
  callId: string;
  status: 'open' | 'closed';
  outcome: TOutcome | null;
  openedAt: Date;
  closedAt: Date | null;
  hops: number;
}

export interface ScenarioResult {
  tracebacks: TracebackResult[];
  /** Answers per way they arrived, and what agents left for a person. */
  answers: Record<'agent' | 'person' | 'late' | 'agent_asked_person' | 'wrong_upstream', number>;
}

type SimEvent =
  | { at: number; kind: 'open'; call: SimCall; index: number }
  | { at: number; kind: 'agent' | 'person'; hopId: string; tracebackId: string; providerKey: string }
  | { at: number; kind: 'deadline'; hopId: string; tracebackId: string }
  | { at: number; kind: 'foreign'; hopId: string; tracebackId: string }
  | { at: number; kind: 'cancel'; tracebackId: string };

/** A min-heap of events by time; ties keep insertion order. */
class EventQueue {
  readonly #heap: Array<{ e: SimEvent; n: number }> = [];
  #n = 0;
  get size() {
    return this.#heap.length;
  }
  push(e: SimEvent) {
    const h = this.#heap;
    h.push({ e, n: this.#n++ });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): SimEvent | undefined {
    const h = this.#heap;
    if (!h.length) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.e;
  }
  peek(): SimEvent | undefined {
    return this.#heap[0]?.e;
  }
  #less(a: { e: SimEvent; n: number }, b: { e: SimEvent; n: number }) {
    return a.e.at < b.e.at || (a.e.at === b.e.at && a.n < b.n);
  }
}

/** An agent's door straight to the core: what `GET /hops/:id` and `POST /hops/:id/answer` do, without HTTP. */
export function coreTransport(ctx: CommandContext): Transport {
  return async ({ method, path, body }) => {
    const m = /^\/hops\/([0-9a-f-]{36})(\/answer)?$/.exec(path);
    if (!m) return { status: 404, body: { detail: `no such route in the core transport: ${path}` } };
    try {
      if (method === 'POST' && m[2]) {
        await answerHop({ ...ctx, hopId: m[1]!, input: body as never });
        return { status: 200, body: null };
      }
      return { status: 200, body: await getHop({ ...ctx, hopId: m[1]! }) };
    } catch (err) {
      const status = typeof err === 'object' && err && 'status' in err ? Number(err.status) : 500;
      return { status: Number.isFinite(status) ? status : 500, body: { detail: String(err) } };
    }
  };
}

/**
 * Runs tracebacks for simulated calls through the core in simulated time: opening, each
 * provider answering in its own way (agent, person, late, never), the clock marking the silent
 * ones non-responsive, an analyst closing those that leave the country.
 */
export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const { db, clock, network, loaded } = opts;
  const rnd = new Random(opts.seed ?? network.config.seed + 3);
  const calls = opts.calls ?? opts.callSet.calls;
  const until = opts.until?.getTime() ?? Infinity;
  const agentLatency = (opts.agentLatencySeconds ?? 3) * 1000;
  const queue = new EventQueue();
  const scheduled = new Set<string>();
  const callOf = new Map<string, SimCall>();
  const answers: ScenarioResult['answers'] = {
    agent: 0,
    person: 0,
    late: 0,
    agent_asked_person: 0,
    wrong_upstream: 0,
  };
  const agents = new Map<string, ProviderAgent>();
  const ctxFor = (actor: Actor): CommandContext => ({ db, clock, actor, settings: opts.settings });

  function agentOf(providerKey: string): ProviderAgent {
    let agent = agents.get(providerKey);
    if (!agent) {
      const lp = loaded.providers.get(providerKey)!;
      agent = new ProviderAgent({
        transport:
          opts.transportFor?.(providerKey) ?? coreTransport(ctxFor({ ...lp.actor, channel: 'agent' })),
        records: new MemoryRecords(opts.callSet.records.get(providerKey) ?? []),
        peerMap: loaded.peerMaps.get(providerKey)!,
        toleranceSeconds: 10,
        ...(opts.agentLog ? { log: opts.agentLog } : {}),
      });
      agents.set(providerKey, agent);
    }
    return agent;
  }

  calls.forEach((call, index) =>
    queue.push({ at: opts.openAt(call, index).getTime(), kind: 'open', call, index }),
  );

  async function refresh(tracebackId: string): Promise<void> {
    const now = clock.now().getTime();
    for (const hop of await hopsOf(db, tracebackId)) {
      if (hop.status !== 'pending' || scheduled.has(hop.id)) continue;
      scheduled.add(hop.id);
      const providerKey = loaded.keyOf.get(hop.providerId);
      const provider = providerKey ? network.byKey.get(providerKey) : undefined;
      queue.push({ at: hop.dueAt.getTime() + 1000, kind: 'deadline', hopId: hop.id, tracebackId });
      if (!provider || !providerKey) continue;
      const base = { hopId: hop.id, tracebackId, providerKey };
      if (provider.kind === 'foreign') {
        queue.push({
          at: now + rnd.logUniform(1 * HOUR, 8 * HOUR),
          kind: 'foreign',
          hopId: hop.id,
          tracebackId,
        });
        continue;
      }
      const mode: AnswerMode = provider.answerMode;
      if (mode === 'agent') queue.push({ at: now + agentLatency, kind: 'agent', ...base });
      else if (mode === 'manual')
        queue.push({ at: now + rnd.logUniform(5 * MINUTE, 20 * HOUR), kind: 'person', ...base });
      else if (mode === 'late')
        queue.push({
          at: hop.dueAt.getTime() + rnd.logUniform(1 * HOUR, 72 * HOUR),
          kind: 'person',
          ...base,
        });
    }
  }

  async function personAnswers(e: {
    hopId: string;
    tracebackId: string;
    providerKey: string;
  }): Promise<void> {
    const call = callOf.get(e.tracebackId)!;
    const truth = truthFor(network, call, e.providerKey);
    const lp = loaded.providers.get(e.providerKey)!;
    const hop = await findHop(db, e.hopId);
    if (!hop || hop.status === 'answered' || hop.status === 'withdrawn' || truth.kind === 'none') return;
    const late = clock.now() > hop.dueAt;
    const input =
      truth.kind === 'upstream'
        ? { kind: 'upstream' as const, upstreamProviderId: loaded.providers.get(truth.providerKey)!.id }
        : truth.kind === 'origin'
          ? {
              kind: 'origin' as const,
              customer: customerInput(network, e.providerKey, truth.customerKey),
              action: rnd.pick(['terminated', 'warned', 'investigating'] as const),
              ...(call.signature ? { numberHeld: call.signature.numberHeld } : {}),
            }
          : { kind: 'not_found' as const };
    try {
      await answerHop({
        ...ctxFor({ ...lp.actor, channel: late ? 'link' : 'portal' }),
        hopId: e.hopId,
        input,
      });
      if (late) answers.late++;
      else answers.person++;
    } catch {
      // The traceback moved on (closed by staff, hop reassigned): a person would see that and stop.
    }
  }

  for (let e = queue.pop(); e; e = queue.pop()) {
    if (e.at > until) break;
    if (e.at > clock.now().getTime()) clock.set(e.at);
    switch (e.kind) {
      case 'open': {
        const c = e.call;
        const terminating = loaded.providers.get(c.path[c.path.length - 1]!)!;
        const tb = await openTraceback({
          ...ctxFor(opts.analyst),
          input: {
            call: { startedAt: c.startedAt, callingNumber: c.callingNumber, calledNumber: c.calledNumber },
            firstProviderId: terminating.id,
            campaignId: c.campaignKey ? loaded.campaignIds.get(c.campaignKey) : undefined,
            identityHeader: opts.shaken?.identityFor(c),
          },
        });
        callOf.set(tb.id, c);
        if (rnd.chance(opts.cancelShare ?? 0))
          queue.push({ at: e.at + rnd.logUniform(2 * HOUR, 48 * HOUR), kind: 'cancel', tracebackId: tb.id });
        await refresh(tb.id);
        break;
      }
      case 'agent': {
        const call = callOf.get(e.tracebackId)!;
        const handled = await agentOf(e.providerKey).handle({
          id: e.hopId,
          tracebackId: e.tracebackId,
          status: 'pending',
          call: {
            startedAt: call.startedAt.toISOString(),
            callingNumber: call.callingNumber,
            calledNumber: call.calledNumber,
          },
        });
        if (handled.outcome === 'answered') {
          answers.agent++;
          const a = handled.decision.action === 'answer' ? handled.decision.answer : null;
          const truth = truthFor(network, call, e.providerKey);
          if (
            a?.kind === 'upstream' &&
            (truth.kind !== 'upstream' ||
              loaded.providers.get(truth.providerKey)!.id !== a.upstreamProviderId)
          )
            answers.wrong_upstream++;
        } else if (handled.outcome === 'ask_person' || handled.outcome === 'refused') {
          answers.agent_asked_person++;
          queue.push({ ...e, at: e.at + rnd.logUniform(10 * MINUTE, 8 * HOUR), kind: 'person' });
        }
        break;
      }
      case 'person':
        await personAnswers(e);
        break;
      case 'deadline': {
        const hop = await findHop(db, e.hopId);
        if (hop?.status === 'pending') await markNonResponsive({ ...ctxFor(clockActor), hopId: e.hopId });
        break;
      }
      case 'cancel': {
        const tb = await findTraceback(db, e.tracebackId);
        if (tb?.status === 'open')
          await actOnTraceback({
            ...ctxFor(opts.analyst),
            tracebackId: e.tracebackId,
            input: { action: 'cancel', note: 'Withdrawn: duplicate of another traceback (simulated).' },
          });
        break;
      }
      case 'foreign': {
        const tb = await findTraceback(db, e.tracebackId);
        const hop = await findHop(db, e.hopId);
        // Staff close it as foreign: the gateway is known, the provider abroad is not bound to answer.
        if (tb?.status === 'open' && hop?.status === 'pending')
          await actOnTraceback({
            ...ctxFor(opts.analyst),
            tracebackId: e.tracebackId,
            input: {
              action: 'close',
              outcome: 'foreign_origin',
              note: 'Upstream provider is abroad (simulated).',
            },
          });
        break;
      }
    }
    if (e.kind !== 'open') await refresh(e.tracebackId);
  }

  const tracebacks: TracebackResult[] = [];
  for (const [tracebackId, call] of callOf) {
    const tb = (await findTraceback(db, tracebackId))!;
    tracebacks.push({
      tracebackId,
      callId: call.id,
      status: tb.status,
      outcome: tb.outcome,
      openedAt: tb.openedAt,
      closedAt: tb.closedAt,
      hops: (await hopsOf(db, tracebackId)).filter((h) => h.line === 'path' && h.status !== 'withdrawn')
        .length,
    });
  }
  return { tracebacks, answers };
}

const clockActor: Actor = {
  userId: null,
  role: 'system',
  providerId: null,
  label: 'system:clock',
  channel: 'staff',
};

function customerInput(network: SimNetwork, providerKey: string, customerKey: string) {
  const c = network.byKey.get(providerKey)!.customers.find((x) => x.key === customerKey);
  return c
    ? { name: c.name, address: c.address, contact: c.contact, accountRef: c.accountRef }
    : { name: 'Unknown customer (simulated)' };
}

/** Outcome counts and the time from open to outcome (ms) of the closed tracebacks. */
export function summarize(result: ScenarioResult) {
  const outcomes: Record<string, number> = {};
  const durations: number[] = [];
  let hops = 0;
  for (const t of result.tracebacks) {
    const k = t.outcome ?? 'open';
    outcomes[k] = (outcomes[k] ?? 0) + 1;
    hops += t.hops;
    if (t.closedAt) durations.push(t.closedAt.getTime() - t.openedAt.getTime());
  }
  durations.sort((a, b) => a - b);
  const q = (p: number) =>
    durations.length ? durations[Math.min(durations.length - 1, Math.floor(p * durations.length))]! : NaN;
  return {
    tracebacks: result.tracebacks.length,
    outcomes,
    averageHops: result.tracebacks.length ? hops / result.tracebacks.length : 0,
    timeToOutcomeMs: { median: q(0.5), p90: q(0.9), p99: q(0.99) },
    answers: result.answers,
  };
}
