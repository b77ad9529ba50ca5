/**
 * Regenerates docs/screenshots/*.png: `npx tsx scripts/screenshots.ts`.
 *
 * Starts `hoptrace start` in-process on a fresh data directory with the demo
 * history (fictional providers, six months of tracebacks), signs in as each
 * role through the API, and photographs the main pages in Debian's Chromium.
 * Also prints the dashboard's time to interactive on that data: navigation
 * start to the numbers on screen (the `hoptrace:dashboard-data` mark).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TDashboard, THop, TTracebackListItem } from '@hoptrace/contracts';
import { configFromEnv, startServer } from '@hoptrace/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hasChromium, launchChromium, newContext, CHROMIUM } from '../apps/web/test/support/browser';

const OUT = new URL('../docs/screenshots/', import.meta.url);
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

interface Credential {
  role: string;
  email: string;
  password: string;
}

/** The demo prints each user once: `  role  email  password  (provider)`. */
function credentialsFrom(lines: string[]): Credential[] {
  return lines.flatMap((l) => {
    const m = /^\s+(admin|analyst|enforcement|provider)\s+(\S+@\S+)\s+(\S+)/.exec(l);
    return m ? [{ role: m[1]!, email: m[2]!, password: m[3]! }] : [];
  });
}

async function signedInContext(
  browser: Browser,
  url: string,
  who: Credential,
  viewport = DESKTOP,
): Promise<BrowserContext> {
  const context = await newContext(browser, url, { viewport, isMobile: viewport === PHONE });
  const res = await context.request.post('/api/v1/auth/login', {
    data: { email: who.email, password: who.password },
  });
  if (!res.ok()) throw new Error(`could not sign ${who.email} in: ${res.status()}`);
  return context;
}

/** Loaders and skeletons gone, charts drawn, transitions over. */
async function settle(page: Page): Promise<void> {
  // Runs in the page; this script is type-checked without the DOM library, hence the narrow type.
  // (A string predicate would be eval'd, which the portal's CSP refuses.)
  await page.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: { querySelector(selector: string): unknown } })
      .document;
    return !doc.querySelector('[data-loading], .mantine-Skeleton-root');
  });
  await page.waitForTimeout(400);
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await settle(page);
  await page.screenshot({ path: new URL(`${name}.png`, OUT).pathname, fullPage });
  console.log(`  docs/screenshots/${name}.png`);
}

