/**
 * What a failure may say in a log. A database error carries the statement's values: Drizzle's
 * DrizzleQueryError has `params` (and repeats them in its message and stack), PostgreSQL's `detail` and
 * `where` echo row values ("Key (email)=(…)", "Failing row contains (…)", "JSON data, line 1: …"), and some
 * messages quote the input ('invalid input syntax for type uuid: "…"'). Those values are customer details
 * (CPNI), password hashes, key hashes. Every place that logs a thrown error (the server's pino, the worker's
 * jobs, the CLI) goes through `errorForLog` / `errorSummary`: a whitelist of fields, the statement's shape
 * without values, and secrets and hashes masked in whatever text remains.
 */

/** PostgreSQL's error fields, as node-postgres and PGlite both give them. */
export interface DatabaseErrorFields {
  code: string;
  message: string;
  severity?: string;
  detail?: string;
  where?: string;
  constraint?: string;
  table?: string;
  column?: string;
  schema?: string;
  dataType?: string;
  routine?: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const MAX_TEXT = 2000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The PostgreSQL error behind an error: the error itself or one of its causes (Drizzle wraps it). */
export function databaseErrorOf(err: unknown): DatabaseErrorFields | null {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && isRecord(e); depth++) {
    if (
      typeof e.code === 'string' &&
      SQLSTATE.test(e.code) &&
      typeof e.message === 'string' &&
      ('severity' in e || 'routine' in e || 'detail' in e)
    )
      return e as unknown as DatabaseErrorFields;
    e = e.cause;
  }
  return null;
}

/**
 * A value PostgreSQL refused as text it cannot store: NUL in `text` (22021), the \u0000 escape in `jsonb`
 * (22P05), a lone surrogate's escape in `jsonb` (22P02 on JSON). The API checks every request for these
 * (a 400 naming the field); this is the net for whatever still reaches the database: a 400, not a 500.
 */
export function isUnstorableTextError(err: unknown): boolean {
  const db = databaseErrorOf(err);
  if (!db) return false;
  if (db.code === '22021' || db.code === '22P05') return true;
  return db.code === '22P02' && /type json/i.test(db.message) && /surrogate|unicode/i.test(db.detail ?? '');
}

const SECRET_TOKEN = /\b(htk|hts|htf|hl|whsec)_[A-Za-z0-9_-]{8,}/g;
const ARGON2 = /\$argon2(?:id|i|d)\$[^\s"'`,;)]+/g;
const HEX_RUN = /\b[0-9a-fA-F]{32,}\b/g;
const BASE64_RUN = /[A-Za-z0-9_-]{40,}/g;

/**
 * Masks what may never be logged in free text: Drizzle's "params:" tail, PostgreSQL's echoes of row values,
 * API keys, session, link and feed tokens, webhook secrets, argon2 password hashes, and long hex or base64url
 * runs (SHA-256 hashes of keys and tokens, other random tokens).
 */
export function redactText(text: string): string {
  let out = text;
  const params = out.search(/\n\s*params:/);
  if (params !== -1) out = `${out.slice(0, params)}\nparams: [redacted]`;
  return out
    .replace(/\bKey \(([^)]*)\)=\((?:[^()]|\([^()]*\))*\)/g, 'Key ($1)=(…)')
    .replace(/Failing row contains \(.*\)/g, 'Failing row contains (…)')
    .replace(/JSON data, line \d+:.*/g, 'JSON data (…)')
    .replace(SECRET_TOKEN, '$1_[redacted]')
    .replace(ARGON2, '[redacted password hash]')
    .replace(HEX_RUN, '[redacted hex]')
    .replace(BASE64_RUN, '[redacted]');
}

const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

