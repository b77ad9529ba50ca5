import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { THop, TTraceback } from '@hoptrace/contracts';
import { eq, sql } from 'drizzle-orm';
import { schema } from '@hoptrace/db';
import { createHarness, type Harness } from './testing/harness';
import { startMailbox } from './testing/mailbox';
import { startReceiver } from './testing/receiver';
import { reminderScheduleFromEnv } from './server';
import { createEmailTransport } from './worker/email';
import { startWorker, type RunningWorker } from './worker/jobs';
import { verifyWebhookSignature } from './worker/webhooks';

const HOUR = 3_600_000;
const policy = { allowHttp: true, allowPrivateNetworks: true };

let h: Harness;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let worker: RunningWorker;

// Friday 20 November 2026, 18:00 in Chicago (CST, UTC-6): after business hours.
const FRIDAY_EVENING = '2026-11-21T00:00:00Z';

beforeAll(async () => {
  h = await createHarness(FRIDAY_EVENING, { webhookPolicy: policy });
  mailbox = await startMailbox();
  receiver = await startReceiver();
  worker = startWorker(
    {
      db: h.db,
      clock: h.clock,
      dispatcher: {
        db: h.db,
        clock: h.clock,
        email: createEmailTransport({ smtpUrl: mailbox.url, mailDir: '/nonexistent' }),
        mailFrom: 'hoptrace <noreply@hoptrace.test>',
        publicUrl: 'https://hoptrace.example',
        webhookPolicy: policy,
        webhookTimeoutMs: 500,
      },
    },
    { jobs: undefined },
  );
});
afterAll(async () => {
  await worker.stop();
  await mailbox.stop();
  await receiver.close();
  await h.close();
});

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

// A new contact's welcome (issue 19.5) has its own test (welcome.http.test.ts); these read the notices after it.
const mailTo = (addr: string) =>
  mailbox.received.filter(
    (m) => m.to.includes(addr) && !m.subject?.endsWith('traceback contact on hoptrace'),
  );

describe('receipt and deadline under the business-hours rule', () => {
  it('a request on Friday 18:00 in Chicago is received Monday 08:00 and due Tuesday 08:00 local', async () => {
    const p = await h.provider({ timezone: 'America/Chicago' });
    const tb = (
      await h.analyst.post('/api/v1/tracebacks', {
        call: { startedAt: '2026-11-20T20:00:00Z', callingNumber: '2025550143', calledNumber: '3125550188' },
        firstProviderId: p.id,
      })
    ).json<TTraceback>();
    expect(tb.hops[0]).toMatchObject({
      requestedAt: '2026-11-21T00:00:00.000Z',
      receivedAt: '2026-11-23T14:00:00.000Z', // Mon 08:00 CST
      dueAt: '2026-11-24T14:00:00.000Z', // Tue 08:00 CST
    });
  });

  it('moves to Tuesday when Monday is a federal holiday (Martin Luther King Jr. Day 2027)', async () => {
    const p = await h.provider({ timezone: 'America/Chicago' });
    h.clock.set('2027-01-16T00:00:00Z'); // Fri 15 Jan 2027, 18:00 CST
    try {
      const tb = (
        await h.analyst.post('/api/v1/tracebacks', {
          call: {
            startedAt: '2027-01-15T20:00:00Z',
            callingNumber: '2025550143',
            calledNumber: '3125550188',
          },
          firstProviderId: p.id,
        })
      ).json<TTraceback>();
      expect(tb.hops[0]).toMatchObject({
        receivedAt: '2027-01-19T14:00:00.000Z',
        dueAt: '2027-01-20T14:00:00.000Z',
      });
    } finally {
      h.clock.set(FRIDAY_EVENING);
    }
  });

  it("follows the provider's own business hours when it has them", async () => {
    const p = await h.provider({
      timezone: 'Pacific/Honolulu',
      businessHours: { days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '24:00', holidays: 'none' },
    });
    const tb = (
      await h.analyst.post('/api/v1/tracebacks', {
        call: { startedAt: '2026-11-20T20:00:00Z', callingNumber: '2025550143', calledNumber: '3125550188' },
        firstProviderId: p.id,
      })
    ).json<TTraceback>();
    expect(tb.hops[0]).toMatchObject({
      receivedAt: FRIDAY_EVENING.replace('Z', '.000Z'),
      dueAt: '2026-11-22T00:00:00.000Z',
    });
  });
});

