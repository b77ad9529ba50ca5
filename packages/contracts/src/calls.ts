import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';
import { normalizePhoneNumber } from './phone';

/**
 * Call records: what honeypots, complaint systems and voicemail traps report. One record is one
 * call as the feed saw it; `source` + `externalId` identify it (a record sent twice is kept once).
 *
 * Every door (CLI import, the API's JSON, NDJSON and CSV bodies) checks a record with
 * `parseCallRecord`, written by hand for speed (a bulk import checks 100,000 records a second; the
 * zod form of the same rules managed 24,000). `ZCallRecordInput` describes the same shape for the
 * API reference and is tested to agree with it.
 */
export const CALL_KINDS = ['honeypot', 'complaint', 'voicemail'] as const;
export type TCallKind = (typeof CALL_KINDS)[number];
export const CALL_TIME_PRECISIONS = ['second', 'day', 'unknown'] as const;
export type TCallTimePrecision = (typeof CALL_TIME_PRECISIONS)[number];

/** Caller-ID values that mean "withheld", as feeds write them. */
const WITHHELD = new Set([
  '',
  'anonymous',
  'restricted',
  'private',
  'unknown',
  'unavailable',
  'withheld',
  'null',
]);

// PostgreSQL text cannot hold NUL; other C0 controls (but tab, CR and LF) carry no meaning in a
// transcript and break displays. Both are dropped rather than refusing a whole record for them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
export const cleanText = (s: string): string => (HAS_CONTROL.test(s) ? s.replace(CONTROL, '') : s);

export const CALL_LIMITS = {
  externalId: 200,
  transcript: 20_000,
  language: 35,
  identityHeader: 8192,
  audioFingerprint: 1000,
  metadataBytes: 16 * 1024,
  maxDurationSeconds: 86_400,
} as const;

/** One call record after checking: numbers in E.164, the time with its precision, text cleaned. */
export interface TCallRecord {
  externalId: string;
  /** When the call started; for precision `unknown`, when hoptrace received the record. */
  startedAt: Date | null;
  startedAtPrecision: TCallTimePrecision;
  callingNumber: string | null;
  calledNumber: string | null;
  transcript: string | null;
  language: string | null;
  durationSeconds: number | null;
  identityHeader: string | null;
  audioFingerprint: string | null;
  kind: TCallKind | null;
  metadata: Record<string, unknown> | null;
}

export interface TFieldError {
  path: string;
  message: string;
}
export type CallRecordParse = { ok: true; record: TCallRecord } | { ok: false; errors: TFieldError[] };

/**
 * The record's fields and the other spellings feeds use for them. A field the record does not
 * define is kept in `metadata` under its own name, so nothing a feed sends is lost.
 */
/** The fields a feed sends (the time's precision is worked out, not sent). */
export type TCallField = Exclude<keyof TCallRecord, 'startedAtPrecision'>;

export const CALL_FIELD_ALIASES: Readonly<Record<string, TCallField>> = {
  externalId: 'externalId',
  external_id: 'externalId',
  id: 'externalId',
  startedAt: 'startedAt',
  started_at: 'startedAt',
  callingNumber: 'callingNumber',
  calling_number: 'callingNumber',
  callerNumber: 'callingNumber',
  caller_number: 'callingNumber',
  calledNumber: 'calledNumber',
  called_number: 'calledNumber',
  transcript: 'transcript',
  language: 'language',
  durationSeconds: 'durationSeconds',
  duration_seconds: 'durationSeconds',
  identityHeader: 'identityHeader',
  identity_header: 'identityHeader',
  audioFingerprint: 'audioFingerprint',
  audio_fingerprint: 'audioFingerprint',
  kind: 'kind',
  metadata: 'metadata',
};
/**
 * The record's field a name stands for, or undefined. Own names only: a feed's column called
 * `constructor` or `__proto__` is one of its own fields (kept in metadata), not Object's.
 */
