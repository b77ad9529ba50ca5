/**
 * `npx tsx bench/tools/countQueries.ts`: SQL statements per hop answer through
 * the HTTP API (app.inject) on PostgreSQL, with the text of one answer's
 * statements. Counts every statement any pg client sends (pool and transactions).
 */
import pg from 'pg';
import {
  actorFor,
  createApiKey,
  createProvider,
  createUser,
  openTraceback,
  systemActor,
  systemClock,
} from '@hoptrace/core';
import { hopsOfMany, openDatabase } from '@hoptrace/db';
import { buildApp } from '@hoptrace/server';
import { scratchPostgres } from '../lib/postgres';

const statements: string[] = [];
let counting = false;
/** Time from send to result per statement kind (first 40 characters), summed: where an answer waits. */
const timings = new Map<string, number>();
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-applied with the client as `this` below
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const q = args[0] as string | { text: string };
  const text = (typeof q === 'string' ? q : q.text)
    .replace(/\s+/g, ' ')
    .slice(0, Number(process.env.SQLLEN ?? 160));
  if (counting) statements.push(text);
  const started = performance.now();
  const result = (original as (...a: unknown[]) => unknown).apply(this, args);
  if (counting && result instanceof Promise)
    void result.then(
      () => {
        const kind = text.slice(0, 40);
        timings.set(kind, (timings.get(kind) ?? 0) + performance.now() - started);
      },
      () => undefined,
    );
  return result;
} as typeof original;

const pgdb = await scratchPostgres();
if (!pgdb) throw new Error('no PostgreSQL');
const database = await openDatabase({ url: pgdb.url, poolSize: 4 });
try {
  await database.migrate();
  const sys = { db: database.db, clock: systemClock, actor: systemActor('count') };
  const analyst = actorFor(
    await createUser({ ...sys, input: { email: 'c@example.test', name: 'c', role: 'analyst' } }),
    'api',
  );
  const provider = (name: string, ocn: string) =>
    createProvider({
      ...sys,
      actor: analyst,
      input: {
        name,
        dbaNames: [],
        country: 'US',
        ocns: [ocn],
        contacts: [{ name: 'NOC', email: `noc@${ocn}.example` }],
        escalationContacts: [],
      },
    });
  const a = await provider('Count Carrier A', '0001');
  const b = await provider('Count Carrier B', '0002');
  const user = await createUser({
    ...sys,
    input: { email: 'agent@a.example', name: 'agent', role: 'provider', providerId: a.id },
  });
  const { key } = await createApiKey({ ...sys, userId: user.id, input: { name: 'c', scopes: ['api'] } });
  const call = {
    startedAt: new Date(Date.now() - 3_600_000),
    callingNumber: '+12025550143',
    calledNumber: '+13125550188',
  };
  const ids: string[] = [];
  const extra = Number(process.env.TIMED ?? 0);
  for (let i = 0; i < 5 + extra; i++)
    ids.push((await openTraceback({ ...sys, actor: analyst, input: { call, firstProviderId: a.id } })).id);
  const hops = await hopsOfMany(database.db, ids);
  const app = await buildApp({ db: database.db, clock: systemClock });
  await app.ready();
  const answer = async (hopId: string, body: unknown, headers: Record<string, string> = {}) => {
    statements.length = 0;
    counting = true;
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/hops/${hopId}/answer`,
      payload: body as object,
      headers: { authorization: `Bearer ${key}`, ...headers },
    });
    counting = false;
    if (res.statusCode !== 200) throw new Error(res.body);
    return [...statements];
  };
  const up = { kind: 'upstream', upstreamProviderId: b.id };
  await answer(hops[0]!.id, up); // warm
  const upstream = await answer(hops[1]!.id, up);
  const withKey = await answer(hops[2]!.id, up, { 'idempotency-key': 'k-1' });
  const notFound = await answer(hops[3]!.id, { kind: 'not_found' });
  const origin = await answer(hops[4]!.id, {
    kind: 'origin',
    customer: { name: 'Fictional Dialer LLC' },
    action: 'terminated',
  });
  process.stdout.write(
    `upstream answer: ${upstream.length} statements\n${upstream.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n`,
  );
  process.stdout.write(
    `upstream with Idempotency-Key: ${withKey.length}\nnot_found (closes): ${notFound.length}\norigin (closes): ${origin.length}\n`,
  );
  if (extra > 0) {
    const started = performance.now();
    for (const h of hops.slice(5)) await answer(h.id, up);
    const ms = performance.now() - started;
    process.stdout.write(`${extra} sequential answers: ${(ms / extra).toFixed(2)} ms each\n`);
    for (const [kind, total] of [...timings].sort((a, b) => b[1] - a[1]))
      process.stdout.write(`  ${(total / (extra + 4)).toFixed(3)} ms/answer  ${kind}\n`);
  }
  await app.close();
} finally {
  await database.close();
  await pgdb.drop();
}
