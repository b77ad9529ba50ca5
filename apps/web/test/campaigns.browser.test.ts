import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { APIRequestContext, Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, signedIn } from './support/browser';
import { contrastFailures } from './support/contrast';
import { fieldError, pickProvider, text, until } from './support/page';

const portal = inject('portal');

const SOURCE = 'honeypot-browser-test';
const NAMES = ['Daniel', 'Maria', 'Kevin', 'Linda', 'Robert', 'Susan', 'James', 'Karen'];

/** Two scripts, eight calls each, in the last hours: the parts that vary are amounts, numbers and references. */
function records(now: number) {
  const calls = [];
  for (let i = 0; i < 8; i++) {
    const at = (minutes: number) => new Date(now - minutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    calls.push({
      externalId: `ssa-${i}`,
      startedAt: at(20 + i * 7),
      callingNumber: `+1202555${String(110 + i).padStart(4, '0')}`,
      calledNumber: `+1312555${String(150 + i).padStart(4, '0')}`,
      kind: 'honeypot',
      transcript: `This is officer ${NAMES[i]} from the Social Security Administration. Your social security number has been suspended due to suspicious activity in Texas. To avoid a warrant for your arrest call us back immediately at 833-631-79${10 + i}, your case number is ${48213 + i * 17}.`,
    });
    calls.push({
      externalId: `cruise-${i}`,
      startedAt: at(25 + i * 9),
      callingNumber: `+1415555${String(120 + i).padStart(4, '0')}`,
      calledNumber: `+1617555${String(160 + i).padStart(4, '0')}`,
      kind: 'honeypot',
      transcript: `Congratulations! You have been selected for a complimentary seven night Caribbean cruise vacation worth $${1200 + i * 150}. Press one now to speak with a travel specialist and claim your tickets before the offer expires.`,
    });
  }
  return calls;
}

async function ok<T>(res: Awaited<ReturnType<APIRequestContext['get']>>, status = 200): Promise<T> {
  expect(res.status(), await res.text()).toBe(status);
  return (await res.json()) as T;
}

interface RankedItem {
  id: string;
  name: string;
  status: string;
  callCount: number;
  namedByAnalyst: boolean;
}

/**
 * Campaign intelligence in the portal: call records arrive through the API, detection groups them,
 * and an analyst works the ranking and a campaign's page.
 */
describe.skipIf(!portal)('campaigns', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;
  let page: Page;
  /** The two detected campaigns: the government impersonation script and the cruise script. */
  let ssa: string;
  let cruise: string;

  beforeAll(async () => {
    browser = await launchChromium();
    page = (await signedIn(browser, url, sessions[demo.analyst.email])).page;
    const api = page.request;
    await ok(
      await api.post(`${url}/api/v1/call-sources`, {
        data: { name: SOURCE, terminatingProviderId: demo.providers[0]!.id },
      }),
      201,
    );
    const ingest = await ok<{ accepted: number }>(
      await api.post(`${url}/api/v1/calls?source=${SOURCE}`, { data: records(Date.now()) }),
    );
    expect(ingest.accepted).toBe(16);
    // The test server's worker runs `campaigns.detect` every two seconds.
    [ssa, cruise] = await until(
      async () => {
        const calls = await ok<{ items: Array<{ externalId: string; campaignId: string | null }> }>(
          await api.get(`${url}/api/v1/calls?source=${SOURCE}&limit=100`),
        );
        const of = (prefix: string) => {
          const ids = new Set(
            calls.items.filter((c) => c.externalId.startsWith(prefix)).map((c) => c.campaignId),
          );
          if (ids.size !== 1 || ids.has(null))
            throw new Error(`the ${prefix} calls are not in one campaign yet`);
          return [...ids][0]!;
        };
        const pair = [of('ssa-'), of('cruise-')] as const;
        expect(pair[0]).not.toBe(pair[1]);
        const ranked = await ok<{ items: RankedItem[] }>(
          await api.get(`${url}/api/v1/campaigns?sort=volume&limit=200`),
        );
        for (const id of pair)
          if (!ranked.items.some((c) => c.id === id)) throw new Error(`campaign ${id} is not ranked yet`);
        return pair;
      },
      'detection to group the calls into two active campaigns',
      60_000,
    );
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('ranks the campaigns with a daily-volume sparkline', async () => {
    await page.goto('/campaigns');
    const table = page.getByRole('table', { name: 'Campaigns, ranked' });
    for (const id of [ssa, cruise]) {
      const row = table.locator(`tr[data-campaign-id="${id}"]`);
      await row.waitFor();
      const spark = row.getByTestId('sparkline');
      await spark.waitFor();
      expect(await spark.getAttribute('aria-label')).toContain('8 in all');
      // Both are new this week: nothing the week before.
      expect(await text(row)).toContain('New');
    }
    // Mantine draws the sort switch as radios behind their labels.
    await page.locator('label[for$="-growth"]').click();
    await until(
      () => expect(new URL(page.url()).searchParams.get('sort')).toBe('growth'),
      'the sort in the URL',
    );
    await table.locator(`tr[data-campaign-id="${ssa}"]`).waitFor();
  });

  it('shows a campaign with the varying parts of its calls marked', async () => {
    await page.goto(`/campaigns/${ssa}`);
    const samples = page.getByTestId('samples');
    await samples.waitFor();
    const marks = samples.locator('mark');
    await until(async () => expect(await marks.count()).toBeGreaterThan(8), 'marked parts in the samples');
    const kinds = await marks.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds).toContain('phone');
    expect(await marks.first().getAttribute('title')).toMatch(/^Varies: /);
    // The fixed words are not marked.
    expect(await samples.locator('mark', { hasText: 'Social Security Administration' }).count()).toBe(0);
    expect(await text(page.getByRole('table', { name: 'Callback numbers spoken' }))).toContain('833');
  });

  it('finds calls by number, with their campaign', async () => {
    await page.goto('/calls');
    await page.getByRole('searchbox', { name: 'Caller, called or callback number' }).fill('(202) 555-0112');
    await page.getByRole('button', { name: 'Search by number' }).click();
    await until(
      () => expect(new URL(page.url()).searchParams.get('number')).toBe('+12025550112'),
      'the number in the URL',
    );
    const table = page.getByRole('table', { name: 'Call records' });
    await until(async () => expect(await table.locator('tbody tr').count()).toBe(1), 'one call');
    await table.locator(`a[href="/campaigns/${ssa}"]`).waitFor();
    expect(await text(table)).toContain('officer Kevin');
  });

  it('a dry run of auto-open says what it would open and why', async () => {
    await page.goto('/campaigns');
    const panel = page.getByTestId('auto-open');
    await panel.getByRole('button', { name: 'Dry run' }).click();
    const plan = panel.getByTestId('auto-open-plan');
    await plan.waitFor();
    expect(await text(plan)).toMatch(/Dry run: \d+ tracebacks? would be opened/);
    await plan.locator(`a[href="/campaigns/${ssa}"]`).waitFor();
  });

  it('renames a campaign', async () => {
    await page.goto(`/campaigns/${ssa}`);
    await page.getByRole('button', { name: 'Rename or categorise' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await until(
      async () =>
        expect(await dialog.getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid')).toBe('true'),
      'an empty name to be refused',
    );
    await dialog.getByRole('textbox', { name: 'Name' }).fill('SSA suspension, arrest warrant');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await until(
      async () =>
        expect(await text(page.getByTestId('campaign-name'))).toBe('SSA suspension, arrest warrant'),
      'the new name in the heading',
    );
    const saved = await ok<RankedItem>(await page.request.get(`${url}/api/v1/campaigns/${ssa}`));
    expect(saved.namedByAnalyst).toBe(true);
  });

  it('opens a traceback from the representative call', async () => {
    await page.goto(`/campaigns/${ssa}`);
    const card = page.getByTestId('representative-call');
    await card.getByRole('button', { name: 'Open a traceback from this call' }).click();
    await page.waitForURL(/\/tracebacks\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const tb = await ok<{ campaignId: string | null; call: { callingNumber: string } }>(
      await page.request.get(`${url}/api/v1/tracebacks/${id}`),
    );
    expect(tb.campaignId).toBe(ssa);
    expect(tb.call.callingNumber).toMatch(/^\+1202555011\d$/);
    await page.getByRole('heading', { level: 1 }).waitFor();
    // Back on the campaign, the traceback is listed with a link to it.
    await page.goto(`/campaigns/${ssa}`);
    await page
      .getByRole('table', { name: 'Tracebacks of this campaign' })
      .locator(`a[href="/tracebacks/${id}"]`)
      .waitFor();
  });

  it('opens one traceback per selected call, at the provider that terminated it', async () => {
    await page.goto(`/campaigns/${cruise}`);
    const samples = page.getByTestId('samples');
    const boxes = samples.getByRole('checkbox', { name: /^Select the call of / });
    await boxes.first().waitFor();
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await samples.getByRole('button', { name: 'Open 2 tracebacks' }).click();
    await page.getByText('2 tracebacks opened').waitFor();
    const list = await ok<{ items: Array<{ firstProviderId: string }> }>(
      await page.request.get(`${url}/api/v1/tracebacks?campaignId=${cruise}&limit=50`),
    );
    expect(list.items.length).toBeGreaterThanOrEqual(2);
    expect(list.items.every((t) => t.firstProviderId === demo.providers[0]!.id)).toBe(true);
  });

  it('traces a callback number forward to the provider that holds it', async () => {
    await page.goto(`/campaigns/${ssa}`);
    const numbers = page.getByRole('table', { name: 'Callback numbers spoken' });
    await numbers.getByRole('button', { name: 'Trace forward +1 833-631-7910' }).click();
    const dialog = page.getByRole('dialog', { name: 'Trace forward +1 833-631-7910' });
    await dialog.getByRole('button', { name: 'Send the request' }).click();
    expect(await fieldError(dialog.getByRole('combobox', { name: /^Provider that holds the number/ }))).toBe(
      'Choose the provider to ask',
    );
    const holder = demo.providers[1]!;
    await pickProvider(page, /^Provider that holds the number/, holder.name);
    await dialog.getByRole('button', { name: 'Send the request' }).click();
    const row = page.getByTestId('forward-requests').locator('tr[data-forward-id]');
    await row.waitFor();
    expect(await text(row)).toContain(holder.name);
    expect(await text(row)).toContain('+1 833-631-7910');
    // While it waits for its answer, the number is not asked again.
    expect(await numbers.getByRole('button', { name: 'Trace forward +1 833-631-7910' }).isDisabled()).toBe(
      true,
    );
  });

  it('the new screens keep text readable (WCAG contrast)', async () => {
    const failures: Record<string, unknown> = {};
    for (const path of ['/campaigns', `/campaigns/${ssa}`, `/calls?campaignId=${ssa}`]) {
      await page.goto(path);
      await page.locator('[data-loading]').first().waitFor({ state: 'detached' });
      await page.getByRole('table').first().waitFor();
      const found = await contrastFailures(page);
      if (found.length) failures[path] = found;
    }
    expect(failures).toEqual({});
  });

  it('marking a campaign legitimate takes it out of the ranking', async () => {
    await page.goto(`/campaigns/${cruise}`);
    await page.getByRole('button', { name: 'Mark legitimate' }).click();
    await until(
      async () => expect(await text(page.getByTestId('campaign-status'))).toBe('Legitimate'),
      'the legitimate status',
    );
    await page.getByRole('button', { name: 'Not legitimate after all' }).waitFor();
    await page.goto('/campaigns');
    const table = page.getByRole('table', { name: 'Campaigns, ranked' });
    await table.locator(`tr[data-campaign-id="${ssa}"]`).waitFor();
    expect(await table.locator(`tr[data-campaign-id="${cruise}"]`).count()).toBe(0);
  });
});
