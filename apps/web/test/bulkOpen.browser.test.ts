import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, signedIn } from './support/browser';

const portal = inject('portal');

/** Opening tracebacks from a CSV on the new-traceback page: the per-row report (decision 0035). */
describe.skipIf(!portal)('bulk open', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('uploads a CSV and shows each row that did not open with its line, column and message', async () => {
    const { page, context } = await signedIn(browser, url, sessions[demo.analyst.email]);
    await page.goto('/tracebacks/new');
    const provider = demo.providers[0]!;
    const when = new Date(Date.now() - 3_600_000).toISOString();
    const csv = [
      'call_time,calling_number,called_number,first_provider,campaign,note',
      `${when},+12025550161,+13125550177,${provider.id},,`,
      `${when},+12025550162,+13125550177,${provider.name},,`,
      `${when},+12025550163,12,${provider.id},,`,
    ].join('\n');
    await page.locator('input[type="file"]').setInputFiles({
      name: 'calls.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.getByRole('button', { name: 'Open tracebacks' }).click();
    const report = page.getByTestId('bulk-open-report');
    await report.waitFor();
    expect(await report.innerText()).toContain('2 opened, 0 already had a traceback, 1 refused (3 rows)');
    const row = report.getByRole('row').nth(1);
    expect(await row.innerText()).toMatch(/^4\s+refused\s+called_number\s+\S/);
    await context.close();
  });
});