export const callFieldOf = (name: string): TCallField | undefined =>
  Object.hasOwn(CALL_FIELD_ALIASES, name) ? CALL_FIELD_ALIASES[name] : undefined;

/** Fields a feed may send that describe the record's own fields and are not kept. */
const DERIVED = new Set(['startedAtPrecision', 'started_at_precision', 'source']);

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LANGUAGE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
// RFC 3339 with an offset: what `z.iso.datetime({ offset: true })` accepts.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;
/**
 * Years a call can have happened in. Outside them the time is a feed's error, and a year such as
 * 0000 is one PostgreSQL cannot store (each month met also makes a partition of `calls`).
 */
const CALL_YEARS = { from: 1970, to: 2099 } as const;

/** `Date` rolls 2026-02-30 over to March 2 and 24:00 to the next day; a call time must not. */
function isCalendarDay(y: number, m: number, d: number): boolean {
  const at = new Date(Date.UTC(2000, m - 1, d));
  at.setUTCFullYear(y);
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}

type Field<T> = { ok: true; value: T } | { ok: false; message: string };
const bad = (message: string): { ok: false; message: string } => ({ ok: false, message });
/** The answer for an absent field (one object for all: this runs for every field of every record). */
const NONE: { readonly ok: true; readonly value: null } = Object.freeze({ ok: true, value: null });

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;
const two = (s: string, i: number) => {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * 2026-11-30T14:03:11Z, the form nearly every feed writes, read without a regex or a second Date;
 * null for anything else (out of range included), which the general reading then decides.
 */
function utcSecond(v: string): Date | null {
  if (
    v.length !== 20 ||
    v.charCodeAt(4) !== 45 ||
    v.charCodeAt(7) !== 45 ||
    v.charCodeAt(10) !== 84 ||
    v.charCodeAt(13) !== 58 ||
    v.charCodeAt(16) !== 58 ||
    v.charCodeAt(19) !== 90
  )
    return null;
  const hi = two(v, 0);
  const lo = two(v, 2);
  const [mo, d, h, mi, se] = [two(v, 5), two(v, 8), two(v, 11), two(v, 14), two(v, 17)];
  if (hi < 0 || lo < 0) return null;
  const y = hi * 100 + lo;
  if (y < CALL_YEARS.from || y > CALL_YEARS.to || mo < 1 || mo > 12 || d < 1) return null;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return null;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return null;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, se));
}

export function parseCallTime(
  value: unknown,
): Field<{ at: Date; precision: Exclude<TCallTimePrecision, 'unknown'> } | null> {
  if (value === null || value === undefined || value === '') return NONE;
  if (typeof value === 'string') {
    const at = utcSecond(value);
    if (at) return { ok: true, value: { at, precision: 'second' } };
  }
  if (typeof value !== 'string') return bad('must be a string: a time with an offset or a day');
  const v = cleanText(value).trim();
  if (v.length > 40) return bad('is longer than 40 characters');
  const outOfRange = (at: Date) =>
    at.getUTCFullYear() < CALL_YEARS.from || at.getUTCFullYear() > CALL_YEARS.to
      ? bad(`"${v}" is not between ${CALL_YEARS.from} and ${CALL_YEARS.to}`)
      : null;
  const day = DAY.exec(v);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    if (!isCalendarDay(y, m, d)) return bad(`"${v}" is not a calendar day`);
    // 12:00 UTC lies within that calendar day in every US time zone.
    const at = new Date(Date.UTC(2000, m - 1, d, 12));
    at.setUTCFullYear(y);
    return outOfRange(at) ?? { ok: true, value: { at, precision: 'day' } };
  }
  const t = INSTANT.exec(v);
  const valid =
    t !== null &&
    isCalendarDay(Number(t[1]), Number(t[2]), Number(t[3])) &&
    Number(t[4]) < 24 &&
    Number(t[5]) < 60 &&
    Number(t[6] ?? 0) < 60 &&
    Number(t[9] ?? 0) < 24 &&
    Number(t[10] ?? 0) < 60;
  const at = valid ? new Date(v) : null;
  if (!at || Number.isNaN(at.getTime()))
    return bad(`"${v}" is not a time with an offset (2026-11-30T14:03:11Z) or a day (2026-11-30)`);
  return outOfRange(at) ?? { ok: true, value: { at, precision: 'second' } };
}