describe('email with a one-hop link, reminders, escalation, non-responsive', () => {
  it('tells the provider, reminds it, escalates and marks it non-responsive on schedule', async () => {
    h.clock.set(FRIDAY_EVENING);
    const p = await h.provider({
      timezone: 'America/Chicago',
      contacts: [{ name: 'Desk', email: 'desk@fictional-one.example' }],
      escalationContacts: [{ name: 'Boss', email: 'boss@fictional-one.example' }],
    });
    const tb = (
      await h.analyst.post('/api/v1/tracebacks', {
        call: { startedAt: '2026-11-20T20:00:00Z', callingNumber: '2025550143', calledNumber: '3125550188' },
        firstProviderId: p.id,
      })
    ).json<TTraceback>();
    const hop = tb.hops[0]!;
    await worker.tick();
    const [assigned] = mailTo('desk@fictional-one.example');
    expect(assigned?.subject).toContain('Traceback request');
    const text = assigned!.text;
    expect(text).toContain('Mon 2026-11-23 08:00 CST'); // receipt in the provider's local time
    expect(text).toContain('2026-11-24 14:00 UTC'); // and the deadline in UTC
    expect(assigned!.messageId).toMatch(/^<[0-9a-f-]+@hoptrace>$/);

    // Twelve hours before the deadline, then two: reminders to the traceback contacts.
    h.clock.set(new Date(Date.parse(hop.dueAt) - 12 * HOUR));
    await worker.tick();
    expect(mailTo('desk@fictional-one.example').map((m) => m.subject)).toEqual([
      expect.stringContaining('Traceback request'),
      expect.stringContaining('Reminder: traceback request due in 12 h'),
    ]);
    h.clock.set(new Date(Date.parse(hop.dueAt) - 2 * HOUR));
    await worker.tick();
    expect(mailTo('desk@fictional-one.example')).toHaveLength(3);
    // A second pass finds nothing new: each notice goes out once.
    await worker.tick();
    expect(mailTo('desk@fictional-one.example')).toHaveLength(3);

    // At the deadline: escalation to the escalation contacts, the hop non-responsive, staff told.
    h.clock.set(hop.dueAt);
    await worker.tick();
    await worker.tick();
    expect(mailTo('boss@fictional-one.example').map((m) => m.subject)).toEqual([
      expect.stringContaining('Overdue traceback request'),
    ]);
    const after = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}`)).json<TTraceback>();
    expect(after).toMatchObject({ status: 'closed', outcome: 'non_responsive' });
    expect(mailTo(h.analyst.email).map((m) => m.subject)).toContainEqual(
      expect.stringContaining('Non-responsive'),
    );
  });

  it('the link in the email shows the hop and answers it without a password, and each use is on the timeline', async () => {
    h.clock.set(FRIDAY_EVENING);
    const [p, q] = [
      await h.provider({ contacts: [{ name: 'Desk', email: 'desk@fictional-two.example' }] }),
      await h.provider(),
    ];
    const tb = (
      await h.analyst.post('/api/v1/tracebacks', {
        call: { startedAt: '2026-11-20T20:00:00Z', callingNumber: '2025550143', calledNumber: '3125550188' },
        firstProviderId: p.id,
      })
    ).json<TTraceback>();
    await worker.tick();
    const mail = mailTo('desk@fictional-two.example')[0]!;
    const link = /https:\/\/hoptrace\.example\/hop\/([0-9a-f-]+)#t=([\w%.-]+)/.exec(mail.text);
    expect(link?.[1]).toBe(tb.hops[0]!.id);
    const token = decodeURIComponent(link![2]!);
    const auth = { authorization: `HopLink ${token}` };
    const seen = await h.app.inject({ method: 'GET', url: `/api/v1/hops/${link![1]}`, headers: auth });
    expect(seen.statusCode).toBe(200);
    expect(seen.json<THop>().can.answer).toBe(true);
    // The link reaches its own hop and the directory, nothing else.
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/hops', headers: auth })).statusCode).toBe(404);
    expect(
      (await h.app.inject({ method: 'GET', url: `/api/v1/tracebacks/${tb.id}`, headers: auth })).statusCode,
    ).toBe(404);
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/api/v1/providers?q=${encodeURIComponent(q.name)}`,
          headers: auth,
        })
      ).statusCode,
    ).toBe(200);
    const answered = await h.app.inject({
      method: 'POST',
      url: `/api/v1/hops/${link![1]}/answer`,
      headers: auth,
      payload: { kind: 'upstream', upstreamProviderId: q.id },
    });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json<THop>()).toMatchObject({ status: 'answered', answeredVia: 'link' });
    const events = (await h.analyst.get(`/api/v1/tracebacks/${tb.id}/events`)).json<{
      items: Array<{ type: string; data: { action?: string } }>;
    }>().items;
    expect(events.filter((e) => e.type === 'link.used').map((e) => e.data.action)).toEqual([
      'view',
      'answer',
    ]);
    // A wrong token is refused; the link expires seven days after the hop closed.
    expect(
      (
        await h.app.inject({
          method: 'GET',
          url: `/api/v1/hops/${link![1]}`,
          headers: { authorization: 'HopLink hl_nope' },
        })
      ).statusCode,
    ).toBe(401);
    h.clock.advance(7 * 24 * HOUR + 1000);
    const expired = await h.app.inject({ method: 'GET', url: `/api/v1/hops/${link![1]}`, headers: auth });
    expect(expired.statusCode).toBe(410);
    expect(expired.json<{ detail: string }>().detail).toContain('expired');
    h.clock.set(FRIDAY_EVENING);
  });

  it('a provider that requires sign-in turns its links off', async () => {
    h.clock.set(FRIDAY_EVENING);
    const p = await h.provider({
      contacts: [{ name: 'Desk', email: 'desk@fictional-three.example' }],
      allowLinkAnswers: false,
    });
    await h.analyst.post('/api/v1/tracebacks', {
      call: { startedAt: '2026-11-20T20:00:00Z', callingNumber: '2025550143', calledNumber: '3125550188' },
      firstProviderId: p.id,
    });
    await worker.tick();
    const mail = mailTo('desk@fictional-three.example')[0]!;
    const link = /\/hop\/([0-9a-f-]+)#t=([\w%.-]+)/.exec(mail.text)!;
    const res = await h.app.inject({
      method: 'GET',
      url: `/api/v1/hops/${link[1]}`,
      headers: { authorization: `HopLink ${decodeURIComponent(link[2]!)}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ detail: string }>().detail).toContain('requires its users to sign in');
  });
});

describe('webhooks', () => {
  it('delivers signed events to a registered endpoint and logs each delivery', async () => {
    h.clock.set(FRIDAY_EVENING);
    const p = await h.provider();
    const created = await p.user.post(`/api/v1/providers/${p.id}/webhooks`, { url: receiver.url('/ok') });
    expect(created.statusCode, created.body).toBe(201);
    const { id: webhookId, secret } = created.json<{ id: string; secret: string }>();
    const tb = (
      await h.analyst.post('/api/v1/tracebacks', {
        call: { startedAt: '2026-11-20T20:00:00Z', callingNumber: '2025550143', calledNumber: '3125550188' },
        firstProviderId: p.id,
      })
    ).json<TTraceback>();
    await worker.tick();
    const hook = receiver.received.find(
      (r) => r.path === '/ok' && r.headers['hoptrace-event'] === 'hop.assigned',
    );
    expect(hook).toBeDefined();
    expect(
      verifyWebhookSignature(secret, hook!.body, String(hook!.headers['hoptrace-signature']), h.clock.now()),
    ).toBe(true);
    expect(
      verifyWebhookSignature('wrong', hook!.body, String(hook!.headers['hoptrace-signature']), h.clock.now()),
    ).toBe(false);
    const body = JSON.parse(hook!.body) as {
      event: string;
      data: { hopId: string; call: { callingNumber: string } };
    };
    expect(body).toMatchObject({
      event: 'hop.assigned',
      data: { hopId: tb.hops[0]!.id, call: { callingNumber: '+12025550143' } },
    });
    await h.analyst.post(`/api/v1/tracebacks/${tb.id}/actions`, { action: 'cancel' });
    await worker.tick();
    const events = receiver.received.filter((r) => r.path === '/ok').map((r) => r.headers['hoptrace-event']);
    expect(events).toEqual(expect.arrayContaining(['hop.assigned', 'hop.closed', 'traceback.closed']));
    const log = await p.user.get(`/api/v1/providers/${p.id}/webhooks/${webhookId}/deliveries`);
    expect(
      log.json<{ items: Array<{ statusCode: number }> }>().items.every((d) => d.statusCode === 200),
    ).toBe(true);
    // Another provider cannot read this endpoint or its log.
    const other = await h.provider();
    expect((await other.user.get(`/api/v1/providers/${p.id}/webhooks`)).statusCode).toBe(404);
    expect(
      (await other.user.get(`/api/v1/providers/${p.id}/webhooks/${webhookId}/deliveries`)).statusCode,
    ).toBe(404);
  });

  it('retries an endpoint that fails, hangs or is unreachable, without holding up the others', async () => {
    h.clock.set(FRIDAY_EVENING);
    receiver.behaviour.set('/fails', 500);
    receiver.behaviour.set('/hangs', 'hang');
    const bad = await h.provider();
    for (const url of [
      receiver.url('/fails'),
      receiver.url('/hangs'),
      `http://127.0.0.1:${await closedPort()}/unreachable`,
    ])
      expect(
        (await bad.user.post(`/api/v1/providers/${bad.id}/webhooks`, { url, events: ['hop.assigned'] }))
          .statusCode,
      ).toBe(201);
    const good = await h.provider();
    await good.user.post(`/api/v1/providers/${good.id}/webhooks`, {
      url: receiver.url('/good'),
      events: ['hop.assigned'],
    });
    await h.analyst.post('/api/v1/tracebacks', {
      call: { startedAt: '2026-11-20T20:00:00Z', callingNumber: '2025550143', calledNumber: '3125550188' },
      firstProviderId: bad.id,
    });
    await h.analyst.post('/api/v1/tracebacks', {
      call: { startedAt: '2026-11-20T20:00:00Z', callingNumber: '2025550143', calledNumber: '3125550188' },
      firstProviderId: good.id,
    });
    await worker.tick();
    expect(receiver.received.filter((r) => r.path === '/good')).toHaveLength(1);
    const rows = async () => {
      const [r] = await h.db
        .select({ n: sql<number>`count(*)::int` })
        .from(schema.webhookDeliveries)
        .innerJoin(
          schema.webhookEndpoints,
          eq(schema.webhookEndpoints.id, schema.webhookDeliveries.endpointId),
        )
        .where(eq(schema.webhookEndpoints.providerId, bad.id));
      return r?.n ?? 0;
    };
    expect(await rows()).toBe(3);
    // Not again before the backoff has passed; again after it.
    await worker.tick();
    expect(await rows()).toBe(3);
    h.clock.advance(2 * 60_000);
    await worker.tick();
    expect(await rows()).toBe(6);
    const pending = await h.analyst.get('/api/v1/notifications?channel=webhook&status=pending');
    const errors = pending.json<{ items: Array<{ lastError: string }> }>().items.map((i) => i.lastError);
    expect(errors).toEqual(
      expect.arrayContaining(['answered HTTP 500', 'no answer within 500 ms', 'ECONNREFUSED']),
    );
    // After 24 hours of failures a delivery is given up.
    h.clock.advance(25 * HOUR);
    await worker.tick();
    const dead = await h.analyst.get('/api/v1/notifications?channel=webhook&status=dead');
    expect(dead.json<{ items: unknown[] }>().items.length).toBeGreaterThanOrEqual(3);
    h.clock.set(FRIDAY_EVENING);
  });

  it('refuses endpoints that are not https or point at private addresses by default', async () => {
    const strict = await createHarness(FRIDAY_EVENING);
    try {
      const p = await strict.provider();
      const http = await p.user.post(`/api/v1/providers/${p.id}/webhooks`, {
        url: 'http://hooks.example.com/x',
      });
      expect(http.statusCode).toBe(400);
      expect(http.json<{ errors: Array<{ path: string }> }>().errors[0]!.path).toBe('url');
      const loop = await p.user.post(`/api/v1/providers/${p.id}/webhooks`, { url: 'https://127.0.0.1/x' });
      expect(loop.statusCode).toBe(400);
      expect(loop.body).toContain('loopback');
    } finally {
      await strict.close();
    }
  });
});

