import { readFileSync } from 'node:fs';
import type { APIRequestContext, Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, newContext, signedIn } from './support/browser';
import { fieldError, text, until } from './support/page';
import { NO_PORTAL } from './support/portal';
import { demoRmdExport } from './support/rmd';

const portal = inject('portal');

/**
 * What the API had and the portal lacked (issue 19, point 7): a provider answers many requests at once from a
 * CSV it downloaded and sees the report row by row, then goes from one answered request to the next; staff
 * keep the DNO list, an admin reviews RMD match proposals, staff read the log of emails and webhooks.
 */
describe.skipIf(!portal)('bulk answers, next request, DNO list, RMD matches, sent notices', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  const stamp = Date.now().toString(36);
  let browser: Browser;
  let admin: Page;
  let analyst: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    admin = (await signedIn(browser, url, sessions[demo.admin.email])).page;
    analyst = (await signedIn(browser, url, sessions[demo.analyst.email])).page;
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function created<T>(res: Awaited<ReturnType<APIRequestContext['post']>>): Promise<T> {
    expect(res.status(), await res.text()).toBeLessThan(300);
    return (await res.json()) as T;
  }

  /** A new provider (fictional) with a user signed in in its own browser context, and `requests` tracebacks to it. */
  async function providerWithRequests(name: string, requests: number) {
    const provider = await created<{ id: string }>(
      await analyst.request.post('/api/v1/providers', {
        data: {
          name,
          contacts: [{ name: 'Desk', email: `desk.${stamp}@${name.split(' ')[0]!.toLowerCase()}.example` }],
        },
      }),
    );
    const email = `answers.${stamp}@${name.split(' ')[0]!.toLowerCase()}.example`;
    const password = 'bulk-answers-password-0123';
    await created(
      await admin.request.post('/api/v1/users', {
        data: { email, name: 'Answer desk', role: 'provider', providerId: provider.id, password },
      }),
    );
    for (let i = 0; i < requests; i++)
      await created(
        await analyst.request.post('/api/v1/tracebacks', {
          data: {
            call: {
              startedAt: new Date(Date.now() - (3 + i) * 3_600_000).toISOString(),
              callingNumber: `(202) 555-01${String(40 + i)}`,
              calledNumber: '(312) 555-0188',
            },
            firstProviderId: provider.id,
          },
        }),
      );
    const context = await newContext(browser, url);
    const page = await context.newPage();
    await created(await page.request.post('/api/v1/auth/login', { data: { email, password } }));
    return { provider, page };
  }

  it('a provider selects requests, downloads them, uploads its answers and reads the report per row', async () => {
    const { page } = await providerWithRequests(`Brambleway Voice ${stamp} (fictional)`, 3);
    await page.goto('/inbox');
    const list = page.getByRole('list', { name: 'Requests awaiting your answer' });
    await until(async () => expect(await list.getByRole('listitem').count()).toBe(3), 'three requests');
    const download = page.getByRole('button', { name: /Download .*selected as CSV/ });
    expect(await download.isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: 'Select the request about the call from +12025550140' }).check();
    await page.getByRole('checkbox', { name: 'Select the request about the call from +12025550141' }).check();
    expect(await text(download)).toBe('Download 2 selected as CSV');

    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    const csv = readFileSync(await file.path(), 'utf8');
    const [header, ...rows] = csv.trim().split('\r\n');
    const columns = header!.split(',');
    expect(columns.slice(0, 2)).toEqual(['hop_id', 'traceback_id']);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.split(',')[columns.indexOf('calling_number')]).sort()).toEqual([
      '+12025550140',
      '+12025550141',
    ]);
    // One row answered "no record", the other with a kind that does not exist.
    const fill = (row: string, kind: string, comment: string) => {
      const cells = row.split(',');
      cells[columns.indexOf('kind')] = kind;
      cells[columns.indexOf('comment')] = comment;
      return cells.join(',');
    };
    const answers = [
      header,
      fill(rows[0]!, 'not_found', 'No such call in our CDRs'),
      fill(rows[1]!, 'maybe', ''),
    ];
    await page
      .getByTestId('bulk-answers')
      .locator('input[type="file"]')
      .setInputFiles({
        name: 'answers.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(`${answers.join('\r\n')}\r\n`),
      });
    await page.getByRole('button', { name: 'Send the answers' }).click();
    const report = page.getByTestId('bulk-report');
    await report.waitFor();
    expect(await text(report.getByRole('status'))).toContain(
      '1 answered, 0 unchanged, 1 refused (of 2 rows)',
    );
    const refused = report.locator('tr[data-status="refused"]');
    expect(await refused.count()).toBe(1);
    expect(await text(refused)).toMatch(/^3 .*Refused.*kind/);
    expect(await report.locator('tr[data-status="applied"]').count()).toBe(1);
    // The answered request has left the inbox; two are waiting.
    await until(async () => expect(await list.getByRole('listitem').count()).toBe(2), 'two requests left');
  });

  it('after answering a request, the provider goes on to the next one', async () => {
    const { page } = await providerWithRequests(`Thistledown Lines ${stamp} (fictional)`, 2);
    await page.goto('/inbox');
    await page
      .getByRole('link', { name: /^Answer the request/ })
      .first()
      .click();
    await page.waitForURL(/\/hops\//);
    const first = new URL(page.url()).pathname;
    await page.getByLabel('We have no record of this call').check();
    await page.getByRole('button', { name: 'Send the answer' }).click();
    const next = page.getByTestId('next-request');
    await next.waitFor();
    expect(await text(next)).toContain('1 more waiting for your answer');
    await next.getByRole('link', { name: 'Next request' }).click();
    await until(() => expect(new URL(page.url()).pathname).not.toBe(first), 'the next request');
    await page.getByLabel('We have no record of this call').check();
    await page.getByRole('button', { name: 'Send the answer' }).click();
    expect(await text(page.getByTestId('next-request'))).toContain('Nothing else is waiting for your answer');
    await page.getByRole('link', { name: 'Back to your inbox' }).click();
    await page.waitForURL(/\/inbox$/);
  });

  it('an analyst adds a number to the DNO list and removes it; a provider searches it, read-only', async () => {
    await analyst.goto('/dno');
    await analyst.getByRole('link', { name: 'DNO list' }).waitFor();
    await analyst.getByRole('button', { name: 'Add an entry' }).click();
    const form = analyst.getByRole('form', { name: 'Add to the DNO list' });
    await form.getByLabel(/^Number/).fill('(202) 555-0199');
    await form.getByRole('button', { name: 'Add' }).click();
    expect(await fieldError(analyst.locator('#category'))).toBe('Choose a category');
    await form.getByRole('combobox', { name: /^Category/ }).click();
    await analyst.getByRole('option', { name: 'Invalid' }).click();
    await form.getByLabel('Reason').fill(`Spoofed by a robocaller ${stamp}`);
    await form.getByRole('button', { name: 'Add' }).click();
    await form.waitFor({ state: 'detached' });

    const table = analyst.getByRole('table', { name: 'DNO entries' });
    await analyst.getByLabel('Search').fill('202-555-0199');
    await until(
      async () => expect(await table.locator('tbody tr').count()).toBe(1),
      'the entry found by number',
    );
    expect(await text(table.locator('tbody tr'))).toContain(`Spoofed by a robocaller ${stamp}`);

    // A provider's user reads and searches the same list, with no way to change it.
    const provider = (await signedIn(browser, url, sessions[demo.providers[1]!.user.email])).page;
    await provider.goto('/dno');
    await provider.getByLabel('Search').fill(stamp);
    const seen = provider.getByRole('table', { name: 'DNO entries' });
    await until(
      async () => expect(await seen.locator('tbody tr').count()).toBe(1),
      'the entry, for the provider',
    );
    expect(await provider.getByRole('button', { name: /Remove|Add an entry/ }).count()).toBe(0);

    await table.getByRole('button', { name: /^Remove \+1 202-555-0199/ }).click();
    await analyst.getByLabel('Why (optional)').fill('Entered in error');
    await analyst.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await until(async () => expect(await table.locator('tbody tr').count()).toBe(0), 'the entry gone');
    expect(await text(analyst.getByTestId('dno-count'))).toMatch(/^0 of \d+ entries match/);
  });

  it('an admin accepts one RMD match proposal and rejects another; analysts have no such page', async () => {
    const names = [`Zephyrine Carrier ${stamp}`, `Quarrystone Telecom ${stamp}`];
    const ids: string[] = [];
    for (const name of names)
      ids.push(
        (await created<{ id: string }>(await admin.request.post('/api/v1/providers', { data: { name } }))).id,
      );
    // The filings carry the providers' names (with a corporate suffix), not their identifiers: weak matches.
    const extra = names.map((n, i) => `"${n}, LLC",RMD00${String(88_000 + i)},${77_000 + i}`);
    const imported = await admin.request.post('/api/v1/rmd/import?fileName=proposals.csv', {
      headers: { 'content-type': 'text/csv' },
      data: demoRmdExport(demo, extra),
    });
    expect(imported.status(), await imported.text()).toBe(200);

    await admin.goto('/admin/rmd');
    const table = admin.getByRole('table', { name: 'RMD match proposals' });
    const row = (name: string) => table.locator('tbody tr', { hasText: name });
    await row(names[0]!).waitFor();
    expect(await text(row(names[0]!))).toContain('same name');
    await row(names[0]!)
      .getByRole('button', { name: /^Accept/ })
      .click();
    await row(names[0]!).waitFor({ state: 'detached' });
    await row(names[1]!)
      .getByRole('button', { name: /^Reject/ })
      .click();
    await row(names[1]!).waitFor({ state: 'detached' });

    await admin.locator('label', { hasText: /^Accepted$/ }).click();
    await row(names[0]!).waitFor();
    expect(await text(row(names[0]!))).toContain('accepted');
    const provider = (await (await admin.request.get(`/api/v1/providers/${ids[0]}`)).json()) as {
      rmd?: { filingNumber: string | null };
    };
    expect(provider.rmd?.filingNumber).toBe('RMD0088000');

    await analyst.goto('/admin/rmd');
    expect(await text(analyst.locator('h1'))).toBe('Not part of your role');
    expect(await analyst.getByRole('link', { name: 'RMD matches' }).count()).toBe(0);
  });

  it('staff read the log of emails and webhooks, filtered by channel', async () => {
    await analyst.goto('/notifications');
    const table = analyst.getByRole('table', { name: 'Emails and webhooks' });
    await until(async () => expect(await table.locator('tbody tr').count()).toBeGreaterThan(0), 'notices');
    await analyst.getByRole('combobox', { name: 'Channel' }).click();
    await analyst.getByRole('option', { name: 'Email' }).click();
    await until(async () => {
      const channels = await table.locator('tbody tr td:nth-child(2)').allInnerTexts();
      expect(channels.length).toBeGreaterThan(0);
      expect(new Set(channels)).toEqual(new Set(['Email']));
    }, 'email only');
    expect(await text(table)).toContain('hop.assigned');
    // A provider's user has no such page.
    const provider = (await signedIn(browser, url, sessions[demo.providers[2]!.user.email])).page;
    await provider.goto('/notifications');
    expect(await text(provider.locator('h1'))).toBe('Not part of your role');
  });
});
