import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; the tests never download a browser. */
export const CHROMIUM = process.env.HOPTRACE_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Playwright gives each launch a fresh temporary profile (user data dir), removed on close. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

const SESSION_COOKIE = 'hoptrace_session';

export interface ContextOptions {
  viewport?: { width: number; height: number };
  timezoneId?: string;
  isMobile?: boolean;
}

export async function newContext(
  browser: Browser,
  baseUrl: string,
  opts: ContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: opts.viewport ?? { width: 1280, height: 860 },
    timezoneId: opts.timezoneId ?? 'America/Chicago',
    locale: 'en-US',
    ...(opts.isMobile ? { isMobile: true, hasTouch: true } : {}),
  });
  // Fail in seconds, not Playwright's default 30: every step here takes well under one.
  context.setDefaultTimeout(10_000);
  return context;
}

/** A context already signed in with a session minted by the global setup. */
export async function signedIn(
  browser: Browser,
  baseUrl: string,
  token: string | undefined,
  opts: ContextOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  if (!token) throw new Error('no session for this user');
  const context = await newContext(browser, baseUrl, opts);
  const { hostname } = new URL(baseUrl);
  await context.addCookies([
    { name: SESSION_COOKIE, value: token, domain: hostname, path: '/', httpOnly: true },
  ]);
  return { context, page: await context.newPage() };
}

/** Signs in through the form, as a person does. */
export async function signInWithForm(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel(/^Password/).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}
