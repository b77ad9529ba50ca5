import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { THop, TTraceback } from '@hoptrace/contracts';
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, expectProblem, type Harness } from './testing/harness';

/** Answers that arrive together over real HTTP are grouped into shared transactions (group commit). */

const run = promisify(execFile);

let h: Harness;
let base: string;
beforeAll(async () => {
  h = await createHarness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h.close();
});

type Provider = Awaited<ReturnType<Harness['provider']>>;

interface Reply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json<T = unknown>(): T;
}

/**
 * Answers sent from another process, all at once, over real connections. The client must not
 * share the server's event loop: with PGlite a batch's queries run without yielding to I/O, so
 * an in-process client could only get one request out per batch and nothing would be grouped.
 */
const CLIENT = `
const { base, requests } = JSON.parse(process.argv[1]);
const replies = await Promise.all(requests.map(async (r) => {
  const res = await fetch(base + '/api/v1/hops/' + r.hopId + '/answer', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + r.key, 'content-type': 'application/json' },
    body: JSON.stringify(r.body),
  });
  return { statusCode: res.status, headers: Object.fromEntries(res.headers.entries()), body: await res.text() };
}));
process.stdout.write(JSON.stringify(replies));
`;

async function burst(requests: Array<{ p: Provider; hopId: string; body: Record<string, unknown> }>) {
  const arg = JSON.stringify({
    base,
    requests: requests.map((r) => ({ key: r.p.user.key, hopId: r.hopId, body: r.body })),
  });
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CLIENT, arg], {
    maxBuffer: 32 * 1024 * 1024,
  });
  return (JSON.parse(stdout) as Array<Omit<Reply, 'json'>>).map((r) => ({
    ...r,
    json: <T>() => JSON.parse(r.body) as T,
  }));
}

const problem = (r: Reply, status: number) => expectProblem(r as unknown as LightMyRequestResponse, status);