/** A number that may be absent (withheld); anything else must be a possible phone number. */
export function parseCallNumber(value: unknown): Field<string | null> {
  if (value === null || value === undefined) return NONE;
  if (typeof value === 'number' && Number.isInteger(value)) value = String(value);
  if (typeof value !== 'string') return bad('must be a string');
  if (value.length > 40) return bad('is longer than 40 characters');
  const cleaned = cleanText(value).trim();
  if (WITHHELD.has(cleaned.toLowerCase())) return NONE;
  const result = normalizePhoneNumber(cleaned);
  return result.ok ? { ok: true, value: result.e164 } : bad(`"${cleaned}" ${result.reason}`);
}

function parseText(value: unknown, max: number): Field<string | null> {
  if (value === null || value === undefined) return NONE;
  if (typeof value !== 'string') return bad('must be a string');
  const cleaned = cleanText(value);
  if (cleaned.length > max) return bad(`is longer than ${max} characters`);
  return { ok: true, value: cleaned === '' ? null : cleaned };
}

function parseDuration(value: unknown): Field<number | null> {
  if (typeof value === 'string') value = value.trim();
  // Number('') is 0: a blank CSV cell is no duration, not a call of no length.
  if (value === null || value === undefined || value === '') return NONE;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n)) return bad('must be a number of seconds');
  if (n < 0 || n > CALL_LIMITS.maxDurationSeconds)
    return bad(`must be between 0 and ${CALL_LIMITS.maxDurationSeconds} seconds`);
  return { ok: true, value: n };
}

/**
 * JSON text short enough that its re-serialisation stays under the metadata limit (a character
 * takes at most 6 bytes as JSON: a lone surrogate becomes \udxxx).
 */
const SHORT_JSON = Math.floor(CALL_LIMITS.metadataBytes / 6);

