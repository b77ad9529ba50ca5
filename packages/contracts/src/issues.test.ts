import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { fileLocation, isStockMessage, issuesText } from './issues';
import { ZHopAnswer, ZProviderCreate, ZUserCreate } from './index';

const messages = (r: { success: boolean; error?: { issues: z.core.$ZodIssue[] } }) =>
  r.success ? '' : issuesText(r.error!.issues);

describe("zod's issues in words for people", () => {
  it('replaces the stock wording of every contract (issue 19.8: "Too small: expected string to have >=1 characters")', () => {
    const provider = ZProviderCreate.safeParse({
      name: '',
      contacts: [{ name: 'Desk', email: 'nope' }],
      businessHours: { days: [], open: '08:00', close: '17:00' },
    });
    const text = messages(provider);
    expect(text).toContain('name: must not be empty');
    expect(text).toContain('contacts.0.email: must be an email address, like noc@carrier.example');
    expect(text).not.toMatch(/Too small|Too big|Invalid|expected string|>=/);
    expect(messages(ZUserCreate.safeParse({ email: 'a@b.example', name: 5, role: 'wizard' }))).toBe(
      'name: must be text, not a number; role: must be one of admin, analyst, provider, enforcement',
    );
    expect(messages(ZHopAnswer.safeParse({ kind: 'maybe' }))).toBe(
      'kind: must be one of upstream, origin, not_found',
    );
    expect(messages(ZHopAnswer.safeParse({ kind: 'origin' }))).toBe(
      'customer: is required; action: must be one of terminated, warned, blocked, investigating, none',
    );
  });

  it('words lengths, bounds, formats, and unknown fields', () => {
    const s = z
      .object({
        code: z.string().length(4),
        note: z.string().max(3),
        hours: z.number().int().min(1).max(72),
        ratio: z.number().gt(0),
        tags: z.array(z.string()).min(1),
        id: z.uuid(),
        at: z.iso.datetime(),
        pick: z.literal('yes'),
      })
      .strict();
    const text = messages(
      s.safeParse({
        code: 'abc',
        note: 'abcd',
        hours: 73,
        ratio: 0,
        tags: [],
        id: 'x',
        at: 'soon',
        pick: 'no',
        extra: 1,
      }),
    );
    for (const expected of [
      'code: must have exactly 4 characters',
      'note: must have at most 3 characters',
      'hours: must be at most 72',
      'ratio: must be more than 0',
      'tags: must have at least one item',
      'id: must be an id (a UUID',
      'at: must be a date and time in ISO 8601 with its zone, like 2026-11-02T15:00:00Z',
      'pick: must be "yes"',
      '(input): has a field this form does not know: extra',
    ])
      expect(text).toContain(expected);
  });

  it("keeps a contract's own message and tells it apart from the stock wording", () => {
    const r = z
      .object({ a: z.string().min(1, 'give the name'), b: z.string().min(1) })
      .safeParse({ a: '', b: '' });
    expect(r.success).toBe(false);
    const [own, stock] = r.error!.issues;
    expect(own!.message).toBe('give the name');
    expect(isStockMessage(own!)).toBe(false);
    expect(stock!.message).toBe('must not be empty');
    expect(isStockMessage(stock!)).toBe(true);
  });

  it('places a problem in a file by line and column', () => {
    expect(fileLocation(4)).toBe('line 4');
    expect(fileLocation(4, { name: 'contact_email', number: 9 })).toBe('line 4, column 9 (contact_email)');
    expect(fileLocation(4, { name: 'startedAt' })).toBe('line 4, column startedAt');
  });
});