async function main() {
  if (!hasChromium) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium`);
  mkdirSync(OUT, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'hoptrace-screens-'));
  const lines: string[] = [];
  console.log('starting hoptrace with the demo history (about a minute)…');
  const server = await startServer(
    {
      ...configFromEnv({}),
      port: 0,
      host: '127.0.0.1',
      dataDir,
      role: 'web',
      logLevel: 'warn',
      demo: true,
    },
    (l) => lines.push(l),
  );
  const browser = await launchChromium();
  try {
    const url = server.url!;
    const creds = credentialsFrom(lines);
    const as = (role: string) => {
      const c = creds.find((x) => x.role === role);
      if (!c) throw new Error(`the demo printed no ${role} user`);
      return c;
    };

    const anonymous = await (await newContext(browser, url, { viewport: DESKTOP })).newPage();
    await anonymous.goto('/login');
    await shoot(anonymous, '01-sign-in');

    const analyst = await (await signedInContext(browser, url, as('analyst'))).newPage();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await analyst.goto('/dashboard');
      await analyst.waitForFunction(() => performance.getEntriesByName('hoptrace:dashboard-data').length > 0);
      times.push(
        await analyst.evaluate(() => performance.getEntriesByName('hoptrace:dashboard-data')[0]!.startTime),
      );
    }
    await analyst.locator('.recharts-surface').first().waitFor();
    await shoot(analyst, '02-dashboard', true);
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `  dashboard time to interactive (navigation start → numbers on screen): median ${Math.round(sorted[2]!)} ms of ${times.map((t) => Math.round(t)).join(', ')} ms`,
    );

    await analyst.goto('/tracebacks');
    await shoot(analyst, '03-tracebacks');

    const list = (await (
      await analyst.request.get('/api/v1/tracebacks?outcome=origin_identified&limit=200')
    ).json()) as { items: TTracebackListItem[] };
    const long = [...list.items].sort((a, b) => b.hopCount - a.hopCount)[0]!;
    await analyst.goto(`/tracebacks/${long.id}`);
    await shoot(analyst, '04-traceback', true);

    await analyst.goto('/tracebacks/new');
    await analyst.getByLabel(/^Call time/).fill('2026-11-20 15:04');
    await analyst.getByLabel(/^Calling number/).fill('(202) 555-0143');
    await analyst.getByLabel(/^Called number/).fill('312.555.0188');
    await shoot(analyst, '05-open-traceback');

    // The provider most often found at the origin: a busy history to show.
    const stats = (await (
      await analyst.request.get('/api/v1/stats/dashboard?weeks=26')
    ).json()) as TDashboard;
    const slowest = { id: stats.topOrigins[0]?.providerId ?? long.firstProviderId };
    await analyst.goto(`/providers/${slowest.id}`);
    // A provider with no answer in the period has no chart to wait for.
    await analyst
      .locator('.recharts-surface')
      .first()
      .waitFor({ timeout: 5000 })
      .catch(() => undefined);
    await shoot(analyst, '06-provider', true);

    await analyst.goto('/campaigns');
    await shoot(analyst, '07-campaigns');

    // A desk for the provider the most requests are waiting on; the admin adds one if the demo has none.
    const waiting = (
      (await (await analyst.request.get('/api/v1/hops?status=pending&limit=200')).json()) as {
        items: THop[];
      }
    ).items;
    const busiest = [...new Set(waiting.map((h) => h.providerId))].sort(
      (a, b) =>
        waiting.filter((h) => h.providerId === b).length - waiting.filter((h) => h.providerId === a).length,
    )[0];
    if (!busiest) throw new Error('nothing is waiting on any provider in the demo');
    const adminContext = await signedInContext(browser, url, as('admin'));
    const deskUser = {
      role: 'provider',
      email: `on-call@desk-${busiest.slice(0, 8)}.example`,
      password: 'screens-0123456789',
    };
    const created = await adminContext.request.post('/api/v1/users', {
      data: {
        email: deskUser.email,
        name: 'On-call engineer',
        role: 'provider',
        providerId: busiest,
        password: deskUser.password,
      },
    });
    if (!created.ok()) throw new Error(`could not add a desk user: ${await created.text()}`);
    const desk = {
      context: await signedInContext(browser, url, deskUser),
      pending: waiting.filter((h) => h.providerId === busiest),
    };
    if (!desk.pending[0]) throw new Error('no request waiting on the busiest provider');
    const provider = await desk.context.newPage();
    await provider.goto('/inbox');
    await shoot(provider, '08-inbox');
    await provider.goto(`/hops/${desk.pending[0].id}`);
    await provider.getByLabel('We originated it: the caller is our customer').check();
    await shoot(provider, '09-answer', true);

    const phoneContext = await newContext(browser, url, { viewport: PHONE, isMobile: true });
    await phoneContext.addCookies(await desk.context.cookies());
    const phone = await phoneContext.newPage();
    await phone.goto(`/hop/${desk.pending[0].id}`);
    await shoot(phone, '10-answer-phone', true);

    const enforcement = await (await signedInContext(browser, url, as('enforcement'))).newPage();
    await enforcement.goto('/tracebacks');
    await shoot(enforcement, '11-enforcement');

    const admin = await adminContext.newPage();
    await admin.goto('/admin/users');
    await shoot(admin, '12-users');

    // Another provider's request, or one that does not exist: the same page either way.
    await provider.goto('/hops/00000000-0000-4000-8000-000000000000');
    await provider.locator('[data-error-page="404"]').waitFor();
    await shoot(provider, '13-not-found');
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
