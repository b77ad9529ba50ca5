import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, signedIn } from './support/browser';
import { text, until } from './support/page';

const portal = inject('portal');

interface TracebackView {
  hops: Array<{ providerId: string; providerName: string; status: string }>;
}

/**
 * The scorecard table ranks the demo's worst providers: the unanswered requests per provider are counted
 * here from the tracebacks themselves (through the API, one traceback at a time), and the table sorted by
 * "Never answered" must put a provider with the most of them first, with that count.
 */
describe.skipIf(!portal)('scorecards', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = (await signedIn(browser, url, sessions[demo.analyst.email])).page;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('ranks the providers that left most requests unanswered first, and exports the table', async () => {
    const never = new Map<string, { name: string; n: number }>();
    let cursor: string | undefined;
    do {
      const res = await page.request.get(
        `${url}/api/v1/tracebacks?outcome=non_responsive&status=closed&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status(), await res.text()).toBe(200);
      const list = (await res.json()) as { items: Array<{ id: string }>; nextCursor: string | null };
      for (const item of list.items) {
        const tb = (await (
          await page.request.get(`${url}/api/v1/tracebacks/${item.id}`)
        ).json()) as TracebackView;
        for (const h of tb.hops.filter((x) => x.status === 'non_responsive')) {
          const e = never.get(h.providerId) ?? { name: h.providerName, n: 0 };
          e.n++;
          never.set(h.providerId, e);
        }
      }
      cursor = list.nextCursor ?? undefined;
    } while (cursor);
    const worst = Math.max(...[...never.values()].map((e) => e.n));
    expect(worst, 'the demo has non-responsive hops').toBeGreaterThan(0);
    const worstNames = [...never.values()].filter((e) => e.n === worst).map((e) => e.name);

    await page.goto(`${url}/scorecards`);
    const table = page.getByRole('table', { name: 'Scorecards' });
    await table.waitFor();
    // The figures are recomputed every few minutes; other test files may have changed the demo since.
    const asOfOf = () => page.getByTestId('scorecards-as-of').getAttribute('data-as-of');
    const asOf = await until(
      async () => (await asOfOf()) ?? Promise.reject(new Error('no figures yet')),
      'figures',
    );
    await page.getByRole('button', { name: 'Recompute now' }).click();
    await until(async () => expect(await asOfOf()).not.toBe(asOf), 'recomputed');
    await page.getByRole('button', { name: 'Never answered' }).click();
    await until(async () => {
      expect(await table.locator('th[aria-sort="descending"]').innerText()).toContain('Never answered');
    }, 'the table sorted by never answered');
    const firstRow = table.locator('tbody tr').first();
    await until(async () => {
      const cells = firstRow.locator('td');
      const name = await text(cells.nth(0).locator('a'));
      expect(worstNames).toContain(name);
      expect(await text(cells.nth(4))).toBe(String(worst));
    }, 'the worst provider first');

    // The default order is the worst status first: the first row is never better than any row below it.
    await page.goto(`${url}/scorecards`);
    await table.waitFor();
    const rank = { 'Non-cooperative': 2, Watch: 1, Cooperative: 0 } as Record<string, number>;
    const statuses = await until(async () => {
      const s = await table.locator('tbody tr td:nth-child(2) .mantine-Badge-label').allInnerTexts();
      expect(s.length).toBeGreaterThan(1);
      return s.map((x) => rank[x.trim()] ?? -1);
    }, 'statuses');
    expect(statuses).toEqual([...statuses].sort((a, b) => b - a));
    expect(statuses[0]).toBeGreaterThan(0);

    // The CSV export is the same table as a download.
    const csv = await page.request.get(`${url}/api/v1/scorecards?format=csv&sort=-never`);
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    const second = (await csv.text()).split('\r\n')[1]!;
    expect(worstNames.some((n) => second.includes(n))).toBe(true);
  });
});
