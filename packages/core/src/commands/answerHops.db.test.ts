import { randomUUID } from 'node:crypto';
import { hopsOf, listEvents, schema, type HopRow } from '@hoptrace/db';
import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hopDeadline } from '../deadlines';
import { ConflictError, DomainError, InvalidInputError, NotFoundError } from '../errors';
import { setupCore } from '../testing/fixtures';
import { answerHop, answerHops, type AnswerItem, type AnswerOutcome } from './answerHop';
import { sweepOverdueHops } from './markNonResponsive';
import { openTraceback } from './openTraceback';
import { requestHop } from './requestHop';
import { createWebhook } from './webhooks';

let env: Awaited<ReturnType<typeof setupCore>>;
beforeAll(async () => {
  env = await setupCore();
});
afterAll(async () => {
  await env.close();
});

type Party = Awaited<ReturnType<typeof env.provider>>;

const call = {
  startedAt: new Date('2026-11-01T14:03:00Z'),
  callingNumber: '+12025550143',
  calledNumber: '+13125550188',
};

const batch = (items: AnswerItem[]) => answerHops({ db: env.db, clock: env.clock, items });

/** Providers one after another (the fixture numbers them as it goes). */
async function providers(roles: string[], name: (role: string) => string): Promise<Party[]> {
  const out: Party[] = [];
  for (const r of roles) out.push(await env.provider(name(r)));
  return out;
}

async function open(first: Party) {
  return openTraceback({ ...env.ctx(env.analyst), input: { call, firstProviderId: first.provider.id } });
}

async function hopsOfTb(tracebackId: string): Promise<HopRow[]> {
  return hopsOf(env.db, tracebackId);
}

async function pendingHop(tracebackId: string, line = 'path'): Promise<HopRow> {
  const hop = (await hopsOfTb(tracebackId)).find((h) => h.line === line && h.status === 'pending');
  if (!hop) throw new Error(`no pending ${line} hop on ${tracebackId}`);
  return hop;
}

async function webhook(p: Party, events: string[]) {
  const { row } = await createWebhook({
    ...env.ctx(env.admin),
    providerId: p.provider.id,
    input: { url: `https://hooks.example/${p.provider.name.replace(/\W+/g, '-')}`, events },
    refuseUrl: () => Promise.resolve(null),
  });
  return row;
}

/** Everything an answer may have written about one traceback, as stored. */
async function stored(tracebackId: string) {
  const db = env.db;
  const [traceback] = await db.select().from(schema.tracebacks).where(eq(schema.tracebacks.id, tracebackId));
  const hops = await hopsOfTb(tracebackId);
  const hopIds = hops.map((h) => h.id);
  const events = await listEvents(db, tracebackId);
  const outbox = await db
    .select()
    .from(schema.outbox)
    .where(eq(schema.outbox.tracebackId, tracebackId))
    .orderBy(asc(schema.outbox.createdAt));
  const links = await db
    .select()
    .from(schema.hopLinks)
    .where(inArray(schema.hopLinks.hopId, hopIds))
    .orderBy(asc(schema.hopLinks.createdAt));
  const notices = await db
    .select()
    .from(schema.scheduledNotices)
    .where(inArray(schema.scheduledNotices.hopId, hopIds))
    .orderBy(asc(schema.scheduledNotices.dueAt));
  const origins = await db.select().from(schema.origins).where(eq(schema.origins.tracebackId, tracebackId));
  return { traceback: traceback!, hops, events, outbox, links, notices, origins };
}
type Stored = Awaited<ReturnType<typeof stored>>;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * The stored state with every id and per-world email replaced by a role label, so that two
 * worlds built the same way (one answered one by one, one in a batch) can be compared whole.
 * Random values (message ids, token hashes, link tokens) are left out.
 */
