import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** Waits until `check` passes (Playwright's own expect is not part of playwright-core). */
export async function until<T>(check: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}: ${last instanceof Error ? last.message : String(last)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The message shown at a field: the field is marked invalid and names its
 * message through aria-describedby, as a screen reader reads it.
 */
export async function fieldError(field: Locator): Promise<string> {
  return until(async () => {
    if ((await field.getAttribute('aria-invalid')) !== 'true')
      throw new Error('the field is not marked invalid');
    // Mantine names the message `<field id>-error`; the description shares aria-describedby with it.
    const ids =
      (await field.getAttribute('aria-describedby'))?.split(/\s+/).filter((id) => id.endsWith('-error')) ??
      [];
    const texts = await Promise.all(
      ids.map((id) =>
        field
          .page()
          .locator(`[id="${id}"]`)
          .textContent({ timeout: 1000 })
          .catch(() => ''),
      ),
    );
    const text = texts.filter(Boolean).join(' ').trim();
    if (!text) throw new Error('no message is attached to the field');
    return text;
  }, 'a message at the field');
}

/** Picks a provider in a ProviderPicker by typing part of its name. */
export async function pickProvider(page: Page, label: string | RegExp, name: string): Promise<void> {
  const box = page.getByRole('combobox', { name: label });
  await box.click();
  await box.fill(name.slice(0, 8));
  await page.getByRole('option', { name: new RegExp(`^${name}`) }).click();
}

/** The text as rendered, whitespace collapsed; lower-cased when asked, since labels are drawn in capitals. */
export async function text(locator: Locator, opts: { lower?: boolean } = {}): Promise<string> {
  const t = (await locator.innerText()).replace(/\s+/g, ' ').trim();
  return opts.lower ? t.toLowerCase() : t;
}

/** A one-hop link for `hopId` in an email to `to`, as the worker wrote it (quoted-printable decoded). */
export function linkInEmail(mailDir: string, to: string, hopId: string): Promise<string> {
  return until(
    () => {
      for (const file of readdirSync(mailDir).filter((f) => f.endsWith('.eml'))) {
        const raw = readFileSync(join(mailDir, file), 'utf8');
        if (!new RegExp(`^To: .*${to.replace(/[.]/g, '\\.')}`, 'mi').test(raw)) continue;
        const decoded = raw
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
        const link = new RegExp(`https?://[^\\s"<>]+/hop/${hopId}#t=[\\w%-]+`).exec(decoded)?.[0];
        if (link) return link;
      }
      throw new Error(`no email to ${to} with a link to ${hopId} yet`);
    },
    'the email with the one-hop link',
    15_000,
  );
}
