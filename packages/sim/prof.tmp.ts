import { actorFor, createUser, ManualClock, systemActor, openTraceback, answerHop } from '@hoptrace/core';
import { openDatabase, hopsOf } from '@hoptrace/db';
import { buildNetwork, loadNetwork } from '@hoptrace/sim';
const database = await openDatabase({}); await database.migrate();
const clock = new ManualClock('2026-06-01T12:00:00Z');
const ctx = { db: database.db, clock, actor: systemActor('sim') };
let t = Date.now();
const network = buildNetwork({ seed: 42 });
const loaded = await loadNetwork(ctx, network);
console.log('load', Date.now() - t);
const analyst = actorFor(await createUser({ ...ctx, input: { email: 'a@sim.example', name: 'A', role: 'analyst' } }), 'portal');
const ps = [...loaded.providers.values()];
t = Date.now();
const tbs = [];
for (let i = 0; i < 50; i++) tbs.push(await openTraceback({ ...ctx, actor: analyst, input: { call: { startedAt: new Date('2026-06-01T10:00:00Z'), callingNumber: '+12025550143', calledNumber: '+13125550111' }, firstProviderId: ps[0]!.id } }));
console.log('open x50', Date.now() - t);
t = Date.now();
for (const tb of tbs) { const h = (await hopsOf(database.db, tb.id))[0]!; await answerHop({ ...ctx, actor: ps[0]!.actor, hopId: h.id, input: { kind: 'upstream', upstreamProviderId: ps[1]!.id } }); }
console.log('answer x50', Date.now() - t);
t = Date.now();
for (const tb of tbs) { await hopsOf(database.db, tb.id); }
console.log('hopsOf x50', Date.now() - t);
