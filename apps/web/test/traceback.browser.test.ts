import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, newContext, signedIn, signInWithForm } from './support/browser';
import { linkInEmail, pickProvider, text, until } from './support/page';

const portal = inject('portal');

/**
 * The flow people depend on, in a real browser against a real server: an
 * analyst opens a traceback, the first provider answers from its inbox, the
 * next answers through the one-hop link in the email the worker sent it, and
 * the analyst watches the path grow and close. A third provider cannot reach
 * their hop.
 */
describe.skipIf(!portal)('a traceback from opening to origin, in the portal', () => {
  const { url, demo, flow, sessions, mailDir } = portal ?? NO_PORTAL;
  let browser: Browser;
  let analyst: Page;
  let tracebackUrl: string;
  let secondHopId: string;
  const errors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const watch = (page: Page) => {
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      // A 401 from "who am I" before signing in, and 404s the test provokes, are expected answers.
      if (m.type() === 'error' && !/status of (401|404)/.test(m.text()))
        errors.push(`${page.url()}: ${m.text()}`);
    });
    return page;
  };

  const [a, b, c] = [flow[0]!, flow[1]!, flow[2]!];

  it('the analyst opens a traceback with pasted numbers and sees the first request', async () => {
    analyst = watch((await signedIn(browser, url, sessions[demo.analyst.email])).page);
    await analyst.goto('/dashboard');
    await analyst.getByRole('link', { name: 'Open a traceback' }).first().click();
    await analyst.getByLabel(/^Call time/).fill('2026-11-01 14:03');
    await analyst.getByLabel(/^Calling number/).fill('(202) 555-0143');
    await analyst.getByLabel(/^Called number/).fill('312.555.0188');
    expect(await text(analyst.getByText('Saved as +1 312-555-0188'))).toBe('Saved as +1 312-555-0188');
    await pickProvider(analyst, /^First provider to ask/, a.name);
    await analyst.getByRole('button', { name: 'Open the traceback' }).click();
    await analyst.waitForURL(/\/tracebacks\/[0-9a-f-]{36}$/);
    tracebackUrl = new URL(analyst.url()).pathname;
    const hop1 = analyst.locator('[data-hop-seq="1"]');
    expect(await text(hop1)).toContain(a.name);
    expect(await hop1.getAttribute('data-hop-status')).toBe('pending');
    expect(await text(analyst.getByTestId('path-end'))).toBe(`Waiting for ${a.name} to answer.`);
    expect(await text(analyst.getByRole('heading', { level: 1 }))).toContain('+1 202-555-0143');
  });

  it('the first provider answers from its inbox, naming its upstream from the directory', async () => {
    const { page } = await signedIn(browser, url, sessions[a.user.email]);
    watch(page);
    await page.goto('/');
    await page.waitForURL('**/inbox');
    const card = page.locator('li[data-hop-id]');
    await until(async () => expect(await card.count()).toBe(1), 'one request in the inbox');
    expect(await text(card)).toContain('+1 202-555-0143 called +1 312-555-0188');
    expect(await card.locator('[data-urgency]').textContent()).toMatch(/^due in /);
    await card.getByRole('link', { name: /^Answer/ }).click();
    await page.getByLabel('Another provider handed us the call').check();
    await pickProvider(page, /^Upstream provider/, b.name);
    await page.getByLabel('Comment').fill('Arrived on our SIP trunk 4 from them.');
    await page.getByRole('button', { name: 'Send the answer' }).click();
    await page.getByTestId('given-answer').waitFor();
    expect(await text(page.getByTestId('given-answer'), { lower: true })).toContain(
      `upstream ${b.name}`.toLowerCase(),
    );
    await page.goto('/inbox');
    await page.getByText('Nothing waiting for you').waitFor();
    await page.context().close();
  });

  it('the analyst sees the path grow to the second provider', async () => {
    await analyst.reload();
    const hop2 = analyst.locator('[data-hop-seq="2"]');
    await hop2.waitFor();
    expect(await text(hop2)).toContain(b.name);
    expect(await hop2.getAttribute('data-hop-status')).toBe('pending');
    expect(await text(analyst.locator('[data-hop-seq="1"]'))).toContain(`Received it from ${b.name}`);
    expect(await text(analyst.locator('[data-event-type="hop.answered"]'))).toContain(
      `${a.name} named ${b.name} as its upstream via portal`,
    );
    const api = await analyst.request.get(`/api/v1${tracebackUrl}`);
    secondHopId = ((await api.json()) as { hops: Array<{ id: string; seq: number }> }).hops.find(
      (h) => h.seq === 2,
    )!.id;
  });

  it('the next provider follows the link in its email and lands straight on the answer form, no sign-in', async () => {
    const link = await linkInEmail(mailDir, b.contactEmail, secondHopId);
    const context = await newContext(browser, url, { timezoneId: 'America/Los_Angeles' });
    const page = watch(await context.newPage());
    await page.goto(link);
    await page.getByRole('form', { name: 'Your answer' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/hop/${secondHopId}`);
    expect(await text(page.locator('main'), { lower: true })).toContain(`handed to ${a.name}`.toLowerCase());
    await page.getByLabel('We originated it: the caller is our customer').check();
    await page.getByLabel(/^Customer name/).fill('Brightpath Outreach LLC (fictional)');
    await page.getByLabel(/^Account reference/).fill('ACCT-20417');
    await page.getByRole('combobox', { name: /^What you did about the traffic/ }).click();
    await page.getByRole('option', { name: 'Customer terminated' }).click();
    await page.getByRole('button', { name: 'Send the answer' }).click();
    await page.getByTestId('given-answer').waitFor();
    expect(await text(page.getByTestId('given-answer'), { lower: true })).toContain('originated the call');
    // The link reaches this hop only: the rest of the portal still asks who you are.
    await page.goto('/inbox');
    await page.waitForURL(/\/login\?next=/);
    await context.close();
  });

  it('without a link token, /hop/:id asks the provider to sign in, then opens that hop', async () => {
    const context = await newContext(browser, url);
    const page = watch(await context.newPage());
    await page.goto(`/hop/${secondHopId}`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByText('Sign in to answer this traceback request.').waitFor();
    await signInWithForm(page, b.user);
    expect(new URL(page.url()).pathname).toBe(`/hops/${secondHopId}`);
    await page.getByTestId('given-answer').waitFor();
    expect(await text(page.getByTestId('given-answer'), { lower: true })).toContain('via email link');
    await context.close();
  });

  it('the analyst sees the traceback closed with the origin, and the whole timeline', async () => {
    await analyst.reload();
    await analyst.getByTestId('path-end').waitFor();
    expect(await text(analyst.getByTestId('path-end'))).toBe(`${b.name} originated the call.`);
    expect(await text(analyst.getByRole('heading', { level: 1 }))).toContain('Origin identified');
    expect(await analyst.locator('[data-hop-seq]').count()).toBe(2);
    expect(
      await text(analyst.getByRole('heading', { name: 'Origin customer (CPNI)' }).locator('xpath=../..')),
    ).toContain('Brightpath Outreach LLC (fictional)');
    const events = await analyst
      .locator('[data-event-type]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-event-type')));
    expect(events).toEqual(
      expect.arrayContaining([
        'traceback.opened',
        'hop.requested',
        'hop.answered',
        'traceback.closed',
        'origin.viewed',
      ]),
    );
    // Closed: the only action left is to reopen it.
    expect(await analyst.getByRole('button', { name: 'Reopen…' }).count()).toBe(1);
    expect(await analyst.getByRole('button', { name: 'Cancel…' }).count()).toBe(0);
  });

  it('another provider reaching that hop by URL gets the not-found page, as for a hop that does not exist', async () => {
    const { page, context } = await signedIn(browser, url, sessions[c.user.email]);
    watch(page);
    for (const path of [
      `/hop/${secondHopId}`,
      `/hops/${secondHopId}`,
      '/hops/00000000-0000-4000-8000-000000000000',
    ]) {
      await page.goto(path);
      await page.locator('[data-error-page="404"]').waitFor();
      expect(await text(page.getByRole('heading', { level: 1 }))).toBe('Nothing here');
      expect(await page.getByText('Brightpath').count()).toBe(0);
    }
    // Staff screens are not part of a provider's portal.
    await page.goto(tracebackUrl);
    await page.locator('[data-error-page="403"]').waitFor();
    await context.close();
  });

  it('a link with a wrong token opens nothing and points to signing in', async () => {
    const context = await newContext(browser, url);
    const page = watch(await context.newPage());
    await page.goto(`/hop/${secondHopId}#t=hl_not-a-real-token`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await text(alert)).toContain('This link is not valid.');
    expect(await page.getByText('Brightpath').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Sign in to answer' }).getAttribute('href')).toBe(
      `/hops/${secondHopId}`,
    );
    await context.close();
  });

  it('had no script errors on the way', () => {
    expect(errors).toEqual([]);
  });
});
