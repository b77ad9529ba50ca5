import { z } from 'zod';

/**
 * zod's own messages are written for developers ("Too small: expected string to have >=1 characters"). Every
 * door shows what the contracts say to people (the API's problem details, the CLI, bulk files, the portal), so
 * the contracts install this wording as zod's error map: a message a schema gives itself still wins, this one
 * replaces only zod's stock wording. Each message reads after the field's name: `name: must not be empty`.
 */
type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

const NOUN: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  bigint: 'a whole number',
  date: 'a date',
  array: 'a list',
  tuple: 'a list',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  set: 'a list',
  null: 'null',
  file: 'a file',
};

function kindOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string':
      return 'text';
    case 'number':
      return Number.isNaN(input) ? 'not a number' : 'a number';
    case 'boolean':
      return input ? 'true' : 'false';
    case 'object':
      return 'an object';
    case 'bigint':
      return 'a number';
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  return typeof input;
}

const EXAMPLE_FORMAT: Record<string, string> = {
  email: 'an email address, like noc@carrier.example',
  uuid: 'an id (a UUID, like 0b9f1e3a-5c1d-4e8a-9b2f-7a6c3d2e1f00)',
  guid: 'an id (a UUID, like 0b9f1e3a-5c1d-4e8a-9b2f-7a6c3d2e1f00)',
  url: 'a URL, like https://carrier.example/hooks',
  datetime: 'a date and time in ISO 8601 with its zone, like 2026-11-02T15:00:00Z',
  date: 'a date, like 2026-11-02',
  time: 'a time, like 15:00',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidrv4: 'an IPv4 network, like 192.0.2.0/24',
  cidrv6: 'an IPv6 network',
  base64: 'base64 text',
  base64url: 'base64url text',
  e164: 'a phone number in E.164 form, like +12025550143',
};

const quote = (v: unknown) => (typeof v === 'string' ? `"${v}"` : String(v));
const plural = (n: number | bigint, one: string, many: string) =>
  `${String(n)} ${n === 1 || n === 1n ? one : many}`;
const LENGTH_UNIT: Record<string, [string, string]> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  file: ['byte', 'bytes'],
};

/** zod's issue in words for people; `input` is what was given when zod still knows it (while parsing). */
export function describeIssue(issue: Issue | RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${NOUN[issue.expected] ?? issue.expected}, not ${kindOf(issue.input)}`;
    case 'too_small': {
      const unit = LENGTH_UNIT[issue.origin];
      if (unit) {
        if (issue.minimum === 1 && !issue.exact)
          return issue.origin === 'string' ? 'must not be empty' : 'must have at least one item';
        return `must have ${issue.exact ? 'exactly' : 'at least'} ${plural(issue.minimum, ...unit)}`;
      }
      if (issue.origin === 'date')
        return `must be on or after ${new Date(Number(issue.minimum)).toISOString()}`;
      return issue.inclusive === false
        ? `must be more than ${String(issue.minimum)}`
        : `must be at least ${String(issue.minimum)}`;
    }
    case 'too_big': {
      const unit = LENGTH_UNIT[issue.origin];
      if (unit) return `must have ${issue.exact ? 'exactly' : 'at most'} ${plural(issue.maximum, ...unit)}`;
      if (issue.origin === 'date')
        return `must be on or before ${new Date(Number(issue.maximum)).toISOString()}`;
      return issue.inclusive === false
        ? `must be less than ${String(issue.maximum)}`
        : `must be at most ${String(issue.maximum)}`;
    }
    case 'invalid_format': {
      const i = issue as z.core.$ZodIssueInvalidStringFormat & {
        prefix?: string;
        suffix?: string;
        includes?: string;
      };
      if (i.format === 'starts_with') return `must start with "${i.prefix ?? ''}"`;
      if (i.format === 'ends_with') return `must end with "${i.suffix ?? ''}"`;
      if (i.format === 'includes') return `must contain "${i.includes ?? ''}"`;
      if (i.format === 'regex') return 'is not in the expected form';
      return `must be ${EXAMPLE_FORMAT[i.format] ?? `a valid ${i.format}`}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'a field' : 'fields'} this form does not know: ${issue.keys.join(', ')}`;
    case 'invalid_union': {
      // A discriminated union names its choices: the field that tells them apart gets them as a list.
      const options = (issue as { options?: unknown[] }).options;
      return options?.length
        ? `must be one of ${options.map((v) => String(v)).join(', ')}`
        : 'matches none of the accepted forms';
    }
    case 'invalid_key':
      return 'has a key that is not valid';
    case 'invalid_element':
      return 'has an item that is not valid';
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${quote(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'custom':
      return 'is not valid';
  }
  return 'is not valid';
}

/** Whether zod's message is this map's (not a contract's own): the portal rewords those for its forms. */
export function isStockMessage(issue: Issue): boolean {
  if (issue.code === 'invalid_type') return /^(is required|must be .+, not )/.test(issue.message);
  return issue.message === describeIssue(issue);
}

z.config({ localeError: (issue) => describeIssue(issue) });

/** A field's path as the API names it (`contacts.0.email`); the whole value is `(input)`. */
export const issuePath = (path: ReadonlyArray<PropertyKey>): string => path.map(String).join('.');

/** Issues as one line: `name: must not be empty; contacts.0.email: must be an email address, …`. */
export function issuesText(
  issues: readonly Issue[],
  name: (path: string) => string = (p) => p || '(input)',
): string {
  return issues.map((i) => `${name(issuePath(i.path))}: ${i.message}`).join('; ');
}

/** A column of a file: `column 9 (contact_email)`, counted from 1 and named by its header. */
export function columnLocation(column: { name: string; number?: number | undefined }): string {
  return column.number ? `column ${column.number} (${column.name})` : `column ${column.name}`;
}

/**
 * Where in a file: `line 4, column 9 (contact_email)`; the column only when it is known. Lines count from 1 with
 * the header, as editors and spreadsheets number them.
 */
export function fileLocation(line: number, column?: { name: string; number?: number | undefined }): string {
  return column ? `line ${line}, ${columnLocation(column)}` : `line ${line}`;
}
