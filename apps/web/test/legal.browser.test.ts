import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, newContext, signedIn, signInWithForm } from './support/browser';
import { fieldError, text, until } from './support/page';

const portal = inject('portal');

const PDF = Buffer.from('%PDF-1.4\n% Subpoena (fictional)\ntrailer << >>\n%%EOF\n', 'latin1');
const day = (d: Date) => d.toISOString().slice(0, 10);
/** The agency of the browser tier's demo enforcement user (apps/web/test/node/demo.ts). */
const AGENCY = 'State AG Robocall Unit (test)';

/**
 * The legal process register and cease-and-desist letters in a real browser: an analyst records a subpoena
 * with its PDF, gathers the traceback it names, builds the evidence package and records the response; an
 * overdue request is marked in the list. Staff record a letter on a provider's page; the provider's own user
 * reads it there (without the form), and the hop of that provider carries the red flag on the traceback.
 * Everything runs on a provider and a traceback of its own, so the shared demo data keeps its figures.
 */
describe.skipIf(!portal)('legal requests and cease-and-desist letters', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  const stamp = Date.now();
  let browser: Browser;
  let analyst: Page;
  let provider: { id: string; name: string };
  let tracebackId: string;
  let callDay: string;

  beforeAll(async () => {
    browser = await launchChromium();
    analyst = (await signedIn(browser, url, sessions[demo.analyst.email])).page;
    const created = await analyst.request.post('/api/v1/providers', {
      data: {
        name: `Letterbox Telecom ${stamp} (fictional)`,
        contacts: [{ name: 'Desk', email: `desk.${stamp}@letterbox.example` }],
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    provider = (await created.json()) as { id: string; name: string };
    const startedAt = new Date(Date.now() - 3 * 3_600_000);
    callDay = day(startedAt);
    const opened = await analyst.request.post('/api/v1/tracebacks', {
      data: {
        call: {
          startedAt: startedAt.toISOString(),
          callingNumber: '(202) 555-0131',
          calledNumber: '(312) 555-0132',
        },
        firstProviderId: provider.id,
      },
    });
    expect(opened.status(), await opened.text()).toBe(201);
    tracebackId = ((await opened.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('an analyst records a subpoena with its PDF, gathers, builds the package and records the response', async () => {
    await analyst.goto('/dashboard');
    await analyst.getByRole('link', { name: 'Legal requests' }).click();
    await analyst.waitForURL('**/legal');
    await analyst.getByRole('button', { name: 'Record a request' }).click();
    const form = analyst.getByRole('form', { name: 'Record a legal request' });
    await form.waitFor();
    // Nothing filled in: refused at the fields, nothing sent.
    await form.getByRole('button', { name: 'Record', exact: true }).click();
    expect(await fieldError(form.getByLabel(/^Number/))).toBe('must not be blank');
    expect(await fieldError(form.getByLabel(/^Traceback ids/))).toMatch(/at least one traceback/);

    const number = `SUB-${stamp}`;
    // The agency chosen from the directory names the request as well.
    const directory = form.getByLabel(/^Issuing agency, from the directory/);
    await directory.click();
    await directory.fill('State AG');
    await analyst.getByRole('option', { name: AGENCY }).click();
    expect(await form.getByLabel(/^Issuing agency, as named/).inputValue()).toBe(AGENCY);
    await form.getByLabel(/^Number/).fill(number);
    const today = day(new Date());
    await form.getByLabel(/^Received on/).fill(today);
    await form.getByLabel(/^Due on/).fill(day(new Date(Date.now() + 20 * 86_400_000)));
    await form.getByLabel(/^Traceback ids/).fill(tracebackId);
    await form.locator('input[type=file]').setInputFiles({
      name: 'subpoena.pdf',
      mimeType: 'application/pdf',
      buffer: PDF,
    });
    await form.getByRole('button', { name: 'Record', exact: true }).click();
    await analyst.waitForURL(/\/legal\/[0-9a-f-]{36}$/);
    const legalId = analyst.url().split('/').pop()!;
    await analyst.getByRole('heading', { name: `Subpoena ${number}` }).waitFor();

    // The document is the PDF as uploaded.
    const doc = analyst.getByTestId('legal-document');
    await doc.waitFor();
    expect(await text(doc)).toBe('subpoena.pdf');
    const pdf = await analyst.request.get((await doc.getAttribute('href'))!);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect(Buffer.compare(await pdf.body(), PDF)).toBe(0);

    // The scope's traceback is among the matches, chosen by default; gathering confirms the set.
    const matches = analyst.getByTestId('legal-matches');
    await matches.locator(`[data-traceback-id="${tracebackId}"]`).waitFor();
    expect(await matches.getByLabel(`Gather traceback ${tracebackId}`).isChecked()).toBe(true);
    expect(await analyst.getByTestId('build-package').count()).toBe(0);
    await matches.getByTestId('gather').click();
    await until(
      async () => expect(await text(matches)).toContain('1 gathered on'),
      'the gathered set confirmed',
    );

    // The package over the gathered set: a signed ZIP to download.
    await analyst.getByTestId('build-package').click();
    const link = analyst.getByTestId('package-download');
    await link.waitFor();
    const zip = await analyst.request.get((await link.getAttribute('href'))!);
    expect(zip.status()).toBe(200);
    expect(zip.headers()['content-type']).toBe('application/zip');
    expect((await zip.body()).subarray(0, 2).toString('latin1')).toBe('PK');

    // The response, sent an hour ago (the browser's local time, as the field takes it).
    const sentAt = await analyst.evaluate(() => {
      const d = new Date(Date.now() - 3_600_000);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    });
    const respond = analyst.getByRole('form', { name: 'Record the response' });
    await respond.getByRole('button', { name: 'Record the response' }).click();
    expect(await fieldError(respond.getByLabel(/^How/))).toBe('must not be blank');
    await respond.getByLabel(/^Sent at/).fill(sentAt);
    await respond.getByLabel(/^How/).fill('email to counsel');
    await respond.getByRole('button', { name: 'Record the response' }).click();
    const response = analyst.getByRole('region', { name: 'Response', exact: true });
    await response.waitFor();
    expect(await text(response)).toContain('email to counsel');

    const stored = (await (await analyst.request.get(`/api/v1/legal-requests/${legalId}`)).json()) as {
      status: string;
      gathered: { tracebackIds: string[] };
      packageId: string | null;
      response: { method: string } | null;
    };
    expect(stored.status).toBe('responded');
    expect(stored.gathered.tracebackIds).toEqual([tracebackId]);
    expect(stored.packageId).not.toBeNull();
    expect(stored.response?.method).toBe('email to counsel');

    // Back in the list: responded, and not marked overdue.
    await analyst.getByRole('link', { name: 'Legal requests' }).click();
    const row = analyst.locator(`[data-legal-id="${legalId}"]`);
    await row.waitFor();
    expect(await text(row, { lower: true })).toContain('responded');
    expect(await row.getByTestId('overdue').count()).toBe(0);

    // The issuing agency's enforcement user sees it on their home page, status only.
    const agency = (await signedIn(browser, url, sessions[demo.enforcement.email])).page;
    await agency.goto('/requests');
    const issued = agency.getByRole('table', { name: 'Legal requests your agency issued' });
    const mine = issued.locator(`[data-legal-id="${legalId}"]`);
    await mine.waitFor();
    expect(await text(mine, { lower: true })).toContain(`${number.toLowerCase()} subpoena`);
    expect(await text(mine, { lower: true })).toContain('responded');
    expect(await agency.getByText('subpoena.pdf').count()).toBe(0);
    await agency.context().close();
  });

  it('a request past its due date is marked overdue in the list', async () => {
    const res = await analyst.request.post('/api/v1/legal-requests', {
      data: {
        kind: 'cid',
        issuingAgency: 'Federal Trade Commission (test)',
        number: `CID-${stamp}`,
        receivedOn: day(new Date(Date.now() - 40 * 86_400_000)),
        dueOn: day(new Date(Date.now() - 5 * 86_400_000)),
        scope: { tracebackIds: [tracebackId] },
      },
    });
    expect(res.status(), await res.text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await analyst.goto('/legal');
    const row = analyst.locator(`[data-legal-id="${id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('overdue').count()).toBe(1);
    expect(await text(row)).toContain('5 days overdue');
  });

  it('staff record a letter on the provider page; its user reads it there; its hop carries the red flag', async () => {
    await analyst.goto(`/providers/${provider.id}`);
    const section = analyst.getByTestId('letters');
    await section.waitFor();
    await until(
      async () => expect(await text(section)).toContain('No letter on file.'),
      'the empty list of letters',
    );
    await section.getByRole('button', { name: 'Record a letter' }).click();
    const form = analyst.getByRole('form', { name: 'Record a letter' });
    await form.getByLabel(/^Dated/).fill(callDay);
    await form.getByLabel(/^Link to the letter/).fill('ftp://letters.example/1');
    await form.getByRole('button', { name: 'Record', exact: true }).click();
    expect(await fieldError(form.getByLabel(/^Summary/))).toBe('must not be blank');
    expect(await fieldError(form.getByLabel(/^Link to the letter/))).toBeTruthy();
    await form.getByLabel(/^Link to the letter/).fill('https://letters.example/fcc-1.pdf');
    await form.getByLabel(/^Summary/).fill('Stop carrying the fictional refund campaign (test).');
    await form.getByRole('button', { name: 'Record', exact: true }).click();
    const letter = section.locator('[data-letter-id]');
    await letter.waitFor();
    expect(await text(letter)).toContain(`FCC ${callDay}`);
    expect(await text(letter)).toContain('fictional refund campaign');

    // The traceback through this provider: its hop is flagged, in words.
    await analyst.goto(`/tracebacks/${tracebackId}`);
    const flag = analyst.locator('[data-hop-seq="1"] [data-letter="FCC"]');
    await flag.waitFor();
    expect(await text(flag)).toBe(`⚠ FCC letter ${callDay}`);

    // The provider's own user sees the letter on "Your provider", without the form.
    const who = { email: `letterbox.${stamp}@example.test`, password: 'letterbox-password-0123' };
    const admin = (await signedIn(browser, url, sessions[demo.admin.email])).page;
    const user = await admin.request.post('/api/v1/users', {
      data: { ...who, name: 'Letterbox Person (fictional)', role: 'provider', providerId: provider.id },
    });
    expect(user.status(), await user.text()).toBe(201);
    const context = await newContext(browser, url);
    const page = await context.newPage();
    await page.goto('/login');
    await signInWithForm(page, who);
    await page.getByRole('link', { name: 'Your provider' }).click();
    const own = page.getByTestId('letters');
    await own.locator('[data-letter-id]').waitFor();
    expect(await text(own)).toContain('fictional refund campaign');
    expect(await own.getByRole('button', { name: 'Record a letter' }).count()).toBe(0);
    await context.close();
  });
});