function normalised(state: Stored, labels: Map<string, string>) {
  const local = new Map(labels);
  const hopLabel = (h: HopRow) => `hop:${h.line}${h.seq}`;
  for (const h of state.hops) local.set(h.id, hopLabel(h));
  const shape = {
    traceback: { ...state.traceback, id: 'tb' },
    hops: state.hops,
    events: state.events.map(({ id: _id, ...e }) => e),
    outbox: state.outbox.map(({ id: _id, messageId: _m, secrets, ...o }) => ({
      ...o,
      linkToken: Boolean(secrets?.linkToken),
    })),
    links: state.links.map(({ id: _id, tokenHash: _t, ...l }) => l),
    notices: state.notices.map(({ id: _id, ...n }) => n),
    // created_at is the database's now(), not the command clock's.
    origins: state.origins.map(({ createdAt: _c, ...o }) => o),
  };
  local.set(state.traceback.id, 'tb');
  let unknown = 0;
  let text = JSON.stringify(shape);
  for (const [from, to] of labels) if (!UUID.test(from)) text = text.split(from).join(to);
  text = text.replace(UUID, (id) => {
    let label = local.get(id);
    if (!label) local.set(id, (label = `id${++unknown}`));
    return label;
  });
  // Rows written at the same instant have no order of their own: sort them once labelled.
  const out = JSON.parse(text) as Record<string, unknown[]>;
  const byText = (x: unknown, y: unknown) => JSON.stringify(x).localeCompare(JSON.stringify(y));
  for (const k of ['outbox', 'links', 'notices', 'origins']) out[k]!.sort(byText);
  return out;
}

/**
 * One world: providers with fixed names, webhooks on some of them, and one traceback per
 * answer kind, with the items that answer each. Built twice to compare one by one with batched.
 */
async function world(tag: string) {
  const labels = new Map<string, string>();
  const party = async (role: string) => {
    const p = await env.provider(`Role ${role}`);
    labels.set(p.provider.id, `provider:${role}`);
    labels.set(p.actor.userId!, `user:${role}`);
    for (const c of p.provider.contacts) labels.set(c.email, `email:${role}`);
    labels.set(p.actor.label, `actor:${role}`);
    return p;
  };
  const a = await party('a');
  const b = await party('b');
  const c = await party('c');
  const d = await party('d');
  const e = await party('e');
  const f = await party('f');
  const g = await party('g');
  labels.set((await webhook(a, ['hop.closed'])).id, 'endpoint:a');
  labels.set((await webhook(b, ['hop.assigned', 'hop.closed'])).id, 'endpoint:b');
  labels.set((await webhook(e, ['hop.closed', 'traceback.closed'])).id, 'endpoint:e');
  labels.set(env.analyst.userId!, 'user:analyst');
  const tbs = {
    upstreamToHooked: await open(a),
    upstreamToPlain: await open(c),
    origin: await open(e),
    notFound: await open(f),
    newProvider: await open(g),
  };
  const hop = async (k: keyof typeof tbs) => (await pendingHop(tbs[k].id)).id;
  const items: AnswerItem[] = [
    {
      actor: a.actor,
      hopId: await hop('upstreamToHooked'),
      input: { kind: 'upstream', upstreamProviderId: b.provider.id, comment: `from ${tag}` },
    },
    {
      actor: c.actor,
      hopId: await hop('upstreamToPlain'),
      input: { kind: 'upstream', upstreamProviderId: d.provider.id },
    },
    {
      actor: e.actor,
      hopId: await hop('origin'),
      input: {
        kind: 'origin',
        customer: { name: 'Fictional Dialer LLC', address: '1 Main St', accountRef: 'A-1' },
        action: 'terminated',
      },
    },
    { actor: f.actor, hopId: await hop('notFound'), input: { kind: 'not_found', comment: 'no record' } },
    {
      actor: g.actor,
      hopId: await hop('newProvider'),
      input: {
        kind: 'upstream',
        upstreamProvider: { name: 'Unlisted Voice Co', contactEmail: 'ops@unlisted.example' },
      },
    },
  ];
  return { labels, tbs, items, parties: { a, b, c, d, e, f, g } };
}

function expectOk(outcome: AnswerOutcome | undefined) {
  if (!outcome?.ok) throw new Error(`expected ok, got ${String((outcome as { error?: unknown })?.error)}`);
  return outcome.result;
}

function errorOf(outcome: AnswerOutcome | undefined): unknown {
  expect(outcome?.ok, 'expected the item to be refused').toBe(false);
  return (outcome as { ok: false; error: unknown }).error;
}

/** What answerHop alone says to an item: its error (or null if it would succeed). */
async function aloneError(item: AnswerItem): Promise<unknown> {
  try {
    await answerHop({
      db: env.db,
      clock: env.clock,
      actor: item.actor,
      hopId: item.hopId,
      input: item.input,
    });
    return null;
  } catch (err) {
    return err;
  }
}

