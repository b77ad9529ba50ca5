import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hopsOf, listAuditEntries, readAuditHead } from '@hoptrace/db';
import { sql } from 'drizzle-orm';
import { audit, chainHash, GENESIS_HASH, listAudit, publishAuditHead, verifyAuditLedger } from './audit';
import { HOUR_MS } from './clock/clock';
import { answerHop } from './commands/answerHop';
import { openTraceback } from './commands/openTraceback';
import { NotFoundError } from './errors';
import { setupCore } from './testing/fixtures';

let env: Awaited<ReturnType<typeof setupCore>>;
beforeAll(async () => {
  env = await setupCore();
});
afterAll(async () => {
  await env.close();
});

const call = {
  startedAt: new Date('2026-11-01T14:03:00Z'),
  callingNumber: '+12025550143',
  calledNumber: '+13125550188',
};

/** Runs `statement` on the ledger with its triggers off, as someone with the database's owner rights could. */
async function tamper(statement: ReturnType<typeof sql>) {
  await env.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });
}

describe('the audit ledger', () => {
  it('chains every timeline event at commit, with the actor, and verifies whole', async () => {
    const a = await env.provider('Plover Voice');
    const b = await env.provider('Sandpiper Carrier');
    const tb = await openTraceback({
      ...env.ctx(env.analyst),
      input: { call, firstProviderId: a.provider.id },
    });
    const [hop] = await hopsOf(env.db, tb.id);
    env.clock.advance(HOUR_MS);
    await answerHop({
      ...env.ctx(a.actor),
      hopId: hop!.id,
      input: { kind: 'upstream', upstreamProviderId: b.provider.id },
    });
    const entries = await listAuditEntries(env.db, { subjectType: 'traceback', subjectId: tb.id }, 50);
    const actions = entries.map((e) => e.action).reverse();
    expect(actions[0]).toBe('traceback.opened');
    expect(actions).toContain('hop.answered');
    const answered = entries.find((e) => e.action === 'hop.answered')!;
    expect(answered.actor).toBe(a.actor.label);
    expect(answered.actorUserId).toBe(a.actor.userId);
    expect(answered.details.hopId).toBe(hop!.id);
    // The chain's rule, recomputed here from the stored text.
    expect(answered.hash).toBe(chainHash(answered.prevHash, answered.entry));
    expect(JSON.parse(answered.entry)).toMatchObject({ seq: answered.seq, action: 'hop.answered' });

    const result = await verifyAuditLedger(env.db);
    expect(result.failure).toBeNull();
    expect(result.ok).toBe(true);
    const head = await readAuditHead(env.db);
    expect(result.head).toEqual(head);
    expect(result.entries).toBe(head!.seq);
  });

  it('rolls the head back with a failed command: no gap, no entry', async () => {
    const before = await readAuditHead(env.db);
    await expect(
      env.db.transaction(async (tx) => {
        await audit(tx, env.ctx(env.admin), {
          action: 'settings.changed',
          subject: 'settings',
          subjectId: 'x',
        });
        throw new Error('the command fails after its append');
      }),
    ).rejects.toThrow('fails');
    expect(await readAuditHead(env.db)).toEqual(before);
    await audit(env.db, env.ctx(env.admin), {
      action: 'settings.changed',
      subject: 'settings',
      subjectId: 'y',
    });
    expect((await readAuditHead(env.db))!.seq).toBe(before!.seq + 1);
    expect((await verifyAuditLedger(env.db)).ok).toBe(true);
  });

  it('continues a transaction from its tail, also after a rolled-back savepoint; the head moves at commit', async () => {
    const before = (await readAuditHead(env.db))!;
    await env.db.transaction(async (tx) => {
      await audit(tx, env.ctx(env.admin), {
        action: 'settings.changed',
        subject: 'settings',
        subjectId: 'a',
      });
      await expect(
        tx.transaction(async (sp) => {
          await audit(sp, env.ctx(env.admin), {
            action: 'settings.changed',
            subject: 'settings',
            subjectId: 'b',
          });
          throw new Error('the savepoint rolls back');
        }),
      ).rejects.toThrow('savepoint');
      await audit(tx, env.ctx(env.admin), {
        action: 'settings.changed',
        subject: 'settings',
        subjectId: 'c',
      });
    });
    const after = (await readAuditHead(env.db))!;
    expect(after.seq).toBe(before.seq + 2);
    const [c, a] = await listAuditEntries(env.db, { subjectType: 'settings' }, 2);
    expect([a!.subjectId, c!.subjectId]).toEqual(['a', 'c']);
    expect(c!.prevHash).toBe(a!.hash);
    expect(after.hash).toBe(c!.hash);
    expect((await verifyAuditLedger(env.db)).ok).toBe(true);
  });

  it('refuses changes, removals and a moved head while its triggers are on', async () => {
    await expect(
      env.db.execute(sql`update audit_ledger set actor = 'someone else' where seq = 2`),
    ).rejects.toThrow();
    await expect(env.db.execute(sql`delete from audit_ledger where seq = 2`)).rejects.toThrow();
    await expect(env.db.execute(sql`truncate audit_ledger`)).rejects.toThrow();
    await expect(env.db.execute(sql`update audit_head set seq = 1`)).rejects.toThrow();
  });

  it('checks published heads, and heads kept elsewhere', async () => {
    const published = await publishAuditHead({ db: env.db, clock: env.clock });
    expect(published?.fresh).toBe(true);
    expect((await publishAuditHead({ db: env.db, clock: env.clock }))?.fresh).toBe(false);
    const ok = await verifyAuditLedger(env.db, { heads: [{ seq: published!.seq, hash: published!.hash }] });
    expect(ok.ok).toBe(true);
    expect(ok.headsMatched).toBe(1);
    const wrong = await verifyAuditLedger(env.db, { heads: [{ seq: 1, hash: GENESIS_HASH }] });
    expect(wrong.ok).toBe(false);
    expect(wrong.failure!.seq).toBe(1);
  });

  it('lists for admins only, newest first, by actor, subject and action prefix, a page at a time', async () => {
    await expect(listAudit({ ...env.ctx(env.analyst), query: { limit: 10 } })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const page = await listAudit({ ...env.ctx(env.admin), query: { limit: 2, action: 'hop.' } });
    expect(page.items.length).toBe(2);
    expect(page.items.every((e) => e.action.startsWith('hop.'))).toBe(true);
    expect(page.items[0]!.seq).toBeGreaterThan(page.items[1]!.seq);
    const next = await listAudit({
      ...env.ctx(env.admin),
      query: { limit: 50, action: 'hop.', cursor: page.nextCursor! },
    });
    expect(next.items.every((e) => e.seq < page.items[1]!.seq)).toBe(true);
    const byActor = await listAudit({
      ...env.ctx(env.admin),
      query: { limit: 50, actor: env.admin.userId! },
    });
    expect(byActor.items.map((e) => e.action)).toContain('settings.changed');
    const bySubject = await listAudit({ ...env.ctx(env.admin), query: { limit: 50, subject: 'settings:y' } });
    expect(bySubject.items).toHaveLength(1);
  });

  it('names the first entry changed behind the triggers’ back, and a rewritten one, and a removed one', async () => {
    const head = (await readAuditHead(env.db))!;
    const target = Math.max(2, head.seq - 3);
    await tamper(sql`update audit_ledger set details = '{"tampered": true}'::jsonb where seq = ${target}`);
    let result = await verifyAuditLedger(env.db);
    expect(result.ok).toBe(false);
    expect(result.failure!.seq).toBe(target);
    expect(result.failure!.reason).toContain('details');

    // Rewriting the entry's text and its hash consistently breaks the link from the next entry instead.
    const rewritten = sql`replace(entry, '"details": {', '"details": {"tampered": true, ')`;
    await tamper(sql`
      update audit_ledger set entry = ${rewritten}, details = (${rewritten})::jsonb -> 'details',
        hash = encode(sha256(convert_to(prev_hash || ${rewritten}, 'UTF8')), 'hex')
      where seq = ${target}`);
    result = await verifyAuditLedger(env.db);
    expect(result.failure!.seq).toBe(target + 1);
    expect(result.failure!.reason).toContain('does not link');

    // A removed entry is a gap.
    await tamper(sql`delete from audit_ledger where seq = ${target + 2}`);
    const tail = await verifyAuditLedger(env.db, { pageSize: 2 });
    expect(tail.failure!.seq).toBe(target + 1); // still the first break, found on the way (pages of 2)
  });
});
