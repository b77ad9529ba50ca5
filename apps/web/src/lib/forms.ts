import { isStockMessage, type TProblem } from '@hoptrace/contracts';
import type { z } from 'zod';

/** Field errors keyed by the dotted path the API uses (`call.callingNumber`, `customer.name`). */
export type FieldErrors = Record<string, string>;

type Issue = z.core.$ZodIssue;

/**
 * The contracts word zod's issues for people after a field's name ("name: must not be empty", contracts
 * `describeIssue`); a form shows the message under the field, so it gets a form's wording ("Required").
 * Custom messages from the contracts (the phone number reasons, OCN format) pass through.
 */
export function messageFor(issue: Issue): string {
  // A message the contract wrote itself is already for people; only the stock wording is replaced.
  if (!isStockMessage(issue)) return issue.message;
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string')
        return issue.minimum === 1 ? 'Required' : `Use at least ${String(issue.minimum)} characters`;
      if (issue.origin === 'array') return 'Add at least one';
      return issue.message;
    case 'too_big':
      if (issue.origin === 'string') return `Use at most ${String(issue.maximum)} characters`;
      return issue.message;
    case 'invalid_format':
      if (issue.format === 'email') return 'Enter an email address, like desk@carrier.example';
      if (issue.format === 'uuid' || issue.format === 'guid') return 'Choose one from the list';
      return issue.message;
    case 'invalid_type':
      return issue.input === undefined ? 'Required' : issue.message;
    case 'invalid_value':
      return 'Choose one of the options';
    case 'custom':
    case 'invalid_element':
    case 'invalid_key':
    case 'invalid_union':
    case 'not_multiple_of':
    case 'unrecognized_keys':
      return issue.message;
  }
}

export const pathOf = (path: ReadonlyArray<PropertyKey>): string => path.map(String).join('.');

/** The first message for each field, as zod reports them. */
export function fieldErrorsOf(issues: readonly Issue[]): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const key = pathOf(issue.path) || '(form)';
    out[key] ??= messageFor(issue);
  }
  return out;
}

/** The API's field errors (problem+json `errors`) in the same shape; the rest of the problem stays a form-level message. */
export function problemFieldErrors(problem: TProblem | null | undefined): FieldErrors {
  const out: FieldErrors = {};
  for (const e of problem?.errors ?? []) {
    const key = e.path.replace(/^(query|path|header)\./, '') || '(form)';
    out[key] ??= e.message.charAt(0).toUpperCase() + e.message.slice(1);
  }
  return out;
}

/** Moves focus to the first field with a message, so keyboard and screen reader users land on it. */
export function focusFirstError(): void {
  requestAnimationFrame(() => {
    document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  });
}

/** The message for a field or any of its items (`ocns` shows what `ocns.2` said). */
export function errorAt(errors: FieldErrors, field: string): string | undefined {
  if (errors[field]) return errors[field];
  const key = Object.keys(errors).find((k) => k.startsWith(`${field}.`));
  return key ? errors[key] : undefined;
}

/** A comma- or newline-separated list as typed, without blanks. */
export const listOf = (text: string): string[] =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