describe('answerHops: a batch of good answers', () => {
  it('leaves every traceback exactly as answering them one by one would', async () => {
    const one = await world('one');
    const many = await world('many');
    // The same items with the comment of the first world's, so the two compare whole.
    many.items[0]!.input = { ...many.items[0]!.input, comment: 'from one' };

    const singles = [];
    for (const item of one.items)
      singles.push(
        await answerHop({
          db: env.db,
          clock: env.clock,
          actor: item.actor,
          hopId: item.hopId,
          input: item.input,
        }),
      );
    const outcomes = await batch(many.items);
    expect(outcomes).toHaveLength(many.items.length);
    const results = outcomes.map(expectOk);

    for (const k of Object.keys(one.tbs) as Array<keyof typeof one.tbs>) {
      const a = normalised(await stored(one.tbs[k].id), one.labels);
      const b = normalised(await stored(many.tbs[k].id), many.labels);
      expect(b, `traceback ${k}`).toEqual(a);
    }

    // The results themselves match the one-by-one ones (and what was stored).
    for (const [i, r] of results.entries()) {
      const s = singles[i]!;
      expect(r.hop.status).toBe('answered');
      expect(r.traceback.status).toBe(s.traceback.status);
      expect(r.traceback.outcome).toBe(s.traceback.outcome);
      expect(r.nextHop === null).toBe(s.nextHop === null);
      const tb = await stored(r.traceback.id);
      expect(tb.traceback).toEqual(r.traceback);
      expect(tb.hops.find((h) => h.id === r.hop.id)).toEqual(r.hop);
      if (r.nextHop) expect(tb.hops.find((h) => h.id === r.nextHop!.id)).toEqual(r.nextHop);
    }

    // And the batch's state is right in itself, not only equal to the one-by-one state.
    const now = env.clock.now();
    const { b, d } = many.parties;
    const hooked = await stored(many.tbs.upstreamToHooked.id);
    expect(hooked.traceback).toMatchObject({ status: 'open', outcome: null, updatedAt: now });
    expect(hooked.hops.map((h) => [h.seq, h.status, h.providerId])).toEqual([
      [1, 'answered', many.parties.a.provider.id],
      [2, 'pending', b.provider.id],
    ]);
    const next = hooked.hops[1]!;
    const deadline = hopDeadline(now, b.provider);
    expect(next).toMatchObject({
      namedByHopId: hooked.hops[0]!.id,
      requestedAt: now,
      receivedAt: deadline.receivedAt,
      dueAt: deadline.dueAt,
      line: 'path',
    });
    expect(hooked.hops[0]).toMatchObject({
      answerKind: 'upstream',
      upstreamProviderId: b.provider.id,
      comment: 'from one',
      answeredVia: 'api',
      answeredBy: many.parties.a.actor.userId,
      answeredAt: now,
      closedAt: now,
      late: false,
    });
    expect(hooked.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.answered',
      'hop.requested',
    ]);
    const toNext = hooked.outbox.filter((o) => o.hopId === next.id);
    expect(toNext.map((o) => [o.channel, o.topic, o.recipient]).sort()).toEqual([
      ['email', 'hop.assigned', b.provider.contacts[0]!.email],
      ['webhook', 'hop.assigned', `https://hooks.example/Role-b`],
    ]);
    expect(toNext.find((o) => o.channel === 'email')!.secrets?.linkToken).toMatch(/^hl/);
    // The answered hop's provider has a webhook for hop.closed.
    expect(hooked.outbox.filter((o) => o.topic === 'hop.closed').map((o) => o.recipient)).toEqual([
      'https://hooks.example/Role-a',
    ]);
    expect(hooked.links.filter((l) => l.hopId === next.id)).toHaveLength(1);
    expect(
      hooked.links.filter((l) => l.hopId === hooked.hops[0]!.id).every((l) => l.expiresAt !== null),
    ).toBe(true);
    expect(hooked.notices.filter((n) => n.hopId === next.id).length).toBeGreaterThan(0);
    expect(hooked.notices.filter((n) => n.hopId === next.id).every((n) => n.dueAt <= next.dueAt)).toBe(true);

    const plain = await stored(many.tbs.upstreamToPlain.id);
    expect(plain.hops.map((h) => [h.seq, h.status, h.providerId])).toEqual([
      [1, 'answered', many.parties.c.provider.id],
      [2, 'pending', d.provider.id],
    ]);
    expect(plain.outbox.filter((o) => o.hopId === plain.hops[1]!.id).map((o) => o.channel)).toEqual([
      'email',
    ]);

    const origin = await stored(many.tbs.origin.id);
    expect(origin.traceback).toMatchObject({ status: 'closed', outcome: 'origin_identified', closedAt: now });
    expect(origin.hops.map((h) => [h.seq, h.status, h.answerKind])).toEqual([[1, 'answered', 'origin']]);
    expect(origin.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.answered',
      'traceback.closed',
    ]);
    expect(origin.origins).toEqual([
      expect.objectContaining({
        hopId: origin.hops[0]!.id,
        customerName: 'Fictional Dialer LLC',
        customerAddress: '1 Main St',
        customerContact: null,
        accountRef: 'A-1',
        action: 'terminated',
      }),
    ]);
    // The timeline never carries the customer.
    expect(JSON.stringify(origin.events)).not.toContain('Fictional Dialer');
    expect(
      origin.outbox
        .filter((o) => o.channel === 'webhook')
        .map((o) => o.topic)
        .sort(),
    ).toEqual(['hop.closed', 'traceback.closed']);

    const notFound = await stored(many.tbs.notFound.id);
    expect(notFound.traceback).toMatchObject({ status: 'closed', outcome: 'dead_end' });
    expect(notFound.hops.map((h) => [h.status, h.answerKind, h.comment])).toEqual([
      ['answered', 'not_found', 'no record'],
    ]);
    expect(notFound.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.answered',
      'traceback.closed',
    ]);

    const created = await stored(many.tbs.newProvider.id);
    expect(created.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'provider.created',
      'hop.answered',
      'hop.requested',
    ]);
    const [unlisted] = await env.db
      .select()
      .from(schema.providers)
      .where(eq(schema.providers.id, created.hops[1]!.providerId));
    expect(unlisted).toMatchObject({ name: 'Unlisted Voice Co', verified: false });
    expect(created.outbox.filter((o) => o.hopId === created.hops[1]!.id).map((o) => o.recipient)).toEqual([
      'ops@unlisted.example',
    ]);
  });
});

