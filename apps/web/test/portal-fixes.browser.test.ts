import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, signedIn } from './support/browser';
import { fieldError, pickProvider, text, until } from './support/page';

const portal = inject('portal');

/** What the browser shows for an instant in a zone, zone named (the portal's own format, en-US). */
const shown = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));

/** The text of each cell of a table's column, by its header. */
async function column(page: Page, table: string, header: string): Promise<string[]> {
  return page.getByRole('table', { name: table }).evaluate((t, h) => {
    const heads = [...t.querySelectorAll('thead th')].map((th) =>
      th.textContent?.replace(/[↑↓↕]/g, '').trim(),
    );
    const i = heads.indexOf(h);
    if (i < 0) throw new Error(`no column ${h} in ${heads.join(', ')}`);
    return [...t.querySelectorAll('tbody tr')].map((tr) => tr.children[i]?.textContent?.trim() ?? '');
  }, header);
}

/**
 * Where the portal's users stumbled (issue 19, point 7), each in a real browser at a common laptop
 * width (1280 px): cut badges, times without a zone, a list that could not be sorted, a traceback page
 * that did not refresh, an empty chart, unclear labels, and the layout's rough edges.
 */
describe.skipIf(!portal)('the portal where its users stumbled', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;
  let analyst: Page;
  // America/Denver in the demo (providers take the four US zones in turn); the browsers run in Chicago.
  const mountain = demo.providers[2]!;
  const callAt = '2026-11-01T14:30:00.000Z';
  let tracebackId: string;
  let hopId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    analyst = (await signedIn(browser, url, sessions[demo.analyst.email])).page;
    const opened = await analyst.request.post('/api/v1/tracebacks', {
      data: {
        call: {
          startedAt: callAt,
          callingNumber: '(202) 555-0119',
          calledNumber: '(312) 555-0191',
        },
        firstProviderId: mountain.id,
      },
    });
    expect(opened.status(), await opened.text()).toBe(201);
    const tb = (await opened.json()) as { id: string; hops: Array<{ id: string }> };
    tracebackId = tb.id;
    hopId = tb.hops[0]!.id;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('no status badge of the traceback list is cut at 1280 px, and closed tracebacks are at no one', async () => {
    await analyst.goto('/tracebacks?status=closed');
    const table = analyst.getByRole('table', { name: 'Tracebacks' });
    await table.waitFor();
    const badges = table.locator('.mantine-Badge-root');
    expect(await badges.count()).toBeGreaterThan(10);
    const cut = await badges.evaluateAll((all) =>
      all
        .map((b) => {
          const label = b.querySelector('.mantine-Badge-label') ?? b;
          return { text: b.textContent ?? '', scroll: label.scrollWidth, client: label.clientWidth };
        })
        .filter((b) => b.scroll > b.client),
    );
    expect(cut).toEqual([]);
    // Nothing spills out of its cell, nor out of sight to the right.
    const spilled = await table.evaluate((t) => [
      ...[...t.querySelectorAll('td, th')]
        .filter((c) => c.scrollWidth > c.clientWidth)
        .map((c) => c.textContent ?? ''),
      ...(t.getBoundingClientRect().right > document.documentElement.clientWidth ? ['the table'] : []),
    ]);
    expect(spilled).toEqual([]);
    expect(new Set(await column(analyst, 'Tracebacks', 'Now at'))).toEqual(new Set(['—']));
  });

  it('the traceback list sorts by its Due and Opened headers, on the server', async () => {
    await analyst.goto('/tracebacks');
    const due = analyst.getByRole('columnheader', { name: /^Due/ });
    await due.getByRole('button').click();
    await analyst.waitForURL(/sort=due/);
    await until(
      async () => expect(await due.getAttribute('aria-sort')).toBe('ascending'),
      'the Due header sorting',
      3000,
    );
    await until(async () => {
      const cells = await column(analyst, 'Tracebacks', 'Due');
      expect(cells.length).toBeGreaterThan(0);
      // Only tracebacks waiting on a provider, the soonest deadline first.
      expect(cells.every((c) => /^(due in|overdue by)/.test(c))).toBe(true);
      const overdue = cells.map((c) => c.startsWith('overdue'));
      expect(overdue).toEqual([...overdue].sort((a, b) => Number(b) - Number(a)));
    }, 'the list by deadline');
    const opened = analyst.getByRole('columnheader', { name: /^Opened/ });
    await opened.getByRole('button').click();
    await until(() => expect(new URL(analyst.url()).searchParams.get('sort')).toBeNull(), 'the default sort');
    await until(
      async () => expect(await opened.getAttribute('aria-sort')).toBe('descending'),
      'the Opened header sorting',
      3000,
    );
    expect(await due.getAttribute('aria-sort')).toBeNull();
  });

  it("the call time shows in UTC, as it was entered; the other times name the viewer's zone", async () => {
    await analyst.goto(`/tracebacks/${tracebackId}`);
    const call = analyst.locator('dt:text-is("Call time") + dd time');
    expect(await call.innerText()).toBe('Nov 1, 2026, 2:30 PM UTC');
    expect(await call.getAttribute('datetime')).toBe(callAt);
    await call.hover();
    expect(await analyst.getByRole('tooltip').innerText()).toBe(
      `${shown(callAt, 'America/Chicago')}, your time`,
    );
    const opened = analyst.locator('dt:text-is("Opened") + dd time');
    const iso = (await opened.getAttribute('datetime'))!;
    expect(await opened.innerText()).toBe(shown(iso, 'America/Chicago'));
    expect(await opened.innerText()).toMatch(/ C[SD]T$/);
  });

  it('a provider sees its deadline in its own zone, and the call in UTC', async () => {
    const { context, page } = await signedIn(browser, url, sessions[mountain.user.email]);
    await page.goto(`/hops/${hopId}`);
    const due = page.locator('dt:text-is("Due") + dd time');
    const iso = (await due.getAttribute('datetime'))!;
    await until(
      async () => expect(await due.innerText()).toBe(shown(iso, 'America/Denver')),
      'the deadline in Denver',
    );
    expect(await due.innerText()).toMatch(/ M[SD]T$/);
    expect(await page.locator('dt:text-is("Call time") + dd time').innerText()).toBe(
      'Nov 1, 2026, 2:30 PM UTC',
    );
    await page.goto('/inbox');
    const card = page.locator(`li[data-hop-id="${hopId}"]`);
    expect(await card.locator('time').innerText()).toBe('Nov 1, 2026, 2:30 PM UTC');
    // The provider's zone arrives with its own read (as on the hop page above): until then the viewer's.
    await until(async () => {
      await card.locator('[data-urgency]').hover();
      expect(await page.getByRole('tooltip').innerText()).toContain(shown(iso, 'America/Denver'));
    }, 'the inbox deadline in Denver');
    await context.close();
  });

  it("the analyst's traceback page updates on its own when the provider answers", async () => {
    await analyst.goto(`/tracebacks/${tracebackId}`);
    const hop = analyst.locator('[data-hop-seq="1"]');
    expect(await hop.getAttribute('data-hop-status')).toBe('pending');
    expect(await text(analyst.getByTestId('path-end'))).toBe(`Waiting for ${mountain.name} to answer.`);
    // The path card says what its receipt time is: when the request counted as received.
    expect(await text(hop)).toContain('Counted as received');
    const { context, page } = await signedIn(browser, url, sessions[mountain.user.email]);
    const answered = await page.request.post(`/api/v1/hops/${hopId}/answer`, {
      data: { kind: 'not_found', comment: 'No record of the call on our switches.' },
    });
    expect(answered.status(), await answered.text()).toBe(200);
    await context.close();
    await until(
      async () => expect(await hop.getAttribute('data-hop-status')).toBe('answered'),
      'the answer on the open page',
      20_000,
    );
    expect(await text(analyst.getByTestId('path-end'))).toBe(
      `Stopped: ${mountain.name} has no record of the call.`,
    );
  });

  it("a provider's response-time chart draws answers that came within minutes", async () => {
    const created = await analyst.request.post('/api/v1/providers', {
      data: {
        name: 'Swiftwater Relay (fictional)',
        contacts: [{ name: 'Desk', email: 'desk@swiftwater.example' }],
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const provider = (await created.json()) as { id: string };
    for (const n of ['0123', '0124']) {
      const opened = await analyst.request.post('/api/v1/tracebacks', {
        data: {
          call: { startedAt: callAt, callingNumber: `(415) 555-${n}`, calledNumber: '(312) 555-0191' },
          firstProviderId: provider.id,
        },
      });
      expect(opened.status(), await opened.text()).toBe(201);
      const hop = ((await opened.json()) as { hops: Array<{ id: string }> }).hops[0]!;
      // Staff answer for it at once: a response time of (about) zero minutes.
      const answered = await analyst.request.post(`/api/v1/hops/${hop.id}/answer`, {
        data: { kind: 'not_found' },
      });
      expect(answered.status(), await answered.text()).toBe(200);
    }
    await analyst.goto(`/providers/${provider.id}`);
    const chart = analyst.getByTestId('response-time-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('data-unit')).toBe('min');
    // The axis has a scale (it had none when every answer came within the minute).
    const ticks = chart.locator('.recharts-cartesian-axis-tick-value', { hasText: / min$/ });
    await until(async () => expect(await ticks.count()).toBeGreaterThan(1), 'ticks on the minutes axis');
    const bars = await chart
      .locator('path.recharts-rectangle')
      .evaluateAll((paths) => paths.map((p) => p.getBoundingClientRect().height));
    expect(bars.length).toBe(1);
    expect(bars[0]).toBeGreaterThan(0);
  });

  it('campaign cards say how many they hold', async () => {
    await analyst.goto(`/campaigns/${demo.campaigns[0]!.id}`);
    const card = analyst.getByRole('region', { name: 'Tracebacks' });
    await card.locator('tbody tr').first().waitFor();
    const rows = await card.locator('tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(await card.locator('[data-count]').innerText()).toBe(String(rows));
    for (const title of ['Caller numbers', 'Origins', 'Entry points'])
      expect(await analyst.getByRole('region', { name: title }).locator('[data-count]').count()).toBe(1);
  });

  it("the header shows a provider desk's whole name", async () => {
    const quill = demo.providers[4]!;
    const { context, page } = await signedIn(browser, url, sessions[quill.user.email]);
    await page.goto('/inbox');
    const name = page.getByTestId('account-menu').getByText(`${quill.name} desk`);
    await name.waitFor();
    expect(await name.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    await context.close();
  });

  it('on a validation error the upstream search list opens below the message, not over it', async () => {
    const asked = demo.providers[5]!;
    const opened = await analyst.request.post('/api/v1/tracebacks', {
      data: {
        call: { startedAt: callAt, callingNumber: '(617) 555-0133', calledNumber: '(312) 555-0191' },
        firstProviderId: asked.id,
      },
    });
    expect(opened.status(), await opened.text()).toBe(201);
    const hop = ((await opened.json()) as { hops: Array<{ id: string }> }).hops[0]!;
    const { context, page } = await signedIn(browser, url, sessions[asked.user.email]);
    await page.goto(`/hops/${hop.id}`);
    await page.getByLabel('Another provider handed us the call').check();
    await page.getByRole('button', { name: 'Send the answer' }).click();
    const box = page.getByRole('combobox', { name: /^Upstream provider/ });
    expect(await fieldError(box)).toMatch(/^Choose the provider/);
    await box.fill(demo.providers[6]!.name.slice(0, 6));
    const list = page.getByRole('listbox');
    await list.waitFor();
    const [m, l] = await Promise.all([
      page.locator(`[id="${(await box.getAttribute('id'))!}-error"]`).boundingBox(),
      list.boundingBox(),
    ]);
    expect(m && l).toBeTruthy();
    // The list starts below the message's bottom (or ends above its top): they never overlap.
    expect(l!.y >= m!.y + m!.height || l!.y + l!.height <= m!.y).toBe(true);
    await pickProvider(page, /^Upstream provider/, demo.providers[6]!.name);
    await context.close();
  });

  it('a page opened from the foot of another starts at its top, its title clear of the header', async () => {
    await analyst.goto('/dashboard');
    await analyst.getByTestId('dashboard').waitFor();
    await analyst.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await until(
      async () => expect(await analyst.evaluate(() => window.scrollY)).toBeGreaterThan(100),
      'scrolled',
    );
    await analyst
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Open a traceback' })
      .click();
    await analyst.waitForURL('**/tracebacks/new');
    await until(
      async () => expect(await analyst.evaluate(() => window.scrollY)).toBe(0),
      'the top of the page',
    );
    const header = await analyst.locator('header').boundingBox();
    const title = await analyst.getByRole('heading', { level: 1 }).boundingBox();
    expect(title!.y).toBeGreaterThanOrEqual(header!.y + header!.height);
  });

  it('the users table sorts by name, email and when added', async () => {
    const { context, page } = await signedIn(browser, url, sessions[demo.admin.email]);
    await page.goto('/admin/users');
    await page.getByRole('table', { name: 'Users' }).waitFor();
    const added = page.getByRole('columnheader', { name: /^Added/ });
    expect(await added.getAttribute('aria-sort')).toBe('descending');
    for (const by of ['Name', 'Email'] as const) {
      const header = page.getByRole('columnheader', { name: new RegExp(`^${by}`) });
      await header.getByRole('button').click();
      await until(async () => {
        expect(await header.getAttribute('aria-sort')).toBe('ascending');
        const cells = (await column(page, 'Users', by)).map((c) => c.replace(/ Disabled$/, '').toLowerCase());
        expect(cells.length).toBeGreaterThan(10);
        expect(cells).toEqual([...cells].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }, `users by ${by}`);
      expect(await added.getAttribute('aria-sort')).toBeNull();
    }
    await context.close();
  });
});
