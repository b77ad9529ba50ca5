import type { TOriginAction, TOutcome } from '@hoptrace/contracts';
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
import { truthFor, type CallSet, type CdrRecord, type SimCall } from './calls';
import type { LoadedNetwork } from './load';
import type { AnswerMode, SimNetwork } from './network';
import { Random } from './random';
import type { SimShaken } from './shaken';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** What answers tracebacks in simulated time: the network, its providers and the records they keep. */
export interface TracebackPlayOptions {
  db: Db;
  clock: ManualClock;
  settings?: CoreSettings;
  network: SimNetwork;
  loaded: LoadedNetwork;
  /** Every provider's call records, which its agent looks calls up in. */
  records: Map<string, CdrRecord[]>;
  /** The staff member who opens tracebacks and closes foreign ones. */
  analyst: Actor;
  /**
   * How an agent reaches hoptrace. Default: straight to the core commands; `hoptrace simulate`
   * passes the in-process HTTP app so the answers cross the whole API.
   */
  transportFor?: (providerKey: string) => Transport;
  /** Seconds from a hop's request to its agent's answer (webhook delivery and lookup). */
  agentLatencySeconds?: number;
  agentLog?: AgentLog;
  seed?: number;
  /** Share of tracebacks staff withdraw a day or two after opening (if still open). */
  cancelShare?: number;
  /** Signs the calls (STIR/SHAKEN): tracebacks open with the Identity header the terminating provider received. */
  shaken?: SimShaken;
}

export interface ScenarioOptions extends Omit<TracebackPlayOptions, 'records'> {
  callSet: CallSet;
  /** The calls to trace (default: all of them). */
  calls?: SimCall[];
  /** When each call's traceback is opened. */
  openAt: (call: SimCall, index: number) => Date;
  /** Events after this instant are left undone (the demo stops at the present). */
  until?: Date;
  /** Told after each traceback is opened: how many so far, of how many (the demo's progress lines). */
  onOpened?: (opened: number, total: number) => void;
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
 * Tracebacks played out through the core in simulated time: each provider answering in its own way
 * (agent, person, late, never), the clock marking the silent ones non-responsive, an analyst closing
 * those that leave the country. Tracebacks come in two ways: opened here at a set time (`openAt`),
 * or opened elsewhere (auto-open) and handed over with `follow`. `runUntil` plays the events due by
 * an instant, moving the clock to each; the caller moves it between them.
 */
export class TracebackPlay {
  readonly #opts: TracebackPlayOptions;
  readonly #rnd: Random;
  readonly #agentLatency: number;
  readonly #queue = new EventQueue();
  readonly #scheduled = new Set<string>();
  readonly #callOf = new Map<string, SimCall>();
  readonly #agents = new Map<string, ProviderAgent>();
  readonly #actions = new Map<string, TOriginAction>();
  #opened = 0;
  /** Told after each traceback this play opens, with how many it has opened. */
  onOpened: ((opened: number) => void) | undefined;
  readonly answers: ScenarioResult['answers'] = {
    agent: 0,
    person: 0,
    late: 0,
    agent_asked_person: 0,
    wrong_upstream: 0,
  };

  constructor(opts: TracebackPlayOptions) {
    this.#opts = opts;
    this.#rnd = new Random(opts.seed ?? opts.network.config.seed + 3);
    this.#agentLatency = (opts.agentLatencySeconds ?? 3) * 1000;
  }

  /** When the next event is due (Infinity when none is). */
  get nextAt(): number {
    return this.#queue.peek()?.at ?? Infinity;
  }

  /** Opens a traceback of `call` at `at` (as the analyst). */
  openAt(call: SimCall, at: Date, index = 0): void {
    this.#queue.push({ at: at.getTime(), kind: 'open', call, index });
  }

  /** Plays a traceback opened elsewhere (of `call`, at the clock's now): its providers answer from here on. */
  async follow(tracebackId: string, call: SimCall): Promise<void> {
    this.#track(tracebackId, call, this.#opts.clock.now().getTime());
    await this.#refresh(tracebackId);
  }

  /** The call a followed or opened traceback traces. */
  callOf(tracebackId: string): SimCall | undefined {
    return this.#callOf.get(tracebackId);
  }

