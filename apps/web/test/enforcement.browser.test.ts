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
import { fieldError, text, until } from './support/page';

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

  it('the analyst refers a closed traceback to the agency; a blank agency is refused at the field', async () => {
    await analyst.goto(`/tracebacks/${referred}`);
    const panel = analyst.getByTestId('referrals');
    await panel.waitFor();
    expect(await text(panel)).toContain('Not referred to any agency');
    await panel.getByRole('button', { name: 'Refer to agency…' }).click();
    const form = analyst.getByRole('form', { name: 'Refer to agency' });
    await form.getByRole('button', { name: 'Refer', exact: true }).click();
    const agency = form.getByLabel(/^Agency/);
    expect(await fieldError(agency)).toBe('Name the agency');
    // The agency of an enforcement user is offered as you type.
    await agency.fill('State AG');
    await analyst.getByRole('option', { name: AGENCY }).click();
    await form.getByLabel('Note for the agency').fill('Origin identified; LOA on file.');
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
    for (const name of [/^Cancel/, /^Close/, /^Reopen/, /^Reassign/, /^Refer to agency/, /^Withdraw/])
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
