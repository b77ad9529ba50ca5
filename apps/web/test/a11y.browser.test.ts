import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, newContext, signedIn } from './support/browser';
import { NO_PORTAL } from './support/portal';

const portal = inject('portal');

/**
 * The rules the portal is held to (decision 0037): axe-core's WCAG 2.0, 2.1 and 2.2 rules at levels A and AA
 * and its best practices. A violation of impact serious or critical fails; moderate and minor ones are
 * printed, not failed.
 */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];
const FAILING = new Set(['serious', 'critical']);

interface Finding {
  route: string;
  rule: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Opens a route, waits until it has drawn its title and finished loading, and runs axe over it. */
async function check(page: Page, route: string): Promise<Finding[]> {
  await page.goto(route);
  await page.locator('h1').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-loading]').length === 0);
  const result = await new AxeBuilder({ page })
    .withTags(TAGS)
    .options({ resultTypes: ['violations'] })
    .analyze();
  return result.violations.map((v) => ({
    route,
    rule: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
  }));
}

/** The serious and critical findings on these routes, each printed with its elements. */
async function violations(page: Page, routes: string[]): Promise<string[]> {
  const findings: Finding[] = [];
  for (const route of routes) findings.push(...(await check(page, route)));
  for (const f of findings)
    console.log(`axe ${f.impact}: ${f.route} ${f.rule} (${f.help}) ${f.targets.join(' | ')}`);
  return findings.filter((f) => FAILING.has(f.impact)).map((f) => `${f.route}: ${f.rule}`);
}

/** Slow on a loaded machine: axe takes 1–10 s a page; one role after another. */
const TIMEOUT = 240_000;

/**
 * Every page of the portal checked with axe-core in Chromium, each by the role that sees the most of it (an
 * admin for the staff pages), and again by every other role whose view of it differs.
 */
describe.skipIf(!portal)('accessibility: axe on every page, for every role', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  const provider = demo.providers[0]!;
  const tracebackId = demo.tracebacks[0]!;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
  });

  async function as(email: string | null): Promise<Page> {
    if (!email) {
      const context = await newContext(browser, url);
      contexts.push(context);
      return context.newPage();
    }
    const { page, context } = await signedIn(browser, url, sessions[email]);
    contexts.push(context);
    return page;
  }

  it(
    'signed out: sign-in, expired link, public statistics',
    async () => {
      const page = await as(null);
      expect(await violations(page, ['/login', '/expired', '/statistics'])).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'one main landmark on a page, error pages standing alone or inside the portal alike',
    async () => {
      const mains = async (page: Page, route: string) => {
        await page.goto(route);
        await page.locator('h1').first().waitFor();
        return `${route}: ${await page.locator('main, [role="main"]').count()}`;
      };
      const out = await as(null);
      const admin = await as(demo.admin.email);
      const counts = [
        await mains(out, '/expired'),
        await mains(out, '/login'),
        await mains(admin, '/expired'),
        await mains(admin, '/no-such-page'),
        await mains(admin, '/dashboard'),
      ];
      expect(counts).toEqual([
        '/expired: 1',
        '/login: 1',
        '/expired: 1',
        '/no-such-page: 1',
        '/dashboard: 1',
      ]);
    },
    TIMEOUT,
  );

  it(
    'an admin: every staff page and the admin pages',
    async () => {
      const page = await as(demo.admin.email);
      const routes = [
        '/dashboard',
        '/tracebacks',
        '/tracebacks/new',
        `/tracebacks/${tracebackId}`,
        '/requests',
        '/legal',
        '/providers',
        `/providers/${provider.id}`,
        `/providers/${provider.id}/settings`,
        '/scorecards',
        '/campaigns',
        `/campaigns/${demo.campaigns[0]!.id}`,
        '/calls',
        '/dno',
        '/notifications',
        '/admin/users',
        '/admin/audit',
        '/admin/agencies',
        '/admin/rmd',
        '/profile',
        '/no-such-page',
      ];
      expect(await violations(page, routes)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'an analyst: the pages whose controls differ from an admin’s',
    async () => {
      const page = await as(demo.analyst.email);
      const routes = ['/dashboard', `/tracebacks/${tracebackId}`, `/providers/${provider.id}`, '/profile'];
      expect(await violations(page, routes)).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'a provider: every provider page and a request',
    async () => {
      const page = await as(provider.user.email);
      const hops = await page.request.get('/api/v1/hops?limit=1');
      const hopId = ((await hops.json()) as { items: Array<{ id: string }> }).items[0]?.id;
      const routes = ['/inbox', '/answered', '/my-provider', '/upstreams', '/my-provider/settings', '/dno'];
      if (hopId) routes.push(`/hops/${hopId}`);
      expect(await violations(page, [...routes, '/profile'])).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    'an agency: its requests, referred tracebacks, profile',
    async () => {
      const page = await as(demo.enforcement.email);
      expect(await violations(page, ['/requests', '/tracebacks', '/profile'])).toEqual([]);
    },
    TIMEOUT,
  );
});
