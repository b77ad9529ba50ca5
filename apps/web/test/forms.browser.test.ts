import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { NO_PORTAL } from './support/portal';
import { launchChromium, newContext, signedIn } from './support/browser';
import { fieldError, pickProvider } from './support/page';

const portal = inject('portal');

/** Bad input in each form is answered at the field it concerns, in words a person can act on. */
describe.skipIf(!portal)('bad input shows a message at the field', () => {
  const { url, demo, sessions } = portal ?? NO_PORTAL;
  let browser: Browser;
  let admin: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    admin = (await signedIn(browser, url, sessions[demo.admin.email])).page;
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** An open traceback from the demo data: the last ones stay open. */
  const openTraceback = () => demo.tracebacks[demo.tracebacks.length - 1]!;

  it('sign in: a missing email, then a wrong password', async () => {
    const context = await newContext(browser, url);
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await fieldError(page.getByLabel('Email'))).toBe('Required');
    await page.getByLabel('Email').fill(demo.analyst.email);
    await page.getByLabel(/^Password/).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').innerText()).toBe('The email or the password is wrong.');
    await context.close();
  });

  it('open a traceback: each field says what is wrong, including what only the server knows', async () => {
    await admin.goto('/tracebacks/new');
    await admin.getByRole('button', { name: 'Open the traceback' }).click();
    expect(await fieldError(admin.getByLabel(/^Call time/))).toBe('Enter the time of the call');
    expect(await fieldError(admin.getByLabel(/^Calling number/))).toBe('Enter the caller ID the call showed');
    expect(await fieldError(admin.getByLabel(/^Called number/))).toBe('Enter the number that was called');
    expect(await fieldError(admin.getByRole('combobox', { name: /^First provider/ }))).toBe(
      'Choose the provider to ask first',
    );
    // Focus goes to the first field with a message.
    expect(await admin.evaluate(() => document.activeElement?.id)).toBe('call.startedAt');

    await admin.getByLabel(/^Call time/).fill('2026-02-31 10:00');
    await admin.getByLabel(/^Calling number/).fill('12');
    await admin.getByLabel(/^Called number/).fill('call me');
    await admin.getByRole('button', { name: 'Open the traceback' }).click();
    expect(await fieldError(admin.getByLabel(/^Call time/))).toBe('That date or time does not exist');
    expect(await fieldError(admin.getByLabel(/^Calling number/))).toBe(
      '"12" has too few digits to be a phone number',
    );
    expect(await fieldError(admin.getByLabel(/^Called number/))).toBe(
      '"call me" contains characters a phone number cannot have',
    );

    await admin.getByLabel(/^Call time/).fill('2099-01-01 00:00');
    await admin.getByLabel(/^Calling number/).fill('(202) 555-0143');
    await admin.getByLabel(/^Called number/).fill('+1 312 555 0188');
    await pickProvider(admin, /^First provider/, demo.providers[0]!.name);
    await admin.getByRole('button', { name: 'Open the traceback' }).click();
    expect(await fieldError(admin.getByLabel(/^Call time/))).toBe('Is in the future');
    expect(new URL(admin.url()).pathname).toBe('/tracebacks/new');
  });

  it('steer a traceback: close without an outcome, reassign without a provider', async () => {
    await admin.goto(`/tracebacks/${openTraceback()}`);
    await admin.getByRole('button', { name: 'Close…' }).click();
    const close = admin.getByRole('dialog', { name: 'Close with an outcome' });
    await close.getByRole('button', { name: 'Close with an outcome' }).click();
    expect(await fieldError(close.getByRole('combobox', { name: /^Outcome/ }))).toBe('Choose the outcome');
    await admin.keyboard.press('Escape');
    await admin.getByRole('button', { name: 'Reassign…' }).click();
    const reassign = admin.getByRole('dialog', { name: 'Reassign a request' });
    await reassign.getByRole('button', { name: 'Reassign a request' }).click();
    expect(await fieldError(reassign.getByRole('combobox', { name: /^Provider to ask instead/ }))).toBe(
      'Choose the provider to ask instead',
    );
    await admin.keyboard.press('Escape');
  });

  it('search by number: a number that cannot be one', async () => {
    await admin.goto('/tracebacks');
    const box = admin.getByRole('searchbox', { name: 'Calling or called number' });
    await box.fill('abc');
    await box.press('Enter');
    expect(await fieldError(box)).toBe('This contains characters a phone number cannot have');
  });

  it('add a provider: name, OCN format and contact email', async () => {
    await admin.goto('/providers');
    await admin.getByRole('button', { name: 'Add a provider' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Add a provider' });
    await dialog.getByLabel('OCNs').fill('12, 7000');
    await dialog.getByLabel('Email').fill('not-an-email');
    await dialog.getByRole('button', { name: 'Add the provider' }).click();
    expect(await fieldError(dialog.getByLabel(/^Name/).first())).toBe('Required');
    expect(await fieldError(dialog.getByLabel('OCNs'))).toBe(
      'an OCN is four letters or digits, e.g. 1234 or 567F',
    );
    expect(await fieldError(dialog.getByLabel('Email'))).toBe(
      'Enter an email address, like desk@carrier.example',
    );
    await admin.keyboard.press('Escape');
  });

  it('add a campaign: name and description are required', async () => {
    await admin.goto('/campaigns');
    await admin.getByRole('button', { name: 'Add a campaign' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Add a campaign' });
    await dialog.getByRole('button', { name: 'Add the campaign' }).click();
    expect(await fieldError(dialog.getByLabel(/^Name/))).toBe('Required');
    expect(await fieldError(dialog.getByLabel(/^Description/))).toBe('Required');
    await admin.keyboard.press('Escape');
  });

  it('add a user: a provider user names its provider; passwords are long; the email is taken', async () => {
    await admin.goto('/admin/users');
    await admin.getByRole('button', { name: 'Add a user' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Add a user' });
    await dialog.getByRole('button', { name: 'Add the user' }).click();
    expect(await fieldError(dialog.getByLabel(/^Email/))).toBe(
      'Enter an email address, like desk@carrier.example',
    );
    expect(await fieldError(dialog.getByRole('combobox', { name: /^Role/ }))).toBe('Choose a role');
    await dialog.getByLabel(/^Email/).fill('new.desk@bluegill.example');
    await dialog.getByLabel(/^Name/).fill('New desk');
    await dialog.getByRole('combobox', { name: /^Role/ }).click();
    await admin.getByRole('option', { name: 'Provider' }).click();
    await dialog.getByLabel(/^Password/).fill('short');
    await dialog.getByRole('button', { name: 'Add the user' }).click();
    expect(await fieldError(dialog.getByRole('combobox', { name: /^Provider it speaks for/ }))).toBe(
      'a provider user must name its provider',
    );
    expect(await fieldError(dialog.getByLabel(/^Password/))).toBe('must be at least 12 characters');
    await dialog.getByLabel(/^Email/).fill(demo.analyst.email);
    await dialog.getByRole('combobox', { name: /^Role/ }).click();
    await admin.getByRole('option', { name: 'Analyst' }).click();
    await dialog.getByLabel(/^Password/).fill('');
    await dialog.getByRole('button', { name: 'Add the user' }).click();
    expect(await dialog.getByRole('alert').innerText()).toBe(
      `a user with email ${demo.analyst.email} already exists`,
    );
    await admin.keyboard.press('Escape');
  });

  it('create an API key: it needs a name', async () => {
    await admin.goto('/profile');
    await admin.getByRole('button', { name: 'Create a key' }).click();
    expect(await fieldError(admin.getByLabel('New key name'))).toBe('Required');
    await admin.getByLabel('New key name').fill('reporting');
    await admin.getByRole('button', { name: 'Create a key' }).click();
    expect(await admin.getByTestId('new-api-key').innerText()).toMatch(/^htk_/);
  });

  it('answer a request: a choice, the customer and the action, and a real email for a new provider', async () => {
    const res = await admin.request.get('/api/v1/hops?status=pending');
    // A hop of a trace (a forward request, campaigns test, has a two-answer form) at a demo provider
    // whose user we can sign in as (other files open tracebacks at providers of their own).
    const hop = (
      (await res.json()) as { items: Array<{ id: string; providerId: string; forward?: unknown }> }
    ).items.find((h) => !h.forward && demo.providers.some((p) => p.id === h.providerId))!;
    const owner = demo.providers.find((p) => p.id === hop.providerId)!;
    const { page, context } = await signedIn(browser, url, sessions[owner.user.email]);
    await page.goto(`/hops/${hop.id}`);
    await page.getByRole('button', { name: 'Send the answer' }).click();
    await page.getByText('Choose one of the three answers').waitFor();

    await page.getByLabel('We originated it: the caller is our customer').check();
    await page.getByRole('button', { name: 'Send the answer' }).click();
    expect(await fieldError(page.getByLabel(/^Customer name/))).toBe('Required');
    expect(await fieldError(page.getByRole('combobox', { name: /^What you did/ }))).toBe(
      'Say what you did about the traffic',
    );

    await page.getByLabel('Another provider handed us the call').check();
    await page.getByRole('button', { name: 'Send the answer' }).click();
    expect(await fieldError(page.getByRole('combobox', { name: /^Upstream provider/ }))).toBe(
      'Choose the provider from the directory, or name one that is not listed',
    );
    await page.keyboard.press('Escape');
    await page.getByLabel('The provider is not in the directory: I will name it').check();
    await page.getByLabel(/^Provider name/).fill('Unlisted Fictional Carrier');
    await page.getByLabel(/^Contact email/).fill('desk at unlisted');
    await page.getByRole('button', { name: 'Send the answer' }).click();
    expect(await fieldError(page.getByLabel(/^Contact email/))).toBe(
      'Enter an email address, like desk@carrier.example',
    );

    // The provider's own contacts, from its provider page.
    await page.goto('/my-provider');
    await page.getByRole('button', { name: 'Change contacts and time zone' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').first().fill('nobody');
    await dialog.getByRole('button', { name: 'Save' }).click();
    expect(await fieldError(dialog.getByLabel('Email').first())).toBe(
      'Enter an email address, like desk@carrier.example',
    );
    await context.close();
  });
});
