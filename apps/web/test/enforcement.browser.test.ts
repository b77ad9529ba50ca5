import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, newContext, signedIn, signInWithForm } from './support/browser';
import { fieldError, pickProvider, text, until } from './support/page';

const portal = inject('portal');
const HOPTRACE = fileURLToPath(new URL('../../cli/bin/hoptrace.js', import.meta.url));

/** The agency of the browser tier's demo enforcement user (apps/web/test/node/demo.ts). */
const AGENCY = 'State AG Robocall Unit (test)';

/**
 * Referrals in a real browser: an analyst refers a closed traceback to an agency from its page (a blank agency
 * is refused at the field); the agency's enforcement user signs in, finds it in "Referred tracebacks" and reads
 * it — path, origin, timeline — with no action to take; a traceback not referred to it is not there.
 */
describe.skipIf(!portal)('enforcement users read the tracebacks referred to their agency', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;
  let analyst: Page;
  let referred: string;
  let notReferred: string;

  beforeAll(async () => {
    browser = await launchChromium();
    analyst = (await signedIn(browser, url, sessions[demo.analyst.email])).page;
    const res = await analyst.request.get(
      '/api/v1/tracebacks?status=closed&outcome=origin_identified&limit=10',
    );
    const items = ((await res.json()) as { items: Array<{ id: string }> }).items;
    expect(items.length, 'the demo has closed tracebacks with an origin').toBeGreaterThanOrEqual(2);
    referred = items[0]!.id;
    notReferred = items[1]!.id;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the analyst refers a closed traceback to the agency; no agency chosen is refused at the field', async () => {
    await analyst.goto(`/tracebacks/${referred}`);
    const panel = analyst.getByTestId('referrals');
    await panel.waitFor();
    expect(await text(panel)).toContain('Not referred to any agency');
    await panel.getByRole('button', { name: 'Refer to agencies…' }).click();
    const form = analyst.getByRole('form', { name: 'Refer to agencies' });
    await form.getByRole('button', { name: 'Refer', exact: true }).click();
    const agencies = form.getByLabel(/^Agencies/);
    expect(await fieldError(agencies)).toBe('Choose at least one agency, or all agencies');
    // The directory's agencies are offered as you type.
    await agencies.click();
    await agencies.fill('State AG');
    await analyst.getByRole('option', { name: new RegExp(`^${AGENCY.replace(/[()]/g, '\\$&')}`) }).click();
    await form.getByLabel('Note for the agencies').fill('Origin identified; LOA on file.');
    await form.getByRole('button', { name: 'Refer', exact: true }).click();
    const row = panel.getByRole('row').filter({ hasText: AGENCY });
    await row.waitFor();
    expect(await text(row)).toContain('Origin identified; LOA on file.');
    expect(await row.getByRole('button', { name: `Withdraw the referral to ${AGENCY}` }).isVisible()).toBe(
      true,
    );
    const event = analyst.locator('[data-event-type="traceback.referred"]');
    await event.waitFor();
    expect(await text(event)).toContain(`Referred to ${AGENCY}`);
  });

  it('the enforcement user signs in, sees it under "Referred tracebacks" and reads it read-only', async () => {
    const context = await newContext(browser, url);
    const page = await context.newPage();
    await page.goto('/login');
    await signInWithForm(page, demo.enforcement);
    await page.getByRole('link', { name: 'Referred tracebacks' }).click();
    const list = page.getByRole('table', { name: 'Tracebacks referred to your agency' });
    await list.waitFor();
    await until(
      async () => expect(await list.locator('[data-traceback-id]').count()).toBe(1),
      'one referred traceback in the list',
    );
    expect(await list.locator(`[data-traceback-id="${referred}"]`).count()).toBe(1);
    await list.locator(`[data-traceback-id="${referred}"] a`).first().click();
    await page.waitForURL(`**/tracebacks/${referred}`);
    await page.getByText('Origin customer (CPNI)').waitFor();
    await page.getByTestId('path-end').waitFor();
    expect(await text(page.getByTestId('path-end'))).toContain('originated the call');
    const panel = page.getByTestId('referrals');
    await panel.waitFor();
    expect(await text(panel)).toContain(AGENCY);
    // Read-only: no steering, no referral form, no withdrawal.
    for (const name of [/^Cancel/, /^Close/, /^Reopen/, /^Reassign/, /^Refer to agenc/, /^Withdraw/])
      expect(await page.getByRole('button', { name }).count(), String(name)).toBe(0);
    const event = page.locator('[data-event-type="traceback.referred"]');
    await event.waitFor();
    expect(await text(event)).toContain(`Referred to ${AGENCY}`);

    // The agency downloads a signed evidence package of the case; it verifies, and building it is on the timeline.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download evidence package' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^evidence-[0-9a-f-]{36}\.zip$/);
    // `hoptrace evidence verify` (the real command, offline) accepts it with the key the instance publishes.
    const zip = await download.path();
    const key = join(tmpdir(), `hoptrace-browser-key-${process.pid}.pem`);
    writeFileSync(key, await (await page.request.get('/api/v1/evidence/public-key')).text());
    const verified = await promisify(execFile)(process.execPath, [
      HOPTRACE,
      'evidence',
      'verify',
      zip,
      '--public-key',
      key,
    ]);
    expect(verified.stdout).toMatch(/^verified: \d+ files, signed by key [0-9a-f]{64}\n$/);
    rmSync(key);
    await page.locator('[data-event-type="evidence.built"]').waitFor();

    // Printed, the page is the case alone: the path and the origin, without the menu, header or buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('evidence-package').isVisible()).toBe(false);
    expect(await page.locator('.mantine-AppShell-navbar').isVisible()).toBe(false);
    expect(await page.locator('.mantine-AppShell-header').isVisible()).toBe(false);
    expect(await page.getByRole('button').first().isVisible()).toBe(false);
    expect(await page.getByTestId('path-end').isVisible()).toBe(true);
    expect(await page.getByText('Origin customer (CPNI)').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    expect(await page.locator('.mantine-AppShell-navbar').isVisible()).toBe(true);

    // A traceback not referred to the agency is the same "not found" as a missing one.
    await page.goto(`/tracebacks/${notReferred}`);
    await page.getByRole('heading', { name: 'Nothing here' }).waitFor();
    await context.close();
  });
});

