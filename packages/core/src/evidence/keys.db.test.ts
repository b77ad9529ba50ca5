import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@hoptrace/db/testing';
import { schema, type Database } from '@hoptrace/db';
import { sql } from 'drizzle-orm';
import { systemActor } from '../actor';
import { ManualClock } from '../clock/index';
import { SecretKeyError } from '../totp';
import { ensureEvidenceKey, openEvidenceKey, rotateEvidenceKey } from './keys';
import { signManifest, parseSignatureFile, verifySignature } from './signature';
import { createPublicKey } from 'node:crypto';

/**
 * The evidence key at rest: sealed with HOPTRACE_SECRET_KEY when set (no private key in the row), opened
 * only with that key; one current key even when several callers make the first one at once; rotation
 * keeps the retired key.
 */

let database: Database;
const clock = new ManualClock('2026-11-02T15:00:00Z');
const secretKey = randomBytes(32);
const ctx = () => ({ db: database.db, clock, settings: { auth: { secretKey } } });

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('the evidence key', () => {
  it('is made once, even when many ask for the first one at once', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => ensureEvidenceKey(ctx())));
    expect(new Set(keys.map((k) => k.id)).size).toBe(1);
    expect(await database.db.$count(schema.evidenceKeys)).toBe(1);
  });

  it('is stored sealed with HOPTRACE_SECRET_KEY and signs only once opened with it', async () => {
    const row = await ensureEvidenceKey(ctx());
    expect(row.privateKey).toMatch(/^v1\./);
    expect(row.privateKey).not.toContain('PRIVATE KEY');
    expect(() => openEvidenceKey(row, { settings: { auth: { secretKey: randomBytes(32) } } })).toThrow(
      SecretKeyError,
    );
    expect(() => openEvidenceKey(row, {})).toThrow(/HOPTRACE_SECRET_KEY is not set/);
    const manifest = Buffer.from('{"test":true}\n');
    const sig = parseSignatureFile(
      Buffer.from(signManifest(manifest, { ...row, privateKey: openEvidenceKey(row, ctx()) })),
    );
    if (typeof sig === 'string') throw new Error(sig);
    expect(sig.keyFingerprint).toBe(row.fingerprint);
    expect(verifySignature(manifest, sig.signature, createPublicKey(row.publicKeyPem))).toBe(true);
  });

  it('rotates: the old key is retired and kept, a new one is current, recorded on no traceback', async () => {
    const before = await ensureEvidenceKey(ctx());
    const { current, retired } = await rotateEvidenceKey({ ...ctx(), actor: systemActor('test') });
    expect(retired).toMatchObject({ id: before.id, current: false, retiredAt: clock.now().toISOString() });
    expect(current.current).toBe(true);
    expect((await ensureEvidenceKey(ctx())).id).toBe(current.id);
    expect(await database.db.$count(schema.evidenceKeys)).toBe(2);
    const [entry] = await database.db
      .select()
      .from(schema.auditLedger)
      .where(sql`action = 'evidence.key_rotated'`);
    expect(entry).toMatchObject({
      subjectType: 'evidence_key',
      subjectId: current.id,
      details: { fingerprint: current.fingerprint, retired: before.fingerprint },
    });
  });

  it('refuses rotation to anyone but an admin (or the CLI)', async () => {
    await expect(
      rotateEvidenceKey({
        ...ctx(),
        actor: { userId: null, role: 'analyst', providerId: null, label: 'a', channel: 'staff' },
      }),
    ).rejects.toThrow(/not found/);
  });

  it('a stored package can be neither changed nor removed', async () => {
    const key = await ensureEvidenceKey(ctx());
    await database.db.insert(schema.evidencePackages).values({
      scope: 'tracebacks',
      tracebackIds: [],
      builtByLabel: 'test',
      builtAt: clock.now(),
      sha256: 'a'.repeat(64),
      manifestSha256: 'b'.repeat(64),
      keyId: key.id,
      sizeBytes: 1,
      data: Buffer.from('x'),
    });
    await expect(database.db.execute(sql`update evidence_packages set size_bytes = 2`)).rejects.toThrow();
    await expect(database.db.execute(sql`delete from evidence_packages`)).rejects.toThrow();
    expect(await database.db.$count(schema.evidencePackages)).toBe(1);
  });
});
