import { ZTraceForward, ZTracebackListQuery, type TCampaignRanked } from '@hoptrace/contracts';
import { schema } from '@hoptrace/db';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor } from '../auth';
import { ingestCalls } from '../calls/ingest';
import type { RawCallRecord } from '../calls/records';
import { createCallSource } from '../calls/sources';
import { answerHop } from '../commands/answerHop';
import { sweepOverdueHops } from '../commands/markNonResponsive';
import { referTraceback } from '../commands/referrals';
import { createAgency } from '../commands/agencies';
import { createUser } from '../commands/users';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { renderHopEmail, renderStaffEmail, type EmailPayload } from '../notify/templates';
import { getDashboard } from '../queries/portal';
import { getHop, getTimeline, getTraceback, listHops, listTracebacks } from '../queries/tracebacks';
import { setupCore } from '../testing/fixtures';
import { CampaignDetection } from './detection';
import { traceForward } from './forward';
import { getCampaignDetail, listCampaignsRanked } from './intel';

let env: Awaited<ReturnType<typeof setupCore>>;
let holder: Awaited<ReturnType<typeof env.provider>>;
let other: Awaited<ReturnType<typeof env.provider>>;
let campaign: TCampaignRanked;
const NOW = '2026-12-01T18:00:00Z';
// Spoken in the calls as people write them; stored and asked about in E.164.
const KEPT = '+18885550142';
const SECOND = '+18885550177';
const CUSTOMER = 'Fictional Callback Center LLC';

const script = (i: number, callback: string) =>
  `Final notice about your vehicle warranty, reference ${1000 + i}. Press 1 now to speak to a specialist before your coverage expires, or call us back at ${callback}.`;

const ctx = () => env.ctx(env.analyst);

beforeAll(async () => {
  env = await setupCore(NOW);
  const terminating = await env.provider('Fictional Terminating Co');
  holder = await env.provider('Fictional Number Holder');
  other = await env.provider('Fictional Bystander Telecom');
  await createCallSource({
    ...ctx(),
    input: { name: 'honeypot-forward', terminatingProviderId: terminating.provider.id },
  });
  const records: RawCallRecord[] = Array.from({ length: 8 }, (_, i) => ({
    line: i + 1,
    fields: {
      externalId: `fwd-${i}`,
      startedAt: new Date(Date.parse(NOW) - (i + 1) * 3_600_000).toISOString(),
      callingNumber: `+1312555${String(2000 + i)}`,
      calledNumber: '+13125550199',
      transcript: script(i, i < 6 ? '(888) 555-0142' : '888 555 0177'),
    },
  }));
  await ingestCalls({
    ...ctx(),
    input: {
      source: 'honeypot-forward',
      records: async function* () {
        yield await Promise.resolve(records);
      },
    },
  });
  await new CampaignDetection(env.db, env.clock).runToCompletion();
  const ranked = await listCampaignsRanked({ ...ctx(), query: { sort: 'volume', limit: 10 } });
  campaign = ranked.items[0]!;
});
afterAll(() => env.close());