describe('answerHops: refused items beside good ones', () => {
  it('refuses each bad item as answerHop would, leaves no trace of it, and applies the good ones', async () => {
    const [h, i, j, k, l, m, n] = await providers(['h', 'i', 'j', 'k', 'l', 'm', 'n'], (r) => `Mixed ${r}`);
    const goodUp = await open(h!);
    const goodNf = await open(j!);
    const foreign = await open(l!);
    const answered = await open(m!);
    const unknownUp = await open(n!);
    const answeredHop = await pendingHop(answered.id);
    await answerHop({ ...env.ctx(m!.actor), hopId: answeredHop.id, input: { kind: 'not_found' } });

    const items: AnswerItem[] = [
      { actor: h!.actor, hopId: randomUUID(), input: { kind: 'not_found' } },
      {
        actor: h!.actor,
        hopId: (await pendingHop(goodUp.id)).id,
        input: { kind: 'upstream', upstreamProviderId: i!.provider.id },
      },
      // k answers a hop that is l's.
      { actor: k!.actor, hopId: (await pendingHop(foreign.id)).id, input: { kind: 'not_found' } },
      { actor: m!.actor, hopId: answeredHop.id, input: { kind: 'not_found' } },
      { actor: j!.actor, hopId: (await pendingHop(goodNf.id)).id, input: { kind: 'not_found' } },
      {
        actor: n!.actor,
        hopId: (await pendingHop(unknownUp.id)).id,
        input: { kind: 'upstream', upstreamProviderId: randomUUID() },
      },
    ];
    const bad = [foreign, answered, unknownUp];
    const before = await Promise.all(bad.map((t) => stored(t.id)));

    const outcomes = await batch(items);
    expect(outcomes.map((o) => o.ok)).toEqual([false, true, false, false, true, false]);
    const expected = [NotFoundError, null, NotFoundError, ConflictError, null, InvalidInputError];
    for (const [x, cls] of expected.entries()) if (cls) expect(errorOf(outcomes[x])).toBeInstanceOf(cls);
    expect((errorOf(outcomes[5]) as InvalidInputError).errors).toEqual([
      { path: 'upstreamProviderId', message: 'is not a provider in the directory' },
    ]);

    // Nothing of the refused ones was written.
    const after = await Promise.all(bad.map((t) => stored(t.id)));
    expect(after).toEqual(before);
    expect(after[0]!.hops.map((x) => x.status)).toEqual(['pending']);
    expect(after[2]!.hops.map((x) => x.status)).toEqual(['pending']);
    const [withHop] = await env.db
      .select()
      .from(schema.outbox)
      .where(eq(schema.outbox.hopId, items[0]!.hopId));
    expect(withHop).toBeUndefined();

    // The good ones were applied in full.
    const up = await stored(goodUp.id);
    expect(up.hops.map((x) => [x.seq, x.status, x.providerId])).toEqual([
      [1, 'answered', h!.provider.id],
      [2, 'pending', i!.provider.id],
    ]);
    expect(up.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.answered',
      'hop.requested',
    ]);
    expect(up.outbox.filter((o) => o.hopId === up.hops[1]!.id && o.channel === 'email')).toHaveLength(1);
    const nf = await stored(goodNf.id);
    expect(nf.traceback).toMatchObject({ status: 'closed', outcome: 'dead_end' });

    // answerHop alone refuses them the same way (same class, same message), and still writes nothing.
    for (const x of [0, 2, 3, 5]) {
      const alone = await aloneError(items[x]!);
      const inBatch = errorOf(outcomes[x]) as DomainError;
      expect(alone, `item ${x}`).toBeInstanceOf(inBatch.constructor);
      expect((alone as DomainError).message).toBe(inBatch.message);
    }
    expect(await Promise.all(bad.map((t) => stored(t.id)))).toEqual(before);
  });

  it('applies the first of two answers to the same hop and refuses the second as a conflict', async () => {
    const [p, q] = await providers(['p', 'q'], (r) => `Twice ${r}`);
    const tb = await open(p!);
    const hop = await pendingHop(tb.id);
    const outcomes = await batch([
      { actor: p!.actor, hopId: hop.id, input: { kind: 'upstream', upstreamProviderId: q!.provider.id } },
      { actor: p!.actor, hopId: hop.id, input: { kind: 'not_found' } },
    ]);
    const first = expectOk(outcomes[0]);
    expect(first.nextHop?.providerId).toBe(q!.provider.id);
    const err = errorOf(outcomes[1]);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toBe('this hop has already been answered');
    const s = await stored(tb.id);
    expect(s.traceback).toMatchObject({ status: 'open', outcome: null });
    expect(s.hops.map((x) => [x.seq, x.status, x.answerKind])).toEqual([
      [1, 'answered', 'upstream'],
      [2, 'pending', null],
    ]);
    expect(s.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.answered',
      'hop.requested',
    ]);
  });
});

