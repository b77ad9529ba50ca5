import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './testing/harness';
import { startMailbox } from './testing/mailbox';
import { createEmailTransport } from './worker/email';
import { dispatchOnce, type DispatcherOptions } from './worker/dispatcher';

// Issue 19.5: a provider contact added for the first time is welcomed once, through the outbox and SMTP.
const PUBLIC_URL = 'https://hoptrace.example';

let h: Harness;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let dispatcher: DispatcherOptions;

beforeAll(async () => {
  h = await createHarness();
  mailbox = await startMailbox();
  dispatcher = {
    db: h.db,
    clock: h.clock,
    email: createEmailTransport({ smtpUrl: mailbox.url, mailDir: '/nonexistent' }),
    mailFrom: 'hoptrace <noreply@hoptrace.test>',
    publicUrl: PUBLIC_URL,
    webhookPolicy: { allowHttp: true, allowPrivateNetworks: true },
  };
});
afterAll(async () => {
  await mailbox.stop();
  await h.close();
});

/** Sends what the outbox holds, then the welcomes each address received in all. */
async function welcomesTo(address: string) {
  await dispatchOnce(dispatcher);
  return mailbox.received.filter(
    (m) => m.to.includes(address) && /traceback contact on hoptrace/.test(m.subject ?? ''),
  );
}

describe('welcome email for new provider contacts', () => {
  it('a provider created by staff welcomes each of its contacts once, explaining requests, the 24-hour rule and the ways to answer', async () => {
    const p = await h.provider({
      name: 'Fictional Welcome Telecom',
      timezone: 'America/Denver',
      contacts: [
        { name: 'Traceback desk', email: 'desk@welcome.example' },
        { name: 'Duplicate in capitals', email: 'DESK@welcome.example' },
      ],
      escalationContacts: [
        { name: 'NOC on call', email: 'noc@welcome.example' },
        { name: 'Desk again', email: 'desk@welcome.example' },
      ],
    });
    const [desk, ...moreDesk] = await welcomesTo('desk@welcome.example');
    expect(moreDesk).toHaveLength(0);
    expect(desk!.subject).toBe('Fictional Welcome Telecom: you are now a traceback contact on hoptrace');
    const text = desk!.text.replace(/\s+/g, ' ');
    expect(text).toContain('Hello Traceback desk,');
    expect(text).toContain('traceback requests to Fictional Welcome Telecom will be emailed to this address');
    expect(text).toContain('A traceback request asks about one illegal robocall');
    expect(text).toContain('within 24 hours of receipt (47 CFR 64.1200(n)(1))');
    expect(text).toContain('8:00 a.m. the next business day');
    expect(text).toContain('America/Denver');
    // The four ways to answer: the link, the portal, the API, a bulk file.
    expect(text).toContain('each request email carries a link that answers that one request');
    expect(text).toContain(`${PUBLIC_URL}/inbox`);
    expect(text).toContain(`${PUBLIC_URL}/api/docs`);
    expect(text).toMatch(/download your open requests as CSV .* upload the file/);
    const [noc, ...moreNoc] = await welcomesTo('noc@welcome.example');
    expect(moreNoc).toHaveLength(0);
    expect(noc!.text.replace(/\s+/g, ' ')).toContain(
      'You are listed as an escalation contact for Fictional Welcome Telecom',
    );

    // Changing the contacts welcomes only the address that is new; one removed and added back is not welcomed again.
    let res = await h.analyst.patch(`/api/v1/providers/${p.id}`, {
      contacts: [{ name: 'New analyst', email: 'analyst2@welcome.example' }],
    });
    expect(res.statusCode, res.body).toBe(200);
    res = await h.analyst.patch(`/api/v1/providers/${p.id}`, {
      contacts: [
        { name: 'New analyst', email: 'analyst2@welcome.example' },
        { name: 'Traceback desk', email: 'Desk@Welcome.example' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await welcomesTo('analyst2@welcome.example')).toHaveLength(1);
    expect(await welcomesTo('desk@welcome.example')).toHaveLength(1);

    // The provider's own users add a contact (self-service): welcomed too.
    res = await p.user.patch(`/api/v1/providers/${p.id}`, {
      escalationContacts: [{ name: 'Night shift', email: 'night@welcome.example' }],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await welcomesTo('night@welcome.example')).toHaveLength(1);
    // A change that leaves the contacts alone sends nothing.
    const before = mailbox.received.length;
    res = await h.analyst.patch(`/api/v1/providers/${p.id}`, { timezone: 'America/Chicago' });
    expect(res.statusCode, res.body).toBe(200);
    await dispatchOnce(dispatcher);
    expect(mailbox.received.length).toBe(before);
  });

  it('the same address at another provider is welcomed for that provider', async () => {
    await h.provider({
      name: 'Fictional Second Carrier',
      contacts: [{ name: 'Shared NOC', email: 'noc@welcome.example' }],
    });
    const welcomes = await welcomesTo('noc@welcome.example');
    expect(welcomes.map((m) => m.subject)).toEqual([
      'Fictional Welcome Telecom: you are now a traceback contact on hoptrace',
      'Fictional Second Carrier: you are now a traceback contact on hoptrace',
    ]);
  });
});
