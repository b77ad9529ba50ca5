import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startShakenPortal, type ShakenPortal } from './support/shaken';
import { launchChromium, signedIn } from './support/browser';
import { fieldError, until } from './support/page';

// Only to know whether the browser tier runs (Chromium present); this file starts its own portal.
const tier = inject('portal');

const SPC = '5E7F';
const ORIGID = '5d0c2a9e-7b41-4c3f-9e2d-81a6b4c0f123';

/**
 * A traceback whose Identity header carries a valid A attestation: the staff page shows the verification
 * and the hop to the signer; the signer's provider user sees on its hop what it signed and is asked.
 * The header is verified by the core at open against a test PKI served over loopback (as in
 * apps/server/src/shakenTracebacks.http.test.ts), hence a portal of this file's own.
 */
describe.skipIf(!tier)('STIR/SHAKEN in the portal', () => {
  let portal: ShakenPortal;
  let browser: Browser;
  let analyst: Page;
  let signerPage: Page;
  let tracebackId: string;
  let signerHopId: string;
  let signerProviderId: string;
  let signerName: string;

  beforeAll(async () => {
    portal = await startShakenPortal({ spc: SPC, origid: ORIGID });
    ({ tracebackId, signerHopId } = portal);
    signerProviderId = portal.signer.id;
    signerName = portal.signer.name;
    browser = await launchChromium();
    analyst = (await signedIn(browser, portal.url, portal.tokens.analyst)).page;
    signerPage = (await signedIn(browser, portal.url, portal.tokens.signer)).page;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  it("shows the signer's provider user what it signed, and asks the signer's question", async () => {
    await signerPage.goto(`/hops/${signerHopId}`);
    const box = signerPage.getByTestId('signer-request');
    await box.waitFor();
    const text = await box.innerText();
    expect(text).toContain('You signed this call');
    expect(text).toContain('attestation A');
    expect(text).toContain('confirm whether it originated on your network, and with which customer');
    expect(await box.getByTestId('signer-origid').innerText()).toBe(ORIGID);
    // The question and the answers are the signer's, not "who handed it to you".
    const body = await signerPage.locator('main').innerText();
    expect(body).toContain('did it originate on your network?');
    expect(body).not.toContain('which provider handed it to you?');
    const form = signerPage.getByRole('form', { name: 'Your answer' });
    for (const label of [
      'Yes, it originated with our customer',
      'We signed it, but received it from another provider',
      'We have no record of this call',
    ])
      expect(await form.getByRole('radio', { name: label }).count(), label).toBe(1);
    // The provider user cannot read the traceback itself.
    expect((await signerPage.request.get(`/api/v1/tracebacks/${tracebackId}`)).status()).toBe(404);

    // The signer confirms the origin (its claim, CPNI); its page then shows its answer, not the customer.
    const res = await signerPage.request.post(`/api/v1/hops/${signerHopId}/answer`, {
      data: {
        kind: 'origin',
        customer: { name: 'Fictional Robodial Partners', accountRef: 'WF-77' },
        action: 'investigating',
      },
    });
    expect(res.status(), await res.text()).toBe(200);
    await signerPage.reload();
    const given = signerPage.getByTestId('given-answer');
    await given.waitFor();
    expect(await given.innerText()).toContain('Originated the call');
    expect(await signerPage.locator('main').innerText()).not.toContain('Fictional Robodial Partners');
  });

  it('shows staff the verdict, the signer, the signer line and the signer claim apart from the origin', async () => {
    await analyst.goto(`/tracebacks/${tracebackId}`);
    const panel = analyst.getByRole('region', { name: 'STIR/SHAKEN' });
    await panel.waitFor();
    expect(await panel.getByTestId('shaken-verdict').innerText()).toBe('Signature valid');
    const text = await panel.innerText();
    expect(text).toContain('Attestation A');
    expect(text).toContain(ORIGID);
    expect(text).toContain(`SPC ${SPC}`);
    const signerLink = panel.getByRole('link', { name: signerName });
    expect(await signerLink.getAttribute('href')).toBe(`/providers/${signerProviderId}`);
    const line = panel.getByRole('list', { name: 'Signer line' });
    await until(
      async () => expect(await line.innerText()).toContain('confirms it originated the call'),
      'the signer hop and its answer',
    );
    expect(await line.innerText()).toContain(signerName);
    // The signer's origin answer is its claim, inside the panel; the path has no origin yet.
    const claim = panel.getByTestId('signer-claim');
    expect(await claim.innerText()).toContain('Fictional Robodial Partners');
    expect(await claim.innerText()).toContain('WF-77');
    expect(await analyst.getByRole('heading', { name: 'Origin customer (CPNI)' }).count()).toBe(0);
  });

  it('shows on the path where the call was signed, by whom, and the flag counted against the signer', async () => {
    await analyst.goto(`/tracebacks/${portal.pathTracebackId}`);
    const received = analyst.locator('[data-received="signed"]');
    await received.waitFor();
    const text = await received.innerText();
    expect(text).toContain(`Received signed (A) by ${signerName}, valid`);
    expect(await received.locator('[data-path-flag="shaken_path_signer_not_origin"]').innerText()).toContain(
      'Signer is not the origin',
    );
    expect(await analyst.locator('[data-received="none"]').innerText()).toContain(
      'Received without an Identity header',
    );
    await analyst.goto(`/providers/${signerProviderId}`);
    const count = analyst.locator('[data-path-count="shaken_path_signer_not_origin"]');
    await count.waitFor();
    expect(await count.innerText()).toContain(': 1');
  });

  it('the answer form takes what the call arrived with, checks it, and sends it', async () => {
    await signerPage.goto(`/hops/${portal.form.hopId}`);
    const form = signerPage.getByRole('form', { name: 'Your answer' });
    await form.getByLabel('We originated it: the caller is our customer').check();
    await form.getByLabel(/^Customer name/).fill('Fictional Dialer LLC');
    await form.getByRole('combobox', { name: /^What you did/ }).click();
    await signerPage.getByRole('option', { name: 'Customer warned' }).click();
    await form.getByLabel('Identity header as received').fill(portal.form.header);
    await form.getByLabel('From number received').fill('not a number');
    await form.getByRole('button', { name: 'Send the answer' }).click();
    expect(await fieldError(form.getByLabel('From number received'))).toMatch(/phone number|characters/);
    await form.getByLabel('From number received').fill('+1 202 555 0143');
    await form.getByRole('button', { name: 'Send the answer' }).click();
    await signerPage.getByTestId('given-answer').waitFor();
    const res = await analyst.request.get(`/api/v1/tracebacks/${portal.form.tracebackId}`);
    const view = (await res.json()) as {
      hops: Array<{ received?: { identity: string; fromNumber: string } }>;
    };
    expect(view.hops[0]!.received).toMatchObject({ identity: 'signed', fromNumber: '+12025550143' });
  });
});