describe('answerHops: two answers on one traceback with two pending hops', () => {
  /** A traceback waiting on its path hop and on a signer-line hop beside it. */
  async function twoPending() {
    const [path, signer] = await providers(['path', 'signer'], (r) => `Two ${r}`);
    const tb = await open(path!);
    await env.db.transaction(async (tx) => {
      const [row] = await tx.select().from(schema.tracebacks).where(eq(schema.tracebacks.id, tb.id));
      const events: Parameters<typeof requestHop>[1]['events'] = [];
      await requestHop(tx, {
        traceback: row!,
        providerId: signer!.provider.id,
        line: 'signer',
        namedByHopId: null,
        now: env.clock.now(),
        actor: env.analyst,
        events,
      });
      await tx.insert(schema.events).values(events);
    });
    const pathHop = await pendingHop(tb.id, 'path');
    const signerHop = await pendingHop(tb.id, 'signer');
    return { tb, path: path!, signer: signer!, pathHop, signerHop };
  }

  it('the later answer sees the earlier one: signer answered first is kept when the path closes', async () => {
    const w = await twoPending();
    const outcomes = await batch([
      { actor: w.signer.actor, hopId: w.signerHop.id, input: { kind: 'not_found' } },
      {
        actor: w.path.actor,
        hopId: w.pathHop.id,
        input: { kind: 'origin', customer: { name: 'Dialer Two' }, action: 'warned' },
      },
    ]);
    const [one, two] = outcomes.map(expectOk);
    expect(one!.traceback.status).toBe('open');
    expect(two!.traceback).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    const s = await stored(w.tb.id);
    expect(s.traceback).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    expect(s.hops.map((h) => [h.line, h.status, h.answerKind])).toEqual([
      ['path', 'answered', 'origin'],
      ['signer', 'answered', 'not_found'],
    ]);
    expect(s.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.requested',
      'hop.answered',
      'hop.answered',
      'traceback.closed',
    ]);
    expect(s.events.filter((e) => e.type === 'hop.withdrawn')).toEqual([]);
  });

  it('the later answer sees the earlier one: a path close withdraws the signer hop, whose answer is refused', async () => {
    const w = await twoPending();
    const outcomes = await batch([
      { actor: w.path.actor, hopId: w.pathHop.id, input: { kind: 'not_found' } },
      { actor: w.signer.actor, hopId: w.signerHop.id, input: { kind: 'not_found' } },
    ]);
    const closed = expectOk(outcomes[0]);
    expect(closed.traceback).toMatchObject({ status: 'closed', outcome: 'dead_end' });
    expect(errorOf(outcomes[1])).toBeInstanceOf(ConflictError);
    const s = await stored(w.tb.id);
    expect(s.hops.map((h) => [h.line, h.status, h.answerKind])).toEqual([
      ['path', 'answered', 'not_found'],
      ['signer', 'withdrawn', null],
    ]);
    expect(s.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.requested',
      'hop.answered',
      'hop.withdrawn',
      'traceback.closed',
    ]);
    // The withdrawn hop's link starts its last week, as for any closed hop.
    expect(s.links.filter((l) => l.hopId === w.signerHop.id).every((l) => l.expiresAt !== null)).toBe(true);
  });
});