  #track(tracebackId: string, call: SimCall, openedAt: number): void {
    this.#callOf.set(tracebackId, call);
    if (this.#rnd.chance(this.#opts.cancelShare ?? 0))
      this.#queue.push({
        at: openedAt + this.#rnd.logUniform(2 * HOUR, 48 * HOUR),
        kind: 'cancel',
        tracebackId,
      });
  }

  #ctxFor(actor: Actor): CommandContext {
    return { db: this.#opts.db, clock: this.#opts.clock, actor, settings: this.#opts.settings };
  }

  #agentOf(providerKey: string): ProviderAgent {
    let agent = this.#agents.get(providerKey);
    if (!agent) {
      const { loaded, transportFor, records, agentLog } = this.#opts;
      const lp = loaded.providers.get(providerKey)!;
      agent = new ProviderAgent({
        transport:
          transportFor?.(providerKey) ?? coreTransport(this.#ctxFor({ ...lp.actor, channel: 'agent' })),
        records: new MemoryRecords(records.get(providerKey) ?? []),
        peerMap: loaded.peerMaps.get(providerKey)!,
        toleranceSeconds: 10,
        // A simulated switch carries a few calls a day, all of them recorded: its records cover the run.
        coverageSeconds: 30 * 86_400,
        ...(agentLog ? { log: agentLog } : {}),
      });
      this.#agents.set(providerKey, agent);
    }
    return agent;
  }

  async #refresh(tracebackId: string): Promise<void> {
    const { db, clock, loaded, network } = this.#opts;
    const rnd = this.#rnd;
    const queue = this.#queue;
    const now = clock.now().getTime();
    for (const hop of await hopsOf(db, tracebackId)) {
      if (hop.status !== 'pending' || this.#scheduled.has(hop.id)) continue;
      this.#scheduled.add(hop.id);
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
      if (mode === 'agent') queue.push({ at: now + this.#agentLatency, kind: 'agent', ...base });
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

  /**
   * What the origin says it did, drawn from the network's weights once per traceback and provider: the
   * same person answering the path and the signer line of one call reports the same action.
   */
  #originAction(tracebackId: string, providerKey: string): TOriginAction {
    const drawn = this.#rnd.weighted(this.#opts.network.config.originActions);
    const key = `${tracebackId}:${providerKey}`;
    const action = this.#actions.get(key) ?? drawn;
    this.#actions.set(key, action);
    return action;
  }

  async #personAnswers(e: { hopId: string; tracebackId: string; providerKey: string }): Promise<void> {
    const { db, clock, network, loaded } = this.#opts;
    const call = this.#callOf.get(e.tracebackId)!;
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
              action: this.#originAction(e.tracebackId, e.providerKey),
              ...(call.signature ? { numberHeld: call.signature.numberHeld } : {}),
            }
          : { kind: 'not_found' as const };
    try {
      await answerHop({
        ...this.#ctxFor({ ...lp.actor, channel: late ? 'link' : 'portal' }),
        hopId: e.hopId,
        input,
      });
      if (late) this.answers.late++;
      else this.answers.person++;
    } catch {
      // The traceback moved on (closed by staff, hop reassigned): a person would see that and stop.
    }
  }

  /** Plays every event due by `until` (ms), in time order. */
  async runUntil(until: number): Promise<void> {
    const { db, clock, network, loaded, analyst } = this.#opts;
    const rnd = this.#rnd;
    const queue = this.#queue;
    const answers = this.answers;
    let played = 0;
    for (let e = queue.peek(); e && e.at <= until; e = queue.peek()) {
      // PGlite answers in-process without I/O: give the event loop a turn now and then, so a server
      // loading the demo behind its listening socket still answers (its health check, say).
      if (++played % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
      queue.pop();
      if (e.at > clock.now().getTime()) clock.set(e.at);
      switch (e.kind) {
        case 'open': {
          const c = e.call;
          const terminating = loaded.providers.get(c.path[c.path.length - 1]!)!;
          const tb = await openTraceback({
            ...this.#ctxFor(analyst),
            input: {
              call: { startedAt: c.startedAt, callingNumber: c.callingNumber, calledNumber: c.calledNumber },
              firstProviderId: terminating.id,
              campaignId: c.campaignKey ? loaded.campaignIds.get(c.campaignKey) : undefined,
              identityHeader: this.#opts.shaken?.identityFor(c),
            },
          });
          this.#track(tb.id, c, e.at);
          await this.#refresh(tb.id);
          this.onOpened?.(++this.#opened);
          break;
        }
        case 'agent': {
          const call = this.#callOf.get(e.tracebackId)!;
          const handled = await this.#agentOf(e.providerKey).handle({
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
          await this.#personAnswers(e);
          break;
        case 'deadline': {
          const hop = await findHop(db, e.hopId);
          if (hop?.status === 'pending')
            await markNonResponsive({ ...this.#ctxFor(clockActor), hopId: e.hopId });
          break;
        }
        case 'cancel': {
          const tb = await findTraceback(db, e.tracebackId);
          if (tb?.status === 'open')
            await actOnTraceback({
              ...this.#ctxFor(analyst),
              tracebackId: e.tracebackId,
              input: { action: 'cancel', note: 'Withdrawn: duplicate of another traceback (simulated).' },
            });
          break;
        }
        case 'foreign': {
          const tb = await findTraceback(db, e.tracebackId);
          const hop = await findHop(db, e.hopId);
          // A US provider naming one abroad ends the path by itself (decision 0035), so this is only reached by a
          // provider abroad asked directly: staff close it as foreign, the provider abroad is not bound to answer.
          if (tb?.status === 'open' && hop?.status === 'pending')
            await actOnTraceback({
              ...this.#ctxFor(analyst),
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
      if (e.kind !== 'open') await this.#refresh(e.tracebackId);
    }
  }

  /** Every traceback played, as it stands now. */
  async result(): Promise<ScenarioResult> {
    const { db } = this.#opts;
    const tracebacks: TracebackResult[] = [];
    for (const [tracebackId, call] of this.#callOf) {
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
    return { tracebacks, answers: { ...this.answers } };
  }
}

/**
 * Runs tracebacks for simulated calls through the core in simulated time: each opened at `openAt`,
 * then played out (see `TracebackPlay`) until nothing is left to happen or `until`.
 */
export async function runScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const { callSet, calls, openAt, until, onOpened, ...rest } = opts;
  const play = new TracebackPlay({ ...rest, records: callSet.records });
  const traced = calls ?? callSet.calls;
  traced.forEach((call, index) => play.openAt(call, openAt(call, index), index));
  if (onOpened) play.onOpened = (n) => onOpened(n, traced.length);
  await play.runUntil(until?.getTime() ?? Infinity);
  return play.result();
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
