export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Keyset cursors: opaque to clients, stable under inserts, no OFFSET scans. */
export function encodeCursor(key: { at: Date; id: string }): string {
  return Buffer.from(JSON.stringify([key.at.toISOString(), key.id])).toString('base64url');
}

export class InvalidCursorError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True only for the exact `toISOString()` form of a real instant in years
 * 0001–9999 (no `2026-02-31`, no bare `1`, no year 0, which PostgreSQL lacks).
 */
function isCanonicalInstant(s: string): boolean {
  if (!/^\d{4}-/.test(s) || s.startsWith('0000')) return false;
  const ms = Date.parse(s);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === s;
}

export function decodeCursor(cursor: string | undefined): { at: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Exactly what encodeCursor writes: anything looser reaches PostgreSQL as a cast error (a 500).
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      isCanonicalInstant(value[0]) &&
      UUID.test(value[1])
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError('cursor is not one this server issued');
}

/** A cursor over a text key (a name, an email, as the list orders them) and the row's id. */
export function encodeTextCursor(key: { key: string; id: string }): string {
  return Buffer.from(JSON.stringify(['text', key.key, key.id])).toString('base64url');
}

export function decodeTextCursor(cursor: string | undefined): { key: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      value[0] === 'text' &&
      typeof value[1] === 'string' &&
      value[1].length <= 1000 &&
      typeof value[2] === 'string' &&
      UUID.test(value[2])
    )
      return { key: value[1], id: value[2] };
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError('cursor is not one this server issued');
}