const detail = async (id: string) => {
  const res = await h.analyst.get(`/api/v1/tracebacks/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<TTraceback>();
};

describe('hop answers arriving together', () => {
  it('answers 40 tracebacks in one burst, each with its own reply, in fewer transactions than answers', async () => {
    const upstream = await h.provider();
    const providers: Provider[] = [];
    for (let i = 0; i < 8; i++) providers.push(await h.provider());
    const good: Array<{ p: Provider; tb: TTraceback; body: Record<string, unknown> }> = [];
    for (let i = 0; i < 40; i++) {
      const p = providers[i % providers.length]!;
      const tb = await h.openTraceback(p.id);
      const body =
        i % 2 === 0
          ? { kind: 'upstream', upstreamProviderId: upstream.id }
          : i % 4 === 1
            ? { kind: 'not_found', comment: `#${i}` }
            : { kind: 'origin', customer: { name: 'Burst Dialer' }, action: 'warned', comment: `#${i}` };
      good.push({ p, tb, body });
    }
    // A hop answered before the burst, a hop of someone else, and one answered twice in the burst.
    const answeredTb = await h.openTraceback(providers[0]!.id);
    const first = await providers[0]!.user.post(`/api/v1/hops/${answeredTb.hops[0]!.id}/answer`, {
      kind: 'not_found',
    });
    expect(first.statusCode, first.body).toBe(200);
    const foreignTb = await h.openTraceback(providers[1]!.id);
    const twiceTb = await h.openTraceback(providers[2]!.id);

    const before = { ...h.app.answers.stats };
    // The burst meets the hops locked for a moment, so its answers queue behind the first batch however
    // slowly a loaded machine lets the client get them out (without it, a starved client could send
    // them one batch apart). Released once answers wait, or after 3 s.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = h.db.transaction(async (tx) => {
      await tx.execute(sql`LOCK TABLE hops IN EXCLUSIVE MODE`);
      await released;
    });
    const waited = (async () => {
      const until = Date.now() + 3000;
      while (h.app.answers.waiting < 10 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      release();
    })();
    const replies = await burst([
      ...good.map((g) => ({ p: g.p, hopId: g.tb.hops[0]!.id, body: g.body })),
      { p: providers[3]!, hopId: randomUUID(), body: { kind: 'not_found' } },
      { p: providers[0]!, hopId: answeredTb.hops[0]!.id, body: { kind: 'not_found' } },
      { p: providers[2]!, hopId: foreignTb.hops[0]!.id, body: { kind: 'not_found' } },
      {
        p: providers[2]!,
        hopId: twiceTb.hops[0]!.id,
        body: { kind: 'upstream', upstreamProviderId: upstream.id },
      },
      { p: providers[2]!, hopId: twiceTb.hops[0]!.id, body: { kind: 'not_found' } },
    ]);
    await Promise.all([held, waited]);
    const goodReplies = replies.slice(0, 40);
    const [unknown, already, foreign, ...twice] = replies.slice(40) as [Reply, Reply, Reply, Reply, Reply];
    const after = h.app.answers.stats;

    for (const [i, r] of goodReplies.entries()) {
      expect(r.statusCode, r.body).toBe(200);
      const hop = r.json<THop>();
      expect(hop).toMatchObject({
        id: good[i]!.tb.hops[0]!.id,
        tracebackId: good[i]!.tb.id,
        status: 'answered',
        answeredVia: 'api',
        answer: { kind: good[i]!.body.kind },
      });
      if (good[i]!.body.kind === 'upstream') expect(hop.answer?.upstreamProviderId).toBe(upstream.id);
      else expect(hop.answer?.comment).toBe(good[i]!.body.comment);
      if (good[i]!.body.kind === 'origin') expect(hop.answer?.action).toBe('warned');
    }
    // Each reply is the hop as its provider reads it afterwards.
    for (const i of [0, 1, 3, 38, 39]) {
      const read = await good[i]!.p.user.get(`/api/v1/hops/${good[i]!.tb.hops[0]!.id}`);
      expect(read.statusCode, read.body).toBe(200);
      expect(goodReplies[i]!.json(), `reply ${i}`).toEqual(read.json());
    }
    problem(unknown, 404);
    problem(already, 409);
    problem(foreign, 404);
    // Whichever of the two came first is applied; the other is a conflict.
    expect(twice.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    problem(
      twice.find((r) => r.statusCode === 409)!,
      409,
    );

    const items = after.items - before.items;
    const batches = after.batches - before.batches;
    expect(items).toBe(40 + 5);
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches, `${items} answers in ${batches} batches`).toBeLessThan(items);
    expect(h.app.answers.waiting).toBe(0);

    // The stored state: an upstream answer opened the next hop, a not_found one closed the traceback.
    const up = await detail(good[0]!.tb.id);
    expect(up.status).toBe('open');
    expect(up.hops.map((x) => [x.seq, x.status, x.providerId])).toEqual([
      [1, 'answered', providers[0]!.id],
      [2, 'pending', upstream.id],
    ]);
    const up2 = await detail(good[38]!.tb.id);
    expect(up2.hops.map((x) => [x.seq, x.status, x.providerId])).toEqual([
      [1, 'answered', good[38]!.p.id],
      [2, 'pending', upstream.id],
    ]);
    const nf = await detail(good[1]!.tb.id);
    expect(nf).toMatchObject({ status: 'closed', outcome: 'dead_end' });
    expect(nf.hops.map((x) => [x.status, x.answer?.kind, x.answer?.comment])).toEqual([
      ['answered', 'not_found', '#1'],
    ]);
    const origin = await detail(good[3]!.tb.id);
    expect(origin).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    expect(origin.origin?.customer.name).toBe('Burst Dialer');
    // The refused ones changed nothing.
    expect((await detail(foreignTb.id)).hops.map((x) => x.status)).toEqual(['pending']);
    const answered = await detail(answeredTb.id);
    expect(answered).toMatchObject({ status: 'closed', outcome: 'dead_end' });
    expect(answered.hops).toHaveLength(1);
    // The upstream provider sees the 20 new requests in its inbox.
    const inbox = await upstream.user.get('/api/v1/hops?status=pending&limit=100');
    expect(inbox.statusCode, inbox.body).toBe(200);
    const twiceWon = twice.some((r) => r.statusCode === 200 && r.json<THop>().answer?.kind === 'upstream');
    expect(inbox.json<{ items: THop[] }>().items).toHaveLength(20 + (twiceWon ? 1 : 0));
  });
});