describe('answerHops: the shared write fails', () => {
  it('retries each answer alone: only the faulty one fails, every other one is applied', async () => {
    const [r, s, t, u, v] = await providers(['r', 's', 't', 'u', 'v'], (x) => `Fallback ${x}`);
    const up = await open(r!);
    const faulty = await open(t!);
    const origin = await open(u!);
    const taken = await open(v!);
    const takenHop = await pendingHop(taken.id);
    await answerHop({ ...env.ctx(v!.actor), hopId: takenHop.id, input: { kind: 'not_found' } });
    const faultyBefore = await stored(faulty.id);
    const items: AnswerItem[] = [
      {
        actor: r!.actor,
        hopId: (await pendingHop(up.id)).id,
        input: { kind: 'upstream', upstreamProviderId: s!.provider.id, comment: 'x'.repeat(4000) },
      },
      // The API accepts this comment, but PostgreSQL text cannot hold a NUL character:
      // the batch's one write statement fails because of this answer alone.
      {
        actor: t!.actor,
        hopId: (await pendingHop(faulty.id)).id,
        input: { kind: 'not_found', comment: 'a\u0000b' },
      },
      {
        actor: u!.actor,
        hopId: (await pendingHop(origin.id)).id,
        input: { kind: 'origin', customer: { name: 'Fallback Dialer' }, action: 'blocked' },
      },
      // Refused in the batch and again when retried alone.
      { actor: v!.actor, hopId: takenHop.id, input: { kind: 'not_found' } },
    ];
    const outcomes = await batch(items);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false]);
    const fault = errorOf(outcomes[1]);
    expect(fault).toBeInstanceOf(Error);
    expect(fault).not.toBeInstanceOf(DomainError);
    expect(errorOf(outcomes[3])).toBeInstanceOf(ConflictError);

    const a = await stored(up.id);
    expect(a.hops.map((h) => [h.seq, h.status, h.providerId])).toEqual([
      [1, 'answered', r!.provider.id],
      [2, 'pending', s!.provider.id],
    ]);
    expect(a.hops[0]!.comment).toHaveLength(4000);
    expect(a.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.answered',
      'hop.requested',
    ]);
    const c = await stored(origin.id);
    expect(c.traceback).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    expect(c.origins.map((o) => o.customerName)).toEqual(['Fallback Dialer']);
    // Exactly one answer each: the failed batch left nothing behind to double.
    expect(c.events.filter((e) => e.type === 'hop.answered')).toHaveLength(1);
    expect(a.events.filter((e) => e.type === 'hop.answered')).toHaveLength(1);
    expect(await stored(faulty.id)).toEqual(faultyBefore);
  });
});