describe('the notifications list', () => {
  it('shows staff what was sent, without the link tokens; providers cannot read it', async () => {
    const res = await h.analyst.get('/api/v1/notifications?channel=email&status=sent&limit=5');
    expect(res.statusCode).toBe(200);
    expect(res.json<{ items: unknown[] }>().items.length).toBeGreaterThan(0);
    expect(res.body).not.toContain('hl_');
    const p = await h.provider();
    expect((await p.user.get('/api/v1/notifications')).statusCode).toBe(404);
  });
});

describe('the reminder schedule is a setting', () => {
  it('sends reminders at the configured hours, and no escalation when turned off', async () => {
    const custom = await createHarness(FRIDAY_EVENING, {
      webhookPolicy: policy,
      settings: { reminders: { beforeDueHours: [6], escalateAtDue: false } },
    });
    try {
      const p = await custom.provider({ timezone: 'America/Chicago' });
      const tb = (
        await custom.analyst.post('/api/v1/tracebacks', {
          call: {
            startedAt: '2026-11-20T20:00:00Z',
            callingNumber: '2025550143',
            calledNumber: '3125550188',
          },
          firstProviderId: p.id,
        })
      ).json<TTraceback>();
      const planned = await custom.db
        .select({ kind: schema.scheduledNotices.kind, hours: schema.scheduledNotices.hoursBeforeDue })
        .from(schema.scheduledNotices)
        .where(eq(schema.scheduledNotices.hopId, tb.hops[0]!.id));
      expect(planned).toEqual([{ kind: 'reminder', hours: 6 }]);
    } finally {
      await custom.close();
    }
  });

  it('reads HOPTRACE_REMINDER_HOURS and refuses nonsense with a clear message', () => {
    expect(
      reminderScheduleFromEnv({ HOPTRACE_REMINDER_HOURS: '8, 1', HOPTRACE_ESCALATE_AT_DUE: 'false' }),
    ).toEqual({
      beforeDueHours: [8, 1],
      escalateAtDue: false,
    });
    expect(reminderScheduleFromEnv({})).toEqual({ beforeDueHours: [12, 2], escalateAtDue: true });
    expect(() => reminderScheduleFromEnv({ HOPTRACE_REMINDER_HOURS: 'soon' })).toThrow(
      /HOPTRACE_REMINDER_HOURS must be hours/,
    );
  });
});