/** A statement's text without values: every string literal replaced (values travel as parameters anyway). */
export function statementShape(query: string): string {
  return clip(redactText(query.replace(/'(?:[^']|'')*'/g, "'…'")));
}

/**
 * A PostgreSQL message with every double-quoted part that is not a name of the error (its table, column,
 * constraint, type, schema), of the statement, or an encoding masked: 'invalid input syntax for type uuid:
 * "Jane Doe"' keeps the type and loses the value.
 */
function databaseMessage(db: DatabaseErrorFields, statement: string | null): string {
  const names = new Set(
    [db.table, db.column, db.constraint, db.schema, db.dataType].filter((n): n is string => !!n),
  );
  const safe = db.message
    .replace(/"([^"]*)"/g, (whole, inner: string) =>
      names.has(inner) || (statement !== null && inner !== '' && statement.includes(`"${inner}"`))
        ? whole
        : '"…"',
    )
    .replace(/encoding "…"/g, 'encoding');
  return clip(redactText(safe));
}

function describeType(err: Record<string, unknown>): string {
  if (typeof err.name === 'string' && err.name !== 'Error' && err.name !== 'error') return err.name;
  const ctor = (err as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor.length > 2 && ctor !== 'Object' ? ctor : 'Error';
}

function stackFrames(stack: unknown): string[] {
  if (typeof stack !== 'string') return [];
  return stack
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 20)
    .map(redactText);
}

const DATABASE_FIELDS = [
  'severity',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'routine',
] as const;

/**
 * An error as it may be logged: type, message, code, the failed statement's shape, PostgreSQL's code and
 * names (constraint, table, column, routine), the stack's frames, and its cause the same way. Never
 * `params`, `detail`, `where` or any other field: a whitelist, so a new kind of error leaks nothing either.
 */
export function errorForLog(
  err: unknown,
  depth = 0,
  outerStatement: string | null = null,
): Record<string, unknown> {
  if (!isRecord(err)) return { type: typeof err, message: clip(redactText(String(err))) };
  const statement = typeof err.query === 'string' ? statementShape(err.query) : outerStatement;
  const db = typeof err.code === 'string' && SQLSTATE.test(err.code) ? databaseErrorOf(err) : null;
  const generic = describeType(err);
  const type = db && generic === 'Error' ? 'DatabaseError' : generic;
  const raw = typeof err.message === 'string' ? err.message : '';
  const message = db
    ? databaseMessage(db, statement)
    : statement && raw.startsWith('Failed query:')
      ? `Failed query: ${statement}`
      : clip(redactText(raw).replace(/"[^"\n]*"/g, '"…"'));
  const out: Record<string, unknown> = { type, message };
  if (typeof err.code === 'string' || typeof err.code === 'number') out.code = err.code;
  if (typeof err.statusCode === 'number') out.statusCode = err.statusCode;
  if (statement && typeof err.query === 'string') out.statement = statement;
  if (db) for (const k of DATABASE_FIELDS) if (typeof db[k] === 'string') out[k] = db[k];
  const frames = stackFrames(err.stack);
  if (frames.length) out.stack = [`${type}: ${message}`, ...frames].join('\n');
  if (depth < 3 && err.cause !== undefined) out.cause = errorForLog(err.cause, depth + 1, statement);
  if (depth < 3 && Array.isArray(err.errors))
    out.errors = err.errors.slice(0, 5).map((e: unknown) => errorForLog(e, depth + 1));
  return out;
}

/** One line for a plain-text log: "type [code]: message" of the error and of its database cause. */
export function errorSummary(err: unknown): string {
  const parts: string[] = [];
  for (let e: Record<string, unknown> | undefined = errorForLog(err); e; e = e.cause as typeof e) {
    const entry = e;
    const text = (k: string) =>
      typeof entry[k] === 'string' || typeof entry[k] === 'number' ? String(entry[k]) : '';
    const names = ['constraint', 'table', 'column'].filter((k) => text(k)).map((k) => `${k} ${text(k)}`);
    parts.push(
      `${text('type')}${text('code') ? ` [${text('code')}]` : ''}: ${text('message')}${names.length ? ` (${names.join(', ')})` : ''}`,
    );
  }
  return parts.join('; caused by ');
}
