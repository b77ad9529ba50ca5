import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TProvider } from '@hoptrace/contracts';
import { createHarness, expectProblem, type Harness } from './testing/harness';

/**
 * Provider self-service: a provider's own users keep its contacts, escalation contacts, business hours, time
 * zone and one-hop link policy (what the portal's settings page sends); identity fields stay the consortium's,
 * and another provider's settings are out of reach.
 */

let h: Harness;
let a: Awaited<ReturnType<Harness['provider']>>;
let b: Awaited<ReturnType<Harness['provider']>>;

beforeAll(async () => {
  h = await createHarness();
  a = await h.provider();
  b = await h.provider();
});
afterAll(() => h.close());

const SETTINGS = {
  contacts: [{ name: 'NOC', email: 'noc@fictional-a.example', phone: '+1 202 555 0101' }],
  escalationContacts: [{ name: 'On-call manager', email: 'oncall@fictional-a.example' }],
  businessHours: {
    days: [1, 2, 3, 4, 5, 6],
    open: '07:30',
    close: '19:00',
    holidays: 'none',
    extraClosedDates: ['2026-12-24'],
  },
  timezone: 'America/Denver',
  allowLinkAnswers: false,
};

describe('provider settings', () => {
  it("a provider user saves all of its own provider's settings at once", async () => {
    const res = await a.user.patch(`/api/v1/providers/${a.id}`, SETTINGS);
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json<TProvider>();
    expect(p).toMatchObject(SETTINGS);
    expect(p.can.update).toBe(true);
    expect((await h.analyst.get(`/api/v1/providers/${a.id}`)).json<TProvider>()).toMatchObject(SETTINGS);
  });

  it('bad settings are refused at the field', async () => {
    const url = `/api/v1/providers/${a.id}`;
    expectProblem(await a.user.patch(url, { businessHours: { open: '25:00' } }), 400, ['businessHours.open']);
    expectProblem(await a.user.patch(url, { businessHours: { open: '18:00', close: '09:00' } }), 400, [
      'businessHours.close',
    ]);
    expectProblem(await a.user.patch(url, { timezone: 'EST' }), 400, ['timezone']);
    expectProblem(await a.user.patch(url, { escalationContacts: [{ name: 'x', email: 'nope' }] }), 400, [
      'escalationContacts.0.email',
    ]);
    expectProblem(await a.user.patch(url, { allowLinkAnswers: 'no' }), 400, ['allowLinkAnswers']);
  });

  it("another provider's users neither read its contacts nor change its settings", async () => {
    const seen = (await b.user.get(`/api/v1/providers/${a.id}`)).json<TProvider>();
    expect(seen.contacts).toBeUndefined();
    expect(seen.can.update).toBe(false);
    expectProblem(await b.user.patch(`/api/v1/providers/${a.id}`, { timezone: 'UTC' }), 404);
    expectProblem(await b.user.get(`/api/v1/providers/${a.id}/webhooks`), 404);
  });
});
