import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { TPublicStatistics } from '@hoptrace/contracts';
import { NO_PORTAL } from './support/portal';
import { launchChromium, newContext, signedIn } from './support/browser';

const portal = inject('portal');

/** The public statistics page (decision 0028): figures and charts for anyone, signed in or not. */
describe.skipIf(!portal)('public statistics', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the demo year figures and charts without signing in', async () => {
    const context = await newContext(browser, url);
    const page = await context.newPage();
    const year = new Date().getUTCFullYear();
    const api = (await (
      await page.request.get(`/api/v1/public/statistics?year=${year}`)
    ).json()) as TPublicStatistics;
    expect(api.tracebacks).toBeGreaterThan(0);
    await page.goto('/statistics');
    expect(new URL(page.url()).pathname).toBe('/statistics');
    await page.getByRole('heading', { name: 'Traceback statistics' }).waitFor();
    expect(await page.getByTestId('metric-tracebacks').innerText()).toBe(
      api.tracebacks.toLocaleString('en-US'),
    );
    expect(await page.getByTestId('metric-averageHops').innerText()).toBe(
      api.averageHops === null ? '—' : api.averageHops.toFixed(1),
    );
    // The charts draw (recharts' SVG), with their data as tables for screen readers.
    await page.locator('.recharts-surface').first().waitFor();
    expect(await page.locator('.recharts-bar-rectangle').count()).toBeGreaterThan(0);
    expect(await page.getByText('Tracebacks and providers per month').count()).toBe(1);
    expect(await page.getByText('Provisional').first().isVisible()).toBe(true);
    expect(await page.getByTestId('non-cooperative').innerText()).toContain('None has been published');
    // No publish control for the public.
    expect(await page.getByRole('button', { name: /Publish/ }).count()).toBe(0);
    const csv = await page.request.get(
      (await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href'))!,
    );
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    expect((await csv.text()).split('\r\n')[1]).toMatch(
      new RegExp(`^${year},provisional,,${api.tracebacks},`),
    );
    await context.close();
  });

  it('lets a signed-in analyst publish an ended month', async () => {
    const { context, page } = await signedIn(browser, url, sessions[demo.analyst.email]);
    await page.goto('/statistics');
    const last = new Date();
    last.setUTCDate(0); // the last day of the month before
    const month = `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, '0')}`;
    if (last.getUTCFullYear() !== new Date().getUTCFullYear()) {
      await context.close();
      return; // January: the month before belongs to the other year's page
    }
    await page.getByRole('button', { name: `Publish ${month}` }).click();
    await page.getByRole('button', { name: `Publish ${month}` }).waitFor({ state: 'detached' });
    const api = (await (await page.request.get('/api/v1/public/statistics')).json()) as TPublicStatistics;
    expect(api.months.find((m) => m.month === month)?.status).toBe('published');
    await context.close();
  });
});
