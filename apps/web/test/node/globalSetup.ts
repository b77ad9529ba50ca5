import { ensureWebBuild } from '@hoptrace/server';
import { login, systemClock } from '@hoptrace/core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM, hasChromium } from '../support/browser';
import type { PortalUnderTest } from '../support/portal';
import { addFlowProviders, seedDemo, type DemoUser } from './demo';
import { startPortal } from './server';

/**
 * Once per run of the browser tier: decide whether it can run, build the
 * portal if its sources changed, and start one server with the demo data for
 * all the browser test files (starting PostgreSQL-in-WASM is the slow part).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!hasChromium) {
    if (process.env.CI === 'true')
      throw new Error(`browser tests are required under CI=true, but there is no Chromium at ${CHROMIUM}`);
    console.log(
      `\n  browser tests SKIPPED: no Chromium at ${CHROMIUM} (install Debian's chromium to run them; under CI=true they are required)\n`,
    );
    project.provide('portal', null);
    return undefined;
  }
  await ensureWebBuild((line) => console.log(`  ${line}`));
  // With the worker: notices go out as .eml files, so a test can follow the link in a provider's email.
  const portal = await startPortal({ worker: true });
  const demo = await seedDemo(portal.db, { tracebacks: 40 });
  const flow = await addFlowProviders(portal.db);
  const users: DemoUser[] = [
    demo.admin,
    demo.analyst,
    demo.enforcement,
    ...demo.providers.map((p) => p.user),
    ...flow.map((p) => p.user),
  ];
  const sessions: Record<string, string> = {};
  for (const u of users) {
    const s = await login({ db: portal.db, clock: systemClock }, u.email, u.password);
    if (s?.kind !== 'session') throw new Error(`could not sign ${u.email} in`);
    sessions[u.email] = s.token;
  }
  const provided: PortalUnderTest = { url: portal.url, demo, flow, sessions, mailDir: portal.mailDir };
  project.provide('portal', provided);
  return () => portal.close();
}
