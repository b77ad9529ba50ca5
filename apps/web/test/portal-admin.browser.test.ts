import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { demoRmdExport } from './support/rmd';
import { launchChromium, signedIn, signInWithForm, newContext } from './support/browser';
import { fieldError, text, until } from './support/page';
import { totpCode, totpStep } from './support/totp';

const portal = inject('portal');

const PDF = Buffer.from('%PDF-1.4\n% Letter of authorization (fictional)\ntrailer << >>\n%%EOF\n', 'latin1');

/**
 * The portal's newer pieces, in a real browser: a provider attaches a PDF to its answer (a file that is not a
 * PDF is refused at the field), the analyst sees it and the provider's RMD standing on the path; an admin
 * disables a user; a provider keeps its own settings, with messages at the fields.
 */
describe.skipIf(!portal)('attachments, RMD flags, user admin and provider settings', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;
  let analyst: Page;
  let admin: Page;
  let hopId: string;
  let tracebackId: string;
  // Demo providers with index 3 (mod 4) carry no RMD number: nothing links them to a filing.
  const unfiled = demo.providers[3]!;

  beforeAll(async () => {
    browser = await launchChromium();
    analyst = (await signedIn(browser, url, sessions[demo.analyst.email])).page;
    admin = (await signedIn(browser, url, sessions[demo.admin.email])).page;
    // An RMD export that lists the other demo providers (by filing number), so the import is a real one.
    const imported = await admin.request.post('/api/v1/rmd/import?fileName=browser-test.csv', {
      headers: { 'content-type': 'text/csv' },
      data: demoRmdExport(demo),
    });
    expect(imported.status(), await imported.text()).toBe(200);
    const opened = await analyst.request.post('/api/v1/tracebacks', {
      data: {
        call: {
          startedAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
          callingNumber: '(202) 555-0177',
          calledNumber: '(312) 555-0166',
        },
        firstProviderId: unfiled.id,
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

  it('a provider attaches a PDF in the answer form; a file that is not a PDF is refused at the field', async () => {
    const { page, context } = await signedIn(browser, url, sessions[unfiled.user.email]);
    await page.goto(`/hops/${hopId}`);
    const form = page.getByRole('form', { name: 'Your answer' });
    await form.waitFor();
    await page.getByLabel('We have no record of this call').check();
    const input = form.locator('input[type="file"]');
    await input.setInputFiles({
      name: 'picture.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('GIF89a…'),
    });
    await page.getByRole('button', { name: 'Send the answer' }).click();
    expect(await fieldError(page.locator('#attachment'))).toBe('Only PDF files can be attached');
    // Nothing was sent: the request is still waiting for an answer.
    expect(await form.isVisible()).toBe(true);

    await input.setInputFiles({ name: 'LOA.pdf', mimeType: 'application/pdf', buffer: PDF });
    expect(await text(form)).toContain(`LOA.pdf: ${PDF.length} B`);
    await page.getByLabel('Comment').fill('Searched all trunks; LOA attached.');
    await page.getByRole('button', { name: 'Send the answer' }).click();
    await page.getByTestId('given-answer').waitFor();
    const item = page.getByTestId('attachment');
    await until(async () => expect(await item.count()).toBe(1), 'the attachment listed on the hop');
    expect(await text(item)).toContain('LOA.pdf');
    const href = await item.getByRole('link', { name: 'LOA.pdf' }).getAttribute('href');
    const download = await page.request.get(href!);
    expect(download.headers()['content-type']).toBe('application/pdf');
    expect(Buffer.compare(await download.body(), PDF)).toBe(0);
    await context.close();
  });

  it('the analyst sees the attachment and a "Not in RMD" flag on the hop of an unfiled provider', async () => {
    await analyst.goto(`/tracebacks/${tracebackId}`);
    const hop = analyst.locator('[data-hop-seq="1"]');
    await hop.waitFor();
    const badge = hop.locator('[data-rmd]');
    await badge.waitFor();
    expect(await badge.getAttribute('data-rmd')).toBe('absent');
    // Said in words, not by colour alone.
    expect(await text(badge)).toContain('Not in RMD');
    expect(await text(hop.getByTestId('attachment'))).toContain('LOA.pdf');
  });

  it('a filed provider shows as filed', async () => {
    const filed = demo.providers[0]!;
    const opened = await analyst.request.post('/api/v1/tracebacks', {
      data: {
        call: {
          startedAt: new Date(Date.now() - 2 * 3_600_000).toISOString(),
          callingNumber: '(202) 555-0178',
          calledNumber: '(312) 555-0167',
        },
        firstProviderId: filed.id,
      },
    });
    const tb = (await opened.json()) as { id: string };
    await analyst.goto(`/tracebacks/${tb.id}`);
    const badge = analyst.locator('[data-hop-seq="1"] [data-rmd]');
    await badge.waitFor();
    expect(await badge.getAttribute('data-rmd')).toBe('filed');
    expect(await text(badge)).toBe('RMD: filed');
    await analyst.request.post(`/api/v1/tracebacks/${tb.id}/actions`, { data: { action: 'cancel' } });
  });

  it('an admin disables a user: the user can no longer sign in', async () => {
    const email = `temp.analyst.${Date.now()}@example.test`;
    const password = 'temporary-password-0123';
    const created = await admin.request.post('/api/v1/users', {
      data: { email, name: 'Temp Analyst (fictional)', role: 'analyst', password },
    });
    expect(created.status(), await created.text()).toBe(201);
    await admin.goto('/admin/users');
    await admin.getByLabel('Search').fill(email);
    const row = admin.getByRole('row').filter({ hasText: email });
    await row.waitFor();
    await row.getByRole('button', { name: 'Disable Temp Analyst (fictional)' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Disable Temp Analyst (fictional)?' });
    await dialog.getByRole('button', { name: 'Disable the user' }).click();
    await until(async () => expect(await text(row)).toContain('Disabled'), 'the Disabled badge');
    expect(await row.getByRole('button', { name: 'Enable Temp Analyst (fictional)' }).count()).toBe(1);

    const context = await newContext(browser, url);
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').innerText()).toBe('The email or the password is wrong.');
    await context.close();
  });

  it('an admin reads the audit ledger: who disabled whom, filtered by action; the head to copy', async () => {
    await admin.goto('/admin/audit');
    const table = admin.getByRole('table', { name: 'Audit ledger entries' });
    await table.waitFor();
    // The user disabled above: a change of the user, by the admin, saying what changed.
    await admin.getByLabel('Action').fill('user.updated');
    const row = table
      .getByRole('row')
      .filter({ hasText: 'Temp Analyst' })
      .or(table.getByRole('row').filter({ hasText: 'temp.analyst.' }))
      .first();
    await until(async () => {
      const t = await text(row);
      expect(t).toContain(demo.admin.email);
      expect(t).toContain('disabled');
    }, 'the entry of the user disabled above');
    // Every row shown is of that action once the filter applies.
    await until(async () => {
      const rows = await table.locator('tbody tr').allInnerTexts();
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.includes('user.updated'))).toBe(true);
    }, 'only user.updated entries');
    const head = await text(admin.getByText(/^\d+:[0-9a-f]{64}$/).first());
    expect(head).toMatch(/^\d+:[0-9a-f]{64}$/);
    // Not for analysts: the route answers as unknown to them.
    await analyst.goto('/admin/audit');
    expect(await analyst.getByRole('table', { name: 'Audit ledger entries' }).count()).toBe(0);
  });

  it('an analyst sets up two-factor authentication on the profile, then signs in only with a code', async () => {
    const who = { email: `twofactor.${Date.now()}@example.test`, password: 'two-factor-password-0123' };
    const created = await admin.request.post('/api/v1/users', {
      data: { ...who, name: 'Two Factor Analyst (fictional)', role: 'analyst' },
    });
    expect(created.status(), await created.text()).toBe(201);
    const context = await newContext(browser, url);
    const page = await context.newPage();
    await page.goto('/login');
    await signInWithForm(page, who);
    await page.goto('/profile');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    await page.getByTestId('totp-qr').waitFor();
    const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
    const enabledAt = totpStep();
    await page.getByLabel(/^Code from the app/).fill(totpCode(secret, enabledAt));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByTestId('recovery-codes').getByRole('listitem');
    await until(async () => expect(await codes.count()).toBe(10), 'ten recovery codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText(/10 of 10 recovery codes left/).waitFor();

    // Signed out, the password alone no longer signs in: the code does (one not used yet).
    await context.clearCookies();
    await page.goto('/login');
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel(/^Password/).fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Enter your code' }).waitFor();
    await page.getByLabel(/^Code/).fill('000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await fieldError(page.getByLabel(/^Code/))).toMatch(/not the current code|used already/);
    await page.getByLabel(/^Code/).fill(totpCode(secret, Math.max(totpStep(), enabledAt + 1)));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/dashboard');
    await context.close();
  });

  it('a provider user keeps its own settings: bad hours are refused at the field, good ones saved', async () => {
    const created = await analyst.request.post('/api/v1/providers', {
      data: {
        name: `Settings Test Voice ${Date.now()} (fictional)`,
        timezone: 'America/Chicago',
        contacts: [{ name: 'Desk', email: 'desk@settings-test.example' }],
      },
    });
    const p = (await created.json()) as { id: string; name: string };
    const who = { email: `settings.${Date.now()}@example.test`, password: 'settings-password-0123' };
    const user = await admin.request.post('/api/v1/users', {
      data: { ...who, name: 'Settings Person (fictional)', role: 'provider', providerId: p.id },
    });
    expect(user.status(), await user.text()).toBe(201);
    const context = await newContext(browser, url);
    const page = await context.newPage();
    await page.goto('/login');
    await signInWithForm(page, who);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL('**/my-provider/settings');
    await page.getByLabel(/^Opens at/).fill('25:00');
    await page.getByLabel(/^Email \(1\)/).fill('not-an-email');
    await page.getByRole('button', { name: 'Save the settings' }).click();
    expect(await fieldError(page.getByLabel(/^Opens at/))).toMatch(/^is a time as HH:MM$/i);
    expect(await fieldError(page.getByLabel(/^Email \(1\)/))).toMatch(/email/i);

    await page.getByLabel(/^Opens at/).fill('07:30');
    await page.getByLabel(/^Email \(1\)/).fill('noc@settings-test.example');
    await page.getByRole('button', { name: 'Add a contact' }).nth(1).click();
    await page.locator('[id="escalationContacts.0.name"]').fill('On-call manager');
    await page.locator('[id="escalationContacts.0.email"]').fill('oncall@settings-test.example');
    await page.getByLabel('Answer from the email link without signing in').uncheck();
    await page.getByRole('button', { name: 'Save the settings' }).click();
    await page.getByText('Settings saved').waitFor();
    const saved = (await (await page.request.get(`/api/v1/providers/${p.id}`)).json()) as {
      businessHours: { open: string };
      escalationContacts: Array<{ email: string }>;
      allowLinkAnswers: boolean;
      contacts: Array<{ email: string }>;
    };
    expect(saved.businessHours.open).toBe('07:30');
    expect(saved.contacts[0]!.email).toBe('noc@settings-test.example');
    expect(saved.escalationContacts[0]!.email).toBe('oncall@settings-test.example');
    expect(saved.allowLinkAnswers).toBe(false);
    await context.close();
  });
});
