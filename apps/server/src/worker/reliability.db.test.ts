import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@hoptrace/core';
import { countOutbox, enqueueOutbox, type Db } from '@hoptrace/db';
import { createTestDatabase } from '@hoptrace/db/testing';
import { startMailbox } from '../testing/mailbox';
import { queuedEmails } from '../testing/outboxFixtures';
import { dispatchOnce } from './dispatcher';
import { createEmailTransport } from './email';

const BIN = fileURLToPath(new URL('../../../cli/bin/hoptrace.js', import.meta.url));
const onPostgres = Boolean(process.env.DATABASE_URL);

async function waitFor(
  cond: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SMTP down for a while', () => {
  it('loses nothing: every message is delivered once the server is back, each once', async () => {
    const database = await createTestDatabase();
    const mailbox = await startMailbox();
    const clock = new ManualClock('2026-11-23T15:00:00Z');
    try {
      await enqueueOutbox(database.db, queuedEmails(200, 'down', clock.now()));
      await mailbox.stop();
      const o = {
        db: database.db,
        clock,
        email: createEmailTransport({ smtpUrl: mailbox.url, mailDir: '/nonexistent' }),
        mailFrom: 'hoptrace <noreply@hoptrace.test>',
        publicUrl: 'https://hoptrace.example',
        webhookPolicy: { allowHttp: true, allowPrivateNetworks: true },
        batch: 200,
      };
      const down = await dispatchOnce(o);
      expect(down).toMatchObject({ sent: 0, failed: 200 });
      // Two hours of outage: every retry fails, nothing is given up or lost.
      for (let i = 0; i < 8; i++) {
        clock.advance(15 * 60_000);
        await dispatchOnce(o);
      }
      expect(await countOutbox(database.db, 'pending')).toBe(200);
      await mailbox.start();
      clock.advance(2 * 3_600_000);
      while ((await dispatchOnce(o)).claimed > 0);
      expect(await countOutbox(database.db, 'sent')).toBe(200);
      expect(mailbox.received).toHaveLength(200);
      expect(new Set(mailbox.received.map((m) => m.messageId)).size).toBe(200);
      o.email.close();
    } finally {
      await mailbox.stop();
      await database.close();
    }
  });
});

/** `hoptrace start --role worker` as its own process, on the test's PostgreSQL database. */
function workerProcess(databaseUrl: string, smtpUrl: string, dataDir: string): ChildProcess {
  return spawn(process.execPath, [BIN, 'start', '--role', 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SMTP_URL: smtpUrl,
      HOPTRACE_DATA_DIR: dataDir,
      HOPTRACE_OUTBOX_LEASE_MS: '3000',
    },
    stdio: 'ignore',
  });
}

const exited = (p: ChildProcess) =>
  new Promise<void>((resolve) => (p.exitCode !== null ? resolve() : p.once('exit', () => resolve())));

describe.skipIf(!onPostgres)(
  'workers on PostgreSQL (skipped on the embedded database: it is one connection)',
  () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let mailbox: Awaited<ReturnType<typeof startMailbox>>;
    let dataDir: string;
    let db: Db;
    beforeAll(async () => {
      database = await createTestDatabase();
      db = database.db;
      mailbox = await startMailbox();
      dataDir = mkdtempSync(join(tmpdir(), 'hoptrace-worker-'));
    });
    afterAll(async () => {
      await mailbox.stop();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a worker killed with SIGKILL mid-dispatch of 1,000 messages, then restarted: every message delivered, duplicates keep their Message-ID', async () => {
      mailbox.received.length = 0;
      await enqueueOutbox(db, queuedEmails(1000, 'kill', new Date()));
      const first = workerProcess(database.url!, mailbox.url, dataDir);
      await waitFor(() => mailbox.received.length >= 250, 60_000, '250 deliveries before the kill');
      first.kill('SIGKILL');
      await exited(first);
      const atKill = mailbox.received.length;
      expect(atKill).toBeLessThan(1000);
      const second = workerProcess(database.url!, mailbox.url, dataDir);
      try {
        await waitFor(
          async () => (await countOutbox(db, 'sent')) === 1000,
          90_000,
          'all 1,000 sent after the restart',
        );
      } finally {
        second.kill('SIGTERM');
        await exited(second);
      }
      const ids = mailbox.received.map((m) => m.messageId);
      const distinct = new Set(ids);
      expect(distinct.size).toBe(1000);
      // Only messages in flight at the kill (claimed, handed to SMTP, not yet marked sent) can arrive twice.
      const duplicates = ids.length - distinct.size;
      expect(duplicates).toBeLessThanOrEqual(100);
      console.log(
        `kill test: ${atKill} delivered before SIGKILL, ${duplicates} duplicates (same Message-ID) after restart`,
      );
    }, 180_000);

    it('two worker processes on one PostgreSQL send 1,000 notices: each exactly once', async () => {
      mailbox.received.length = 0;
      await enqueueOutbox(db, queuedEmails(1000, 'pair', new Date()));
      const workers = [
        workerProcess(database.url!, mailbox.url, dataDir),
        workerProcess(database.url!, mailbox.url, dataDir),
      ];
      try {
        await waitFor(async () => (await countOutbox(db, 'pending')) === 0, 90_000, 'the queue to drain');
      } finally {
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers.map(exited));
      }
      const pair = mailbox.received.filter((m) => m.to[0]?.endsWith('@pair.example'));
      expect(pair).toHaveLength(1000);
      expect(new Set(pair.map((m) => m.messageId)).size).toBe(1000);
    }, 180_000);
  },
);
