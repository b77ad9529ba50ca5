import type { Db } from '@hoptrace/db';
import type { Actor } from './actor';
import type { Clock } from './clock/clock';

/** What every command needs: one options object, so doors call them alike. */
export interface CommandContext {
  db: Db;
  clock: Clock;
  actor: Actor;
}

/** The PostgreSQL error code behind a driver error (drizzle wraps the driver's error in `cause`). */
export function pgErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (typeof e === 'object' && 'code' in e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code))
      return e.code;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}
