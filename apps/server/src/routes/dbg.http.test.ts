import { PassThrough } from 'node:stream';
import { schema } from '@hoptrace/db';
import { it } from 'vitest';
import { createHarness } from '../testing/harness';
it('dbg', async () => {
  const h = await createHarness();
  const p = await h.provider();
  const first = new PassThrough();
  let state = 'running';
  const running = p.user
    .request({
      method: 'POST',
      url: '/api/v1/hops/bulk-answers',
      payload: first,
      headers: { 'content-type': 'text/csv' },
    })
    .then((r) => {
      state = `${r.statusCode} ${r.body.slice(0, 200)}`;
    });
  first.write('hop_id,kind\n');
  await new Promise((r) => setTimeout(r, 500));
  console.log('STATE', state, await h.db.select().from(schema.busySlots));
  first.end();
  await running;
  console.log('STATE', state, await h.db.select().from(schema.busySlots));
  await h.close();
}, 30000);
