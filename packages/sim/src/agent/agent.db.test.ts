import { systemActor } from '@hoptrace/core';
import { schema } from '@hoptrace/db';
import { createHarness, type Harness } from '@hoptrace/server/testing/harness';
import { signWebhook } from '@hoptrace/server/worker/webhooks';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCalls, truthFor, type CallSet, type SimCall } from '../calls';
import { loadNetwork, type LoadedNetwork } from '../load';
import { buildNetwork, type SimNetwork } from '../network';
import { ProviderAgent, startWebhookReceiver, type HandledHop } from './agent';
import { injectTransport } from './inject';
import { MemoryRecords } from './records';

const HOUR = 3_600_000;

describe('the provider agent against simulated call records, through the API', () => {
  let h: Harness;
  let network: SimNetwork;
  let loaded: LoadedNetwork;
  let callSet: CallSet;
  const callOf = new Map<string, SimCall>();
  const agents = new Map<string, ProviderAgent>();
  const logs: Array<Record<string, unknown>> = [];

  const agentFor = (key: string, dryRun = false) =>
    new ProviderAgent({
      transport: injectTransport(h.app, loaded.providers.get(key)!.apiKey!),
      records: new MemoryRecords(callSet.records.get(key) ?? []),
      peerMap: loaded.peerMaps.get(key)!,
      toleranceSeconds: 10,
      // The simulated switches record every call but carry few: their records cover the whole run.
      coverageSeconds: 30 * 86_400,
      dryRun,
      log: (e) => logs.push(e),
    });

  async function open(call: SimCall) {
    const res = await h.analyst.post('/api/v1/tracebacks', {
      call: {
        startedAt: call.startedAt.toISOString(),
        callingNumber: call.callingNumber,
        calledNumber: call.calledNumber,
      },
      firstProviderId: loaded.providers.get(call.path[call.path.length - 1]!)!.id,
    });
    expect(res.statusCode, res.body).toBe(201);
    const tb = res.json<{ id: string; hops: Array<{ id: string }> }>();
    callOf.set(tb.id, call);
    return tb.hops[0]!.id;
  }

  beforeAll(async () => {
    h = await createHarness('2026-11-10T15:00:00Z');
    network = buildNetwork({ seed: 7, ambiguousShare: 0.2, missingRecordShare: 0.1, unknownPeerShare: 0.1 });
    loaded = await loadNetwork({ db: h.db, clock: h.clock, actor: systemActor('test') }, network, {
      apiKeys: true,
    });
    const now = h.clock.now().getTime();
    callSet = generateCalls(network, {
      count: 40,
      from: new Date(now - 5 * 24 * HOUR),
      to: new Date(now - HOUR),
    });
    for (const p of network.providers) if (p.kind !== 'foreign') agents.set(p.key, agentFor(p.key));
  });
  afterAll(() => h.close());

  it('answers the clean cases right, asks a person about the rest, and never names a wrong upstream', async () => {
    for (const call of callSet.calls) await open(call);
    const handled: Array<HandledHop & { providerKey: string }> = [];
    for (let round = 0; round < 12; round++) {
      let any = false;
      for (const [key, agent] of agents)
        for (const r of await agent.pollOnce()) {
          handled.push({ ...r, providerKey: key });
          any = true;
        }
      if (!any) break;
    }
    const hopsRes = await h.analyst.get('/api/v1/hops?limit=200');
    expect(hopsRes.statusCode).toBe(200);
    const counts: Record<string, number> = {};
    for (const r of handled) {
      expect(r.outcome, JSON.stringify(r)).not.toBe('refused');
      if (r.outcome === 'skipped') continue;
      const kind = r.decision.action === 'answer' ? r.decision.answer.kind : r.decision.reason;
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    // Ground truth for every answer: find the traceback of the hop through the log lines.
    for (const line of logs.filter((l) => l.msg === 'answered')) {
      const call = callOf.get(line.tracebackId as string)!;
      const providerKey = handled.find((r) => r.hopId === line.hopId)!.providerKey;
      const truth = truthFor(network, call, providerKey);
      const answer = line.answer as { kind: string; upstreamProviderId?: string };
      if (answer.kind === 'upstream') {
        expect(truth.kind).toBe('upstream');
        if (truth.kind === 'upstream')
          expect(answer.upstreamProviderId).toBe(loaded.providers.get(truth.providerKey)!.id);
      } else expect(answer.kind).toBe(truth.kind);
    }
    for (const line of logs.filter((l) => l.msg === 'left for a person')) {
      const call = callOf.get(line.tracebackId as string)!;
      const providerKey = handled.find((r) => r.hopId === line.hopId)!.providerKey;
      const p = network.byKey.get(providerKey)!;
      const mapped = Object.keys(loaded.peerMaps.get(providerKey)!.peers).length;
      // Only the cases a person must look at: two candidate records, or a trunk missing from the map.
      expect(
        call.ambiguousAt === providerKey || mapped < Object.keys(p.trunkFrom).length,
        JSON.stringify(line),
      ).toBe(true);
    }
    expect(counts.upstream).toBeGreaterThan(0);
    expect(counts.origin).toBeGreaterThan(0);
    expect(counts.not_found).toBeGreaterThan(0);
    expect(counts.ambiguous).toBeGreaterThan(0);
    expect(counts.unknown_peer ?? 0).toBeGreaterThanOrEqual(0);
    // A second poll repeats nothing: decided hops are remembered.
    for (const agent of agents.values()) expect(await agent.pollOnce()).toEqual([]);
  });

  it('answers nothing in dry-run mode', async () => {
    const call = callSet.calls[0]!;
    await open(call);
    const key = call.path[call.path.length - 1]!;
    const results = await agentFor(key, true).pollOnce();
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.outcome === 'dry_run' || r.outcome === 'ask_person')).toBe(true);
    const res = await h.analyst.get(`/api/v1/hops?status=pending&limit=200`);
    expect(res.json<{ items: Array<{ id: string }> }>().items.map((x) => x.id)).toEqual(
      expect.arrayContaining(results.map((r) => r.hopId)),
    );
  });

  it('logs no customer detail, in dry-run mode too, where it decides an origin', async () => {
    // A traceback opened straight at a call's originating provider, which finds its own customer.
    const call = callSet.calls.find((c) => {
      const key = c.path[0]!;
      const peer = Object.entries(loaded.peerMaps.get(key)!.customers);
      return c.missingAt !== key && c.ambiguousAt !== key && peer.length > 0;
    })!;
    const origin = call.path[0]!;
    const res = await h.analyst.post('/api/v1/tracebacks', {
      call: {
        startedAt: call.startedAt.toISOString(),
        callingNumber: call.callingNumber,
        calledNumber: call.calledNumber,
      },
      firstProviderId: loaded.providers.get(origin)!.id,
    });
    expect(res.statusCode, res.body).toBe(201);
    const hopId = res.json<{ hops: Array<{ id: string }> }>().hops[0]!.id;
    const decided = (await agentFor(origin, true).pollOnce()).find((r) => r.hopId === hopId);
    if (decided?.outcome !== 'dry_run') throw new Error(`expected a dry run, got ${JSON.stringify(decided)}`);
    const answer = decided.decision.action === 'answer' ? decided.decision.answer : null;
    expect(answer?.kind).toBe('origin');
    const customer = answer?.kind === 'origin' ? answer.customer : null;
    expect(customer?.name).toBeTruthy();
    const line = logs.find((l) => l.hopId === hopId && l.msg === 'would answer (dry run)');
    expect(line?.answer).toEqual({
      kind: 'origin',
      action: answer?.kind === 'origin' ? answer.action : null,
    });
    expect(JSON.stringify(logs)).not.toContain(customer!.name);
  });

  /** A call whose terminating provider can answer alone: its record is there, single, on a mapped trunk. */
  const answerable = () =>
    callSet.calls.find((c) => {
      const key = c.path[c.path.length - 1]!;
      const upstreamTrunk = network.byKey.get(key)!.trunkFrom[c.path[c.path.length - 2]!]!;
      return c.missingAt !== key && c.ambiguousAt !== key && loaded.peerMaps.get(key)!.peers[upstreamTrunk];
    })!;

  it('answers a hop whose first answer was cut off by a crash, once the claim on its key lapses', async () => {
    const call = answerable();
    const hopId = await open(call);
    const key = call.path[call.path.length - 1]!;
    // What a server killed while answering leaves: the agent's key claimed, no answer, nobody renewing it.
    await h.db.insert(schema.idempotencyKeys).values({
      owner: `user:${loaded.providers.get(key)!.user.id}`,
      key: `agent-${hopId}`,
      method: 'POST',
      path: `/api/v1/hops/${hopId}/answer`,
      requestHash: null,
      createdAt: h.clock.now(),
      lockedUntil: new Date(h.clock.now().getTime() + 30_000),
    });
    const agent = agentFor(key);
    const first = (await agent.pollOnce()).find((r) => r.hopId === hopId);
    expect(first).toMatchObject({ outcome: 'refused', status: 409 });
    h.clock.advance(31_000);
    const second = (await agent.pollOnce()).find((r) => r.hopId === hopId);
    expect(second?.outcome).toBe('answered');
    expect((await h.analyst.get(`/api/v1/hops/${hopId}`)).json<{ status: string }>().status).toBe('answered');
  });

  it('learns of a hop by a signed webhook and refuses an unsigned one', async () => {
    const call = answerable();
    const hopId = await open(call);
    const key = call.path[call.path.length - 1]!;
    const agent = agentFor(key);
    const server = await startWebhookReceiver(agent, { port: 0, secret: 'whsec_test' });
    try {
      const port = (server.address() as AddressInfo).port;
      const hop = { id: hopId };
      const body = JSON.stringify({
        event: 'hop.assigned',
        occurredAt: new Date().toISOString(),
        data: { hopId: hop.id },
      });
      const unsigned = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body });
      expect(unsigned.status).toBe(401);
      const signed = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body,
        headers: { 'hoptrace-signature': signWebhook('whsec_test', body, new Date()) },
      });
      expect(signed.status).toBe(204);
      for (let i = 0; i < 200 && !logs.some((l) => l.hopId === hop.id); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect((await h.analyst.get(`/api/v1/hops/${hop.id}`)).json<{ status: string }>().status).toBe(
        'answered',
      );
    } finally {
      server.close();
    }
  });
});