/**
 * The enforcement desk end to end: the agency's user asks for an urgent traceback with evidence (a blank reason
 * refused at the field); the analyst accepts it from the queue, which opens the traceback marked urgent; the
 * analyst refers it to all agencies at once; the agency's user then finds it on its home, referred, and reads it.
 * Runs after the referral tests above (same file, in order), whose counts it would otherwise change.
 */
describe.skipIf(!portal)('an agency asks, staff accept and refer to all, the agency reads the result', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;
  const callingNumber = '+12025550199';

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('submit → accept → refer to all → the agency sees it', async () => {
    const agent = (await signedIn(browser, url, sessions[demo.enforcement.email])).page;
    await agent.goto('/');
    await agent.waitForURL('**/requests');
    await agent.getByRole('button', { name: 'Ask for a traceback…' }).click();
    const form = agent.getByRole('form', { name: 'Ask for a traceback' });
    await form.getByRole('button', { name: 'Send the request' }).click();
    expect(await fieldError(form.getByLabel(/^Why it matters/))).toBe('must not be blank');
    const yesterday = new Date(Date.now() - 24 * 3_600_000);
    const local = new Date(yesterday.getTime() - yesterday.getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 16);
    await form.getByLabel(/^Call time/).fill(local);
    await form.getByLabel(/^Calling number/).fill('202-555-0199');
    await form.getByLabel(/^Called number/).fill('614-555-0177');
    await pickProvider(agent, /^Terminating provider/, demo.providers[0]!.name);
    await form.getByRole('combobox', { name: /^Urgency/ }).click();
    await agent.getByRole('option', { name: /^Urgent/ }).click();
    await form.getByLabel(/^Why it matters/).fill('Swatting call in progress against a fictional victim');
    await form.locator('input[type=file]').setInputFiles({
      name: 'complaint.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
    });
    await form.getByRole('button', { name: 'Send the request' }).click();
    const mine = agent.getByRole('table', { name: 'Your requests' });
    await mine.waitFor();
    const row = mine.getByRole('row').filter({ hasText: '555-0199' });
    await row.waitFor();
    expect(await text(row)).toContain('Pending');
    expect(await text(row)).toContain('Urgent');

    // The analyst accepts it from the queue (urgent first).
    const analyst = (await signedIn(browser, url, sessions[demo.analyst.email])).page;
    const pending = (await (
      await analyst.request.get('/api/v1/traceback-requests?status=pending')
    ).json()) as {
      items: Array<{ id: string; call: { callingNumber: string } }>;
    };
    const request = pending.items.find((r) => r.call.callingNumber === callingNumber)!;
    expect(pending.items[0]!.id, 'urgent first').toBe(request.id);
    await analyst.goto('/requests');
    const queued = analyst.locator(`[data-request-id="${request.id}"]`);
    await queued.waitFor();
    expect(await text(queued)).toContain('complaint.pdf');
    await queued.getByRole('button', { name: 'Accept' }).click();
    const dialog = analyst.getByRole('form', { name: 'Accept the request' });
    await dialog.getByRole('button', { name: 'Accept and open the traceback' }).click();
    await queued.waitFor({ state: 'detached' });
    const accepted = (await (
      await analyst.request.get(`/api/v1/traceback-requests/${request.id}`)
    ).json()) as {
      status: string;
      traceback: { id: string };
    };
    expect(accepted.status).toBe('accepted');
    const tracebackId = accepted.traceback.id;

    // The traceback is marked urgent; the analyst refers it to all agencies at once.
    await analyst.goto(`/tracebacks/${tracebackId}`);
    await analyst.locator('[data-urgent]').first().waitFor();
    const panel = analyst.getByTestId('referrals');
    await panel.waitFor();
    await panel.getByRole('button', { name: 'Refer to agencies…' }).click();
    const refer = analyst.getByRole('form', { name: 'Refer to agencies' });
    await refer.getByLabel('All agencies in the directory').check();
    await refer.getByRole('button', { name: 'Refer', exact: true }).click();
    for (const name of [
      AGENCY,
      'Federal Communications Commission, Enforcement Bureau',
      'Federal Trade Commission',
    ])
      await panel.getByRole('row').filter({ hasText: name }).first().waitFor();

    // The agency's user sees it on its home: the request referred to it, and in the referred list, urgent.
    await agent.goto('/requests');
    const result = agent
      .getByRole('table', { name: 'Your requests' })
      .getByRole('row')
      .filter({ hasText: '555-0199' });
    await result.getByRole('link', { name: /referred to you/ }).waitFor();
    const list = agent.getByRole('list', { name: 'Referred to your agency' });
    const item = list.locator(`[data-traceback-id="${tracebackId}"]`);
    await item.waitFor();
    expect(await text(item)).toContain('Urgent');
    await item.getByRole('link').click();
    await agent.waitForURL(`**/tracebacks/${tracebackId}`);
    await agent.locator('[data-urgent]').first().waitFor();
  });
});

