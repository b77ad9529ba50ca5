import { systemClock } from '@hoptrace/core';
import { countOutbox, enqueueOutbox, openDatabase } from '@hoptrace/db';
import { dispatchOnce } from '@hoptrace/server/worker/dispatcher';
import { createEmailTransport } from '@hoptrace/server/worker/email';
import { startMailbox } from '@hoptrace/server/testing/mailbox';
import { queuedEmails } from '@hoptrace/server/testing/outboxFixtures';
import { scratchPostgres } from '../lib/postgres';
import type { BenchResult } from '../lib/types';

/** The dispatcher's throughput: queued emails to a local SMTP server, through the outbox on PostgreSQL. */
export async function run(opts: { quick: boolean }): Promise<BenchResult[]> {
  const pgdb = await scratchPostgres();
  if (!pgdb)
    return [
      {
        name: 'notifications: dispatch',
        value: NaN,
        unit: 'messages/s',
        notes: 'skipped: no PostgreSQL reachable',
      },
    ];
  const n = opts.quick ? 500 : 2000;
  const database = await openDatabase({ url: pgdb.url, poolSize: 10 });
  const mailbox = await startMailbox(0, { parse: false });
  try {
    await database.migrate();
    const now = new Date();
    const rows = queuedEmails(n, 'bench', now);
    for (let i = 0; i < rows.length; i += 500) await enqueueOutbox(database.db, rows.slice(i, i + 500));
    const email = createEmailTransport({ smtpUrl: mailbox.url, mailDir: '/nonexistent' });
    const o = {
      db: database.db,
      clock: systemClock,
      email,
      mailFrom: 'hoptrace <noreply@hoptrace.test>',
      publicUrl: 'https://hoptrace.example',
      webhookPolicy: { allowHttp: true, allowPrivateNetworks: true },
    };
    const started = performance.now();
    while ((await dispatchOnce(o)).claimed > 0);
    const seconds = (performance.now() - started) / 1000;
    email.close();
    const sent = await countOutbox(database.db, 'sent');
    return [
      {
        name: 'notifications: email dispatch to a local SMTP server',
        value: Math.round(sent / seconds),
        unit: 'messages/s',
        notes: `${sent}/${n} sent in ${seconds.toFixed(1)} s; outbox on PostgreSQL, pooled SMTP, 8 lanes`,
      },
    ];
  } finally {
    await mailbox.stop();
    await database.close();
    await pgdb.drop();
  }
}