function parseMetadata(value: unknown): Field<Record<string, unknown> | null> {
  if (value === null || value === undefined || value === '') return NONE;
  // The common case, a short object without escapes or control characters: once through JSON.parse
  // is enough (raw control characters are invalid JSON, and without a backslash none can be escaped
  // in, so there is nothing to clean).
  if (
    typeof value === 'string' &&
    value.length <= SHORT_JSON &&
    value.indexOf('\\') === -1 &&
    !HAS_CONTROL.test(value)
  ) {
    let v: unknown;
    try {
      v = JSON.parse(value) as unknown;
    } catch {
      return bad('must be a JSON object');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('must be a JSON object');
    return { ok: true, value: v as Record<string, unknown> };
  }
  let v: unknown = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      return bad('must be a JSON object');
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('must be a JSON object');
  const json = JSON.stringify(v);
  if (Buffer.byteLength(json, 'utf8') > CALL_LIMITS.metadataBytes)
    return bad(`is larger than ${CALL_LIMITS.metadataBytes} bytes`);
  // Through JSON again (drops what JSON cannot carry), then control characters out of every key and
  // string: jsonb refuses NUL. (Editing the JSON text instead broke on a backslash sent before "u0000".)
  return { ok: true, value: cleanJson(JSON.parse(json)) as Record<string, unknown> };
}

function cleanJson(v: unknown): unknown {
  if (typeof v === 'string') return cleanText(v);
  if (Array.isArray(v)) return v.map(cleanJson);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v))
    Object.defineProperty(out, cleanText(k), {
      value: cleanJson(x),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** The record's own fields as a feed sent them, before checking (one fixed shape: this runs per record). */
type RawFields = Record<TCallField, unknown>;
const emptyFields = (): RawFields => ({
  externalId: undefined,
  startedAt: undefined,
  callingNumber: undefined,
  calledNumber: undefined,
  transcript: undefined,
  language: undefined,
  durationSeconds: undefined,
  identityHeader: undefined,
  audioFingerprint: undefined,
  kind: undefined,
  metadata: undefined,
});
const isBlank = (v: unknown) => v === null || v === undefined || v === '';

/** Keeps a field the record does not define in its metadata, under its own (cleaned) name. */
function keepExtra(extra: Record<string, unknown> | null, key: string, value: unknown) {
  // defineProperty: a key named __proto__ is kept as a field, not made the object's prototype.
  Object.defineProperty((extra ??= {}), cleanText(key).slice(0, 200), {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return extra;
}

/**
 * Checks one record as a feed sent it (camelCase or snake_case names, CSV strings or JSON values).
 * Every problem is reported with its field, not only the first.
 */
export function parseCallRecord(raw: Readonly<Record<string, unknown>>): CallRecordParse {
  const fields = emptyFields();
  let extra: Record<string, unknown> | null = null;
  for (const key in raw) {
    const value = raw[key];
    const field = callFieldOf(key);
    if (field) {
      if (isBlank(fields[field])) fields[field] = value;
    } else if (!DERIVED.has(key) && value !== undefined && value !== '') extra = keepExtra(extra, key, value);
  }
  return checkFields(fields, extra);
}

/**
 * How the columns of a CSV header map to a record: the record's field each column holds, or the
 * name it is kept under in metadata. Worked out once per file; `parseCallRow` reads a row by it.
 */
export interface CallRowLayout {
  readonly columns: readonly string[];
  readonly fields: ReadonlyArray<TCallField | null>;
  /** Columns that describe the record's own fields (`source`, `started_at_precision`): not kept. */
  readonly derived: readonly boolean[];
  /** The column that holds the external id (-1: none). */
  readonly externalIdColumn: number;
}

export function callRowLayout(header: readonly string[]): CallRowLayout {
  const fields = header.map((h) => callFieldOf(h) ?? null);
  return {
    columns: [...header],
    fields,
    derived: header.map((h) => DERIVED.has(h)),
    externalIdColumn: fields.indexOf('externalId'),
  };
}

/** The object of a row's non-empty cells by column name: what `parseCallRow` reads it as. */
export function callRowFields(layout: CallRowLayout, values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  values.forEach((v, i) => {
    if (v !== '')
      Object.defineProperty(out, layout.columns[i]!, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  });
  return out;
}

/**
 * `parseCallRecord` for a row of strings read by `layout` (a CSV row): the same checks and the same
 * result as for the object of the row's non-empty cells, without building that object.
 */
export function parseCallRow(layout: CallRowLayout, values: readonly string[]): CallRecordParse {
  const fields = emptyFields();
  let extra: Record<string, unknown> | null = null;
  const { derived } = layout;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value === '') continue;
    const field = layout.fields[i];
    if (field) {
      if (isBlank(fields[field])) fields[field] = value;
    } else if (!derived[i]) extra = keepExtra(extra, layout.columns[i]!, value);
  }
  return checkFields(fields, extra);
}

function take<T>(errors: TFieldError[], path: string, r: Field<T>, fallback: T): T {
  if (r.ok) return r.value;
  errors.push({ path, message: r.message });
  return fallback;
}

function checkFields(fields: RawFields, extra: Record<string, unknown> | null): CallRecordParse {
  const errors: TFieldError[] = [];

  // JSON feeds often number their calls: 12345 is the id "12345".
  const rawId =
    typeof fields.externalId === 'number' && Number.isFinite(fields.externalId)
      ? String(fields.externalId)
      : fields.externalId;
  let externalId = take(errors, 'externalId', parseText(rawId, CALL_LIMITS.externalId), null);
  externalId = externalId?.trim() ?? null;
  if (!externalId && !errors.some((e) => e.path === 'externalId'))
    errors.push({ path: 'externalId', message: 'is required: the id the feed gave this call' });

  const time = take(errors, 'startedAt', parseCallTime(fields.startedAt), null);
  const language = take(errors, 'language', parseText(fields.language, CALL_LIMITS.language), null);
  if (language && !LANGUAGE.test(language))
    errors.push({ path: 'language', message: `"${language}" is not a language tag such as en or en-US` });
  const kindText = take(errors, 'kind', parseText(fields.kind, 20), null);
  if (kindText && !(CALL_KINDS as readonly string[]).includes(kindText))
    errors.push({ path: 'kind', message: `"${kindText}" is not one of ${CALL_KINDS.join(', ')}` });

  let metadata = take(errors, 'metadata', parseMetadata(fields.metadata), null);
  if (extra) {
    const merged = parseMetadata({ ...extra, ...metadata });
    if (merged.ok) metadata = merged.value;
    else
      errors.push({
        path: 'metadata',
        message: `with the fields hoptrace does not define, ${merged.message}`,
      });
  }

  const record: TCallRecord = {
    externalId: externalId ?? '',
    startedAt: time?.at ?? null,
    startedAtPrecision: time?.precision ?? 'unknown',
    callingNumber: take(errors, 'callingNumber', parseCallNumber(fields.callingNumber), null),
    calledNumber: take(errors, 'calledNumber', parseCallNumber(fields.calledNumber), null),
    transcript: take(errors, 'transcript', parseText(fields.transcript, CALL_LIMITS.transcript), null),
    language,
    durationSeconds: take(errors, 'durationSeconds', parseDuration(fields.durationSeconds), null),
    identityHeader: take(
      errors,
      'identityHeader',
      parseText(fields.identityHeader, CALL_LIMITS.identityHeader),
      null,
    ),
    audioFingerprint: take(
      errors,
      'audioFingerprint',
      parseText(fields.audioFingerprint, CALL_LIMITS.audioFingerprint),
      null,
    ),
    kind: (kindText as TCallKind | null) ?? null,
    metadata,
  };
  return errors.length ? { ok: false, errors } : { ok: true, record };
}

/** The shape of a call record for the API reference; `parseCallRecord` is what checks it. */
export const ZCallRecordInput = z.object({
  externalId: z.string().min(1).max(CALL_LIMITS.externalId).describe('the id the feed gave this call'),
  startedAt: z
    .string()
    .max(40)
    .nullish()
    .describe(
      'when the call started: a time with an offset, or a day (YYYY-MM-DD, kept as 12:00 UTC with precision `day`); absent: the time it was received, precision `unknown`',
    ),
  callingNumber: z
    .string()
    .max(40)
    .nullish()
    .describe('the caller ID shown; absent or "anonymous" when withheld'),
  calledNumber: z.string().max(40).nullish(),
  transcript: z.string().max(CALL_LIMITS.transcript).nullish(),
  language: z.string().max(CALL_LIMITS.language).nullish(),
  durationSeconds: z.number().min(0).max(CALL_LIMITS.maxDurationSeconds).nullish(),
  identityHeader: z
    .string()
    .max(CALL_LIMITS.identityHeader)
    .nullish()
    .describe('the STIR/SHAKEN Identity header as received'),
  audioFingerprint: z.string().max(CALL_LIMITS.audioFingerprint).nullish(),
  kind: z.enum(CALL_KINDS).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
export type TCallRecordInput = z.input<typeof ZCallRecordInput>;

/** snake_case CSV header names → the record's fields. Either spelling is accepted in a header. */
export const CALL_CSV_COLUMNS: Readonly<Record<string, keyof TCallRecordInput>> = {
  external_id: 'externalId',
  started_at: 'startedAt',
  calling_number: 'callingNumber',
  called_number: 'calledNumber',
  transcript: 'transcript',
  language: 'language',
  duration_seconds: 'durationSeconds',
  identity_header: 'identityHeader',
  audio_fingerprint: 'audioFingerprint',
  kind: 'kind',
  metadata: 'metadata',
};

export const ZSourceName = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(100, 'is longer than 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may hold letters, digits, dot, dash and underscore only');

export const ZCallSourceCreate = z.object({
  name: ZSourceName,
  description: z.string().trim().max(2000).optional(),
  terminatingProviderId: ZUuid.nullish().describe("the provider whose network delivers this feed's calls"),
});
export type TCallSourceCreate = z.infer<typeof ZCallSourceCreate>;
export const ZCallSourcePatch = ZCallSourceCreate.partial();
export type TCallSourcePatch = z.infer<typeof ZCallSourcePatch>;

export const ZCallSource = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  terminatingProviderId: ZUuid.nullable(),
  terminatingProviderName: z.string().nullable(),
  createdAt: ZIsoDateTime,
  callCount: z.number().int(),
  lastReceivedAt: ZIsoDateTime.nullable(),
});
export type TCallSource = z.infer<typeof ZCallSource>;

export const ZCallIngestQuery = z.object({
  source: ZSourceName.optional().describe('the feed; a feed key may leave it out (its own source)'),
  strict: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('refuse the whole body when one record is refused'),
});

export const ZCallIngestResult = z.object({
  source: z.string(),
  accepted: z.number().int(),
  alreadyKnown: z.number().int(),
  refused: z.number().int(),
  /** The first refusals (at most 100), each with its line (NDJSON/CSV) or index (JSON array) and field. */
  refusals: z.array(
    z.object({
      line: z.number().int(),
      externalId: z.string().nullable(),
      errors: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  ),
  written: z.boolean(),
});
export type TCallIngestResult = z.infer<typeof ZCallIngestResult>;

export const ZCallView = z.object({
  id: ZUuid,
  source: z.string(),
  externalId: z.string(),
  startedAt: ZIsoDateTime,
  startedAtPrecision: z.enum(CALL_TIME_PRECISIONS),
  receivedAt: ZIsoDateTime,
  callingNumber: z.string().nullable(),
  calledNumber: z.string().nullable(),
  transcript: z.string().nullable(),
  language: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  kind: z.enum(CALL_KINDS).nullable(),
  identityHeader: z.string().nullable(),
  attestation: z.enum(['A', 'B', 'C']).nullable(),
  shakenStatus: z.string().nullable(),
  signerOcn: z.string().nullable(),
  audioFingerprint: z.string().nullable(),
  dnoCategory: z.string().nullable(),
  neighbourSpoof: z.boolean(),
  callbackNumbers: z.array(z.string()),
  campaignId: ZUuid.nullable(),
  assignedBy: z.enum(['detector', 'analyst']).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
export type TCallView = z.infer<typeof ZCallView>;

export const ZCallListQuery = z.object({
  source: ZSourceName.optional(),
  campaignId: ZUuid.optional(),
  number: z.string().max(40).optional().describe('a caller, called or callback number in any common format'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type TCallListQuery = z.infer<typeof ZCallListQuery>;

export const ZFeedKeyCreate = z.object({ name: z.string().trim().min(1).max(100) });
export type TFeedKeyCreate = z.infer<typeof ZFeedKeyCreate>;
export const ZFeedKey = z.object({
  id: ZUuid,
  name: z.string(),
  prefix: z.string(),
  sourceId: z.number().int(),
  createdAt: ZIsoDateTime,
  lastUsedAt: ZIsoDateTime.nullable(),
  revokedAt: ZIsoDateTime.nullable(),
});
export type TFeedKey = z.infer<typeof ZFeedKey>;
export const ZFeedKeyCreated = ZFeedKey.extend({
  key: z.string().describe('shown once: keep it with the feed'),
});