/** The agencies directory in the admin's portal, and an enforcement user placed in an agency from it. */
describe.skipIf(!portal)('an admin keeps the agencies directory', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('adds an agency (a blank name is refused at the field) and a user of it', async () => {
    const admin = (await signedIn(browser, url, sessions[demo.admin.email])).page;
    await admin.goto('/');
    await admin.getByRole('link', { name: 'Agencies' }).click();
    await admin.getByRole('table', { name: 'Agencies' }).waitFor();
    await admin.getByRole('button', { name: 'Add an agency' }).click();
    const form = admin.getByRole('form', { name: 'Add an agency' });
    await form.getByRole('button', { name: 'Save' }).click();
    expect(await fieldError(form.getByLabel(/^Name/))).toBe('must not be blank');
    await form.getByLabel(/^Name/).fill('Travis County DA (test)');
    await form.getByRole('combobox', { name: /^Kind/ }).click();
    await admin.getByRole('option', { name: 'Local' }).click();
    await form.getByLabel(/^Jurisdiction/).fill('Travis County, TX');
    await form.getByRole('button', { name: 'Add a contact' }).click();
    await form.getByLabel(/^Email/).fill('not-an-email');
    await form.getByRole('button', { name: 'Save' }).click();
    expect(await fieldError(form.getByLabel(/^Email/))).not.toBe('');
    await form.getByLabel(/^Name/).nth(1).fill('Intake desk');
    await form.getByLabel(/^Email/).fill('intake@da.agency.example');
    await form.getByRole('button', { name: 'Save' }).click();
    const row = admin.getByRole('row').filter({ hasText: 'Travis County DA (test)' });
    await row.waitFor();
    expect(await text(row)).toContain('intake@da.agency.example');

    await admin.getByRole('link', { name: 'Users and keys' }).click();
    await admin.getByRole('button', { name: 'Add a user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Add a user' });
    await dialog.getByLabel(/^Email/).fill('investigator@da.agency.example');
    await dialog.getByLabel(/^Name/).fill('DA Investigator');
    await dialog.getByRole('combobox', { name: /^Role/ }).click();
    await admin.getByRole('option', { name: /^Enforcement/ }).click();
    await dialog.getByRole('button', { name: 'Add the user' }).click();
    const agency = dialog.getByRole('combobox', { name: /^Agency it acts for/ });
    expect(await fieldError(agency)).toBe('an enforcement user must name its agency');
    await agency.click();
    await admin.getByRole('option', { name: /^Travis County DA \(test\)/ }).click();
    await dialog.getByRole('button', { name: 'Add the user' }).click();
    await dialog.waitFor({ state: 'detached' });
    const users = (await (await admin.request.get('/api/v1/users?role=enforcement')).json()) as {
      items: Array<{ email: string; agency: string | null }>;
    };
    expect(users.items.find((u) => u.email === 'investigator@da.agency.example')?.agency).toBe(
      'Travis County DA (test)',
    );
  });
});