describe('answerHops: empty and single', () => {
  it('returns nothing for no items, and answerHop throws the error of its one item', async () => {
    expect(await batch([])).toEqual([]);
    const p = await env.provider('Single');
    await expect(
      answerHop({ ...env.ctx(p.actor), hopId: randomUUID(), input: { kind: 'not_found' } }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers NotFound for a hop id or upstream id that is not a UUID, beside a good answer', async () => {
    const [a, b] = await providers(['a', 'b'], (r) => `Not A Uuid ${r}`);
    const tb = await open(a!);
    const good = (await hopsOf(env.db, tb.id))[0]!;
    const outcomes = await batch([
      { actor: a!.actor, hopId: "x'; drop table hops; --", input: { kind: 'not_found' } },
      { actor: a!.actor, hopId: good.id, input: { kind: 'upstream', upstreamProviderId: 'not-a-uuid' } },
      { actor: a!.actor, hopId: good.id, input: { kind: 'upstream', upstreamProviderId: b!.provider.id } },
    ]);
    expect(outcomes[0]).toMatchObject({ ok: false, error: expect.any(NotFoundError) as unknown });
    expect(outcomes[1]).toMatchObject({ ok: false, error: expect.any(InvalidInputError) as unknown });
    expect(outcomes[2]).toMatchObject({ ok: true });
    expect((await hopsOf(env.db, tb.id)).map((h) => [h.seq, h.status])).toEqual([
      [1, 'answered'],
      [2, 'pending'],
    ]);
  });
});

describe('answerHops: a late answer that reopens, beside another answer', () => {
  it('reopens and continues exactly as answerHop would', async () => {
    // Run last: the sweep marks every overdue hop of the database.
    const worldOf = async (tag: string) => {
      const labels = new Map<string, string>();
      const [silent, up, other] = await providers(['silent', 'up', 'other'], (r) => `Late ${r}`);
      for (const [role, p] of [
        ['silent', silent!],
        ['up', up!],
        ['other', other!],
      ] as const) {
        labels.set(p.provider.id, `provider:${role}`);
        labels.set(p.actor.userId!, `user:${role}`);
        labels.set(p.actor.label, `actor:${role}`);
        for (const c of p.provider.contacts) labels.set(c.email, `email:${role}`);
      }
      labels.set(env.analyst.userId!, 'user:analyst');
      labels.set(env.system.label, 'actor:system');
      const tb = await open(silent!);
      return { tag, labels, tb, silent: silent!, up: up!, other: other! };
    };
    const one = await worldOf('one');
    const many = await worldOf('many');
    env.clock.advance(25 * 3_600_000);
    expect(await sweepOverdueHops(env.ctx(env.system))).toBeGreaterThanOrEqual(2);
    for (const w of [one, many])
      expect((await stored(w.tb.id)).traceback).toMatchObject({
        status: 'closed',
        outcome: 'non_responsive',
      });
    env.clock.advance(3_600_000);
    const item = (w: typeof one): AnswerItem => ({
      actor: w.silent.actor,
      hopId: '',
      input: { kind: 'upstream', upstreamProviderId: w.up.provider.id, comment: 'sorry, late' },
    });
    const oneItem = { ...item(one), hopId: (await hopsOfTb(one.tb.id))[0]!.id };
    const manyItem = { ...item(many), hopId: (await hopsOfTb(many.tb.id))[0]!.id };
    await answerHop({ db: env.db, clock: env.clock, ...oneItem });
    // Another traceback answered in the same batch, opened after the sweep.
    const fresh = await open(many.other);
    const outcomes = await batch([
      { actor: many.other.actor, hopId: (await pendingHop(fresh.id)).id, input: { kind: 'not_found' } },
      manyItem,
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    const r = expectOk(outcomes[1]);
    expect(r.hop.late).toBe(true);
    expect(r.traceback).toMatchObject({ status: 'open', outcome: null, closedAt: null });

    const a = normalised(await stored(one.tb.id), one.labels);
    const b = normalised(await stored(many.tb.id), many.labels);
    expect(b).toEqual(a);
    const s = await stored(many.tb.id);
    expect(s.traceback).toMatchObject({
      status: 'open',
      outcome: null,
      closedAt: null,
      updatedAt: env.clock.now(),
    });
    expect(s.hops.map((h) => [h.seq, h.status, h.late])).toEqual([
      [1, 'answered', true],
      [2, 'pending', false],
    ]);
    expect(s.events.map((e) => e.type)).toEqual([
      'traceback.opened',
      'hop.requested',
      'hop.non_responsive',
      'traceback.closed',
      'traceback.reopened',
      'hop.answered',
      'hop.requested',
    ]);
    expect((await stored(fresh.id)).traceback).toMatchObject({ status: 'closed', outcome: 'dead_end' });
  });
});
