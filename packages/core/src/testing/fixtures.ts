import { createTestDatabase } from '@hoptrace/db/testing';
import type { Actor } from '../actor';
import { actorFor } from '../auth';
import { ManualClock } from '../clock/clock';
import type { CommandContext } from '../context';
import { createProvider } from '../commands/providers';
import { createUser } from '../commands/users';
import { systemActor } from '../actor';

/** A migrated database, a manual clock and factories for the medium tier of tests. */
export async function setupCore(start = '2026-11-02T15:00:00Z') {
  const database = await createTestDatabase();
  const clock = new ManualClock(start);
  const system = systemActor('test');
  const ctx = (actor: Actor): CommandContext => ({ db: database.db, clock, actor });
  const admin = actorFor(
    await createUser({
      ...ctx(system),
      input: { email: 'admin@example.test', name: 'Admin', role: 'admin' },
    }),
    'portal',
  );
  const analyst = actorFor(
    await createUser({
      ...ctx(system),
      input: { email: 'analyst@example.test', name: 'Ana Lyst', role: 'analyst' },
    }),
    'portal',
  );
  let n = 0;
  async function provider(name?: string, country = 'US') {
    n++;
    const p = await createProvider({
      ...ctx(analyst),
      input: {
        name: name ?? `Fictional Telecom ${n}`,
        dbaNames: [],
        country,
        ocns: [String(1000 + n)],
        contacts: [{ name: 'NOC', email: `noc${n}@provider${n}.example` }],
        escalationContacts: [],
        timezone: 'America/Chicago',
      },
    });
    const user = await createUser({
      ...ctx(system),
      input: {
        email: `tb@provider${n}.example`,
        name: `Provider ${n} contact`,
        role: 'provider',
        providerId: p.id,
      },
    });
    return { provider: p, actor: actorFor(user, 'api') };
  }
  return {
    database,
    db: database.db,
    clock,
    ctx,
    system,
    admin,
    analyst,
    provider,
    close: () => database.close(),
  };
}
