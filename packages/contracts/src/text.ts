import type { z } from 'zod';

/**
 * Text PostgreSQL cannot store: the NUL character (U+0000; `text` refuses it, `jsonb` refuses its escape),
 * and a lone UTF-16 surrogate (not Unicode; `jsonb` refuses its escape). Any other character, control
 * characters included, is stored as given. Every door refuses such text with a 400 naming the field: the
 * API for every request (plugins/inputHygiene.ts), and `storableText` for the schemas also parsed elsewhere
 * (bulk answer rows, CLI imports). A few fields document that they drop control characters instead (call
 * records, a trace-forward note).
 */
export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
export const SURROGATE_MESSAGE = 'must be valid Unicode text (it holds a lone UTF-16 surrogate)';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored, or null. */
export function unstorableTextReason(text: string): string | null {
  if (text.includes('\u0000')) return NUL_MESSAGE;
  if (LONE_SURROGATE.test(text)) return SURROGATE_MESSAGE;
  return null;
}

export interface TextIssue {
  path: Array<string | number>;
  message: string;
}

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * Every string (and object key) in a parsed JSON value, a query or path parameters that cannot be stored,
 * with its path. Walks plain objects and arrays only (a Buffer or a stream is a body parsed elsewhere), at
 * most `limit` issues.
 */
export function unstorableText(value: unknown, limit = 20): TextIssue[] {
  const issues: TextIssue[] = [];
  const walk = (v: unknown, path: Array<string | number>, depth: number): void => {
    if (issues.length >= limit) return;
    if (typeof v === 'string') {
      const message = unstorableTextReason(v);
      if (message) issues.push({ path, message });
      return;
    }
    if (typeof v !== 'object' || v === null || depth > 64) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, i], depth + 1));
      return;
    }
    if (!isPlainObject(v)) return;
    for (const [key, x] of Object.entries(v)) {
      const keyMessage = unstorableTextReason(key);
      if (keyMessage && issues.length < limit)
        issues.push({ path: [...path, key], message: `name ${keyMessage}` });
      walk(x, [...path, key], depth + 1);
    }
  };
  walk(value, [], 0);
  return issues;
}

/**
 * A schema that also refuses text PostgreSQL cannot store anywhere in what it parsed, each at its path: for
 * schemas parsed outside the API's request validation (a bulk answer row, a CLI import row).
 */
export function storableText<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    for (const issue of unstorableText(value)) ctx.addIssue({ code: 'custom', ...issue });
  });
}