describe('trace forward', () => {
  let forwardId: string;
  let hopId: string;

  it('asks the provider holding a callback number one question, with the clock, a link and a forward notice', async () => {
    expect(campaign.callbackNumbers).toEqual(expect.arrayContaining([KEPT, SECOND]));
    const t = await traceForward({
      ...ctx(),
      campaignId: campaign.id,
      input: { number: KEPT, providerId: holder.provider.id, note: 'numbers block 0100-0199' },
    });
    forwardId = t.id;
    expect(t).toMatchObject({
      kind: 'forward',
      status: 'open',
      campaignId: campaign.id,
      callingNumber: KEPT,
      calledNumber: '',
      firstProviderId: holder.provider.id,
    });
    // The moment asked about: when the number was last heard in the campaign's calls.
    expect(t.callStartedAt.toISOString()).toBe(new Date(Date.parse(NOW) - 3_600_000).toISOString());
    const view = await getTraceback({ ...ctx(), tracebackId: t.id });
    expect(view.kind).toBe('forward');
    expect(view.hops).toHaveLength(1);
    const [hop] = view.hops;
    hopId = hop!.id;
    expect(hop).toMatchObject({ line: 'path', seq: 1, providerId: holder.provider.id, status: 'pending' });
    // The 24-hour clock of any hop (here: received at once on a Tuesday afternoon in Chicago).
    expect(Date.parse(hop!.dueAt) - Date.parse(hop!.receivedAt)).toBe(24 * 3_600_000);

    const timeline = await getTimeline({ ...ctx(), tracebackId: t.id });
    expect(timeline.map((e) => e.type)).toEqual(['traceback.opened', 'hop.requested']);
    expect(timeline[0]!.data).toMatchObject({
      campaignId: campaign.id,
      forward: { campaignName: campaign.name, number: KEPT, calls: 6 },
      note: 'numbers block 0100-0199',
    });
    expect(timeline[1]!.data).toMatchObject({ forward: true, providerId: holder.provider.id });

    // The email reads as a forward request and carries a one-hop link; reminders are planned.
    const mails = await env.db.select().from(schema.outbox).where(eq(schema.outbox.hopId, hopId));
    expect(mails.map((m) => [m.channel, m.topic, m.recipient])).toEqual([
      ['email', 'hop.assigned', holder.provider.contacts[0]!.email],
    ]);
    expect(mails[0]!.secrets).toHaveProperty('linkToken');
    const payload = mails[0]!.payload as unknown as EmailPayload;
    expect(payload.forward).toEqual({ number: KEPT, lastHeardAt: t.callStartedAt.toISOString() });
    const email = renderHopEmail('hop.assigned', payload, 'https://hoptrace.example/hop/x#t=y');
    expect(email.subject).toContain(`who is your customer behind ${KEPT}?`);
    expect(email.text).toContain(`Who is your customer behind ${KEPT}?`);
    expect(email.text).not.toMatch(/handed you|Calling number/);
    const planned = await env.db
      .select()
      .from(schema.scheduledNotices)
      .where(eq(schema.scheduledNotices.hopId, hopId));
    expect(planned.length).toBeGreaterThan(0);
  });

  it("keeps forward requests out of the campaign's tracebacks, the trace lists and the statistics", async () => {
    const detail = await getCampaignDetail({ ...ctx(), campaignId: campaign.id });
    expect(detail.tracebacks).toEqual([]);
    expect(detail.openTracebacks).toBe(0);
    expect(detail.forwardRequests).toHaveLength(1);
    expect(detail.forwardRequests[0]).toMatchObject({
      id: forwardId,
      number: KEPT,
      status: 'open',
      provider: { id: holder.provider.id, name: 'Fictional Number Holder' },
      hopStatus: 'pending',
      answer: null,
    });
    const list = (kind?: 'trace' | 'forward' | 'all') =>
      listTracebacks({ ...ctx(), query: ZTracebackListQuery.parse(kind ? { kind } : {}) });
    expect((await list()).items).toEqual([]);
    expect((await list('forward')).items.map((t) => [t.id, t.kind])).toEqual([[forwardId, 'forward']]);
    expect((await list('all')).items).toHaveLength(1);
    const dashboard = await getDashboard({ ...ctx(), query: { weeks: 4 } });
    expect(dashboard.openTracebacks).toBe(0);
    // A pending request is work with a deadline, whatever it asks: due within two hours, it needs attention.
    env.clock.advance(23 * 3_600_000);
    const later = await getDashboard({ ...ctx(), query: { weeks: 4 } });
    expect([later.openTracebacks, later.hopsDueSoon]).toEqual([0, 1]);
    env.clock.advance(-23 * 3_600_000);
  });

  it('refuses a second open request about the number, a number the campaign never spoke, and non-staff', async () => {
    await expect(
      traceForward({
        ...ctx(),
        campaignId: campaign.id,
        input: { number: KEPT, providerId: other.provider.id },
      }),
    ).rejects.toThrow(ConflictError);
    const notSpoken = traceForward({
      ...ctx(),
      campaignId: campaign.id,
      input: { number: '+13125550123', providerId: holder.provider.id },
    });
    await expect(notSpoken).rejects.toBeInstanceOf(InvalidInputError);
    await expect(notSpoken).rejects.toMatchObject({ errors: [{ path: 'number' }] });
    await expect(
      traceForward({
        ...ctx(),
        campaignId: campaign.id,
        input: { number: SECOND, providerId: '00000000-0000-4000-8000-000000000000' },
      }),
    ).rejects.toMatchObject({ errors: [{ path: 'providerId' }] });
    await expect(
      traceForward({
        ...ctx(),
        campaignId: '00000000-0000-4000-8000-000000000000',
        input: { number: SECOND, providerId: holder.provider.id },
      }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      traceForward({
        ...env.ctx(holder.actor),
        campaignId: campaign.id,
        input: { number: SECOND, providerId: holder.provider.id },
      }),
    ).rejects.toThrow(NotFoundError);
    const forwards = await env.db.$count(schema.tracebacks, eq(schema.tracebacks.kind, 'forward'));
    expect(forwards).toBe(1);
  });

  it('shows the provider only its own request, as a forward request, and refuses an upstream answer at kind', async () => {
    const hop = await getHop({ ...env.ctx(holder.actor), hopId });
    expect(hop.forward).toEqual({
      number: KEPT,
      lastHeardAt: new Date(Date.parse(NOW) - 3_600_000).toISOString(),
    });
    expect(hop.can.answer).toBe(true);
    expect(hop.campaign?.name).toBe(campaign.name);
    const inbox = await listHops({ ...env.ctx(holder.actor), query: { limit: 50 } });
    expect(inbox.items.map((h) => h.id)).toEqual([hopId]);
    // Another provider: nothing of it.
    await expect(getHop({ ...env.ctx(other.actor), hopId })).rejects.toThrow(NotFoundError);
    expect((await listHops({ ...env.ctx(other.actor), query: { limit: 50 } })).items).toEqual([]);
    await expect(getTraceback({ ...env.ctx(holder.actor), tracebackId: forwardId })).rejects.toThrow(
      NotFoundError,
    );
    await expect(getCampaignDetail({ ...env.ctx(holder.actor), campaignId: campaign.id })).rejects.toThrow(
      NotFoundError,
    );

    const before = await env.db.$count(schema.events);
    const upstream = answerHop({
      ...env.ctx(holder.actor),
      hopId,
      input: { kind: 'upstream', upstreamProviderId: other.provider.id },
    });
    await expect(upstream).rejects.toBeInstanceOf(InvalidInputError);
    await expect(upstream).rejects.toMatchObject({ errors: [{ path: 'kind' }] });
    expect(await env.db.$count(schema.events)).toBe(before);
    expect((await getHop({ ...env.ctx(holder.actor), hopId })).status).toBe('pending');
  });

  it('records "our customer" on the campaign under the CPNI rules', async () => {
    env.clock.advance(2 * 3_600_000);
    await answerHop({
      ...env.ctx(holder.actor),
      hopId,
      input: {
        kind: 'origin',
        customer: { name: CUSTOMER, address: '1 Example Way, Springfield', accountRef: 'ACCT-0142' },
        action: 'terminated',
        comment: 'number suspended',
      },
    });
    const t = await getTraceback({ ...ctx(), tracebackId: forwardId });
    expect(t).toMatchObject({ status: 'closed', outcome: 'origin_identified' });
    expect(t.origin?.customer.name).toBe(CUSTOMER);

    const detail = await getCampaignDetail({ ...ctx(), campaignId: campaign.id });
    expect(detail.forwardRequests[0]).toMatchObject({
      status: 'closed',
      outcome: 'origin_identified',
      hopStatus: 'answered',
      late: false,
      answer: { kind: 'origin', action: 'terminated', comment: 'number suspended' },
      customer: {
        name: CUSTOMER,
        address: '1 Example Way, Springfield',
        contact: null,
        accountRef: 'ACCT-0142',
      },
    });
    // The campaign's origins tally traces of calls only.
    expect(detail.origins).toEqual([]);
    const timeline = await getTimeline({ ...ctx(), tracebackId: forwardId });
    expect(timeline.filter((e) => e.type === 'origin.viewed').map((e) => e.data)).toEqual([
      {},
      { on: 'campaign' },
    ]);
    expect(timeline.find((e) => e.type === 'hop.answered')?.data).toMatchObject({
      kind: 'origin',
      forward: true,
    });
    // The timeline never carries the customer.
    expect(JSON.stringify(timeline)).not.toContain(CUSTOMER);
    // The provider sees what it did, never the customer again.
    const hop = await getHop({ ...env.ctx(holder.actor), hopId });
    expect(hop.answer).toEqual({ kind: 'origin', action: 'terminated', comment: 'number suspended' });
    expect(JSON.stringify(hop)).not.toContain(CUSTOMER);
    // The outcomes of the statistics are those of traces.
    const dashboard = await getDashboard({ ...ctx(), query: { weeks: 4 } });
    expect(dashboard.outcomes.find((o) => o.outcome === 'origin_identified')?.count ?? 0).toBe(0);
  });

  it('an agency sees a forward request only while it is referred to it, and never the campaign page', async () => {
    const ag = await createAgency({
      ...env.ctx(env.system),
      input: { name: 'Fictional AG', kind: 'state', contacts: [] },
    });
    const agent = actorFor(
      await createUser({
        ...env.ctx(env.system),
        input: { email: 'agent@agency.example', name: 'Agent', role: 'enforcement', agencyId: ag.id },
      }),
      'portal',
    );
    const asAgent = env.ctx(agent);
    await expect(getTraceback({ ...asAgent, tracebackId: forwardId })).rejects.toThrow(NotFoundError);
    await expect(getCampaignDetail({ ...asAgent, campaignId: campaign.id })).rejects.toThrow(NotFoundError);
    expect((await listTracebacks({ ...asAgent, query: { kind: 'all', limit: 50 } })).items).toEqual([]);
    await referTraceback({ ...ctx(), tracebackId: forwardId, input: { agencyIds: [ag.id] } });
    const referred = await getTraceback({ ...asAgent, tracebackId: forwardId });
    expect(referred.origin?.customer.name).toBe(CUSTOMER);
    await expect(getCampaignDetail({ ...asAgent, campaignId: campaign.id })).rejects.toThrow(NotFoundError);
  });

  it('records "not ours" as a dead end, with no customer', async () => {
    const t = await traceForward({
      ...ctx(),
      campaignId: campaign.id,
      // Through the contract, as every door does: the number is normalised there.
      input: ZTraceForward.parse({ number: '888.555.0177', providerId: other.provider.id }),
    });
    expect(t.callingNumber).toBe(SECOND);
    const [hop] = (await getTraceback({ ...ctx(), tracebackId: t.id })).hops;
    await answerHop({
      ...env.ctx(other.actor),
      hopId: hop!.id,
      input: { kind: 'not_found', comment: 'ported out to another carrier in November' },
    });
    const detail = await getCampaignDetail({ ...ctx(), campaignId: campaign.id });
    const request = detail.forwardRequests.find((f) => f.id === t.id);
    expect(request).toMatchObject({
      number: SECOND,
      outcome: 'dead_end',
      answer: { kind: 'not_found', comment: 'ported out to another carrier in November' },
    });
    expect(request).not.toHaveProperty('customer');
    // Newest first.
    expect(detail.forwardRequests.map((f) => f.id)).toEqual([t.id, forwardId]);
  });

  it('runs on the traceback clock: unanswered by its deadline, it stops non-responsive and staff are told', async () => {
    // Answered, the number may be asked of another provider.
    const t = await traceForward({
      ...ctx(),
      campaignId: campaign.id,
      input: { number: KEPT, providerId: other.provider.id },
    });
    const [hop] = (await getTraceback({ ...ctx(), tracebackId: t.id })).hops;
    env.clock.set(new Date(Date.parse(hop!.dueAt) + 1));
    expect(await sweepOverdueHops({ ...env.ctx(env.system) })).toBe(1);
    expect(await getTraceback({ ...ctx(), tracebackId: t.id })).toMatchObject({
      status: 'closed',
      outcome: 'non_responsive',
    });
    const [staffMail] = await env.db
      .select()
      .from(schema.outbox)
      .where(and(eq(schema.outbox.tracebackId, t.id), eq(schema.outbox.topic, 'traceback.non_responsive')));
    const rendered = renderStaffEmail(
      staffMail!.payload as Parameters<typeof renderStaffEmail>[0],
      'https://hoptrace.example',
    );
    expect(rendered.subject).toBe(
      `Non-responsive: Fictional Bystander Telecom did not answer a forward request (callback number ${KEPT})`,
    );
    expect(rendered.text).toContain('did not answer its forward request by');
  });
});
