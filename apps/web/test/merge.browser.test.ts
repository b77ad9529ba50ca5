import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, signedIn } from './support/browser';
import { pickProvider, until } from './support/page';

const portal = inject('portal');

/** An admin merges a duplicate provider record from its page; the old page then points to the kept one. */
describe.skipIf(!portal)('merging provider records', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
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

  const create = async (name: string, ocn: string) => {
    const res = await admin.request.post('/api/v1/providers', { data: { name, ocns: [ocn] } });
    expect(res.status(), await res.text()).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };

  it('an admin merges from the provider page; the merged page says where it went', async () => {
    const dup = await create('Smew Crossing Telecom', 'S3W1');
    const keep = await create('Smew Crossing Telecommunications Inc', 'S3W2');

    // Only admins are offered the action.
    await analyst.goto(`/providers/${dup}`);
    await analyst
      .getByRole('heading', { name: /Smew Crossing Telecom/ })
      .first()
      .waitFor();
    expect(await analyst.getByRole('button', { name: 'Merge into…' }).count()).toBe(0);

    await admin.goto(`/providers/${dup}`);
    await admin.getByRole('button', { name: 'Merge into…' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Merge' }).click();
    await until(
      async () => expect(await dialog.innerText()).toContain('Choose the record to keep'),
      'the missing choice to be named',
    );
    await pickProvider(admin, /Keep this record/, 'Smew Crossing Telecommunications Inc');
    await dialog.getByRole('button', { name: 'Merge' }).click();
    const banner = admin.getByTestId('merged-into');
    await banner.waitFor();
    expect(await banner.innerText()).toContain('Smew Crossing Telecommunications Inc');
    await banner.getByRole('link').click();
    await until(() => expect(new URL(admin.url()).pathname).toBe(`/providers/${keep}`), 'the kept record');
    await until(
      async () =>
        expect(await admin.getByText('Smew Crossing Telecom', { exact: true }).count()).toBeGreaterThan(0),
      'the merged name among the other names',
    );
  });
});
