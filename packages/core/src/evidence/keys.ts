import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { TEvidenceKey } from '@hoptrace/contracts';
import {
  currentEvidenceKey,
  insertEvidenceKey,
  insertFirstEvidenceKey,
  listEvidenceKeys as listEvidenceKeyRows,
  retireCurrentEvidenceKey,
  type EvidenceKeyRow,
  type EvidencePublicKey,
} from '@hoptrace/db';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { authSettingsOf, pgErrorCode } from '../context';
import { ConflictError } from '../errors';
import { authorize, policy } from '../policies';
import { openValue, sealValue } from '../totp';
import { fingerprintOf } from './signature';

/**
 * The instance's evidence key (decision 0025): Ed25519, created on first use, kept in the database with
 * its private half sealed by HOPTRACE_SECRET_KEY when set. Rotating retires the current key (kept, so
 * packages it signed still verify) and makes a new one.
 */

const aadOf = (fingerprint: string) => `hoptrace-evidence-key:${fingerprint}`;

function newKeyRow(ctx: Pick<CommandContext, 'clock' | 'settings'>) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const fingerprint = fingerprintOf(publicKey);
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint,
    privateKey: sealValue(pkcs8, aadOf(fingerprint), authSettingsOf(ctx.settings).secretKey),
    createdAt: ctx.clock.now(),
  };
}

/** The current key, made (and stored) if there is none yet. No actor: it is the instance's own key. */
export async function ensureEvidenceKey(ctx: Omit<CommandContext, 'actor'>): Promise<EvidenceKeyRow> {
  const found = await currentEvidenceKey(ctx.db);
  if (found) return found;
  const created = await insertFirstEvidenceKey(ctx.db, newKeyRow(ctx));
  if (created) return created;
  // Another process made the first key at the same moment: use that one.
  const theirs = await currentEvidenceKey(ctx.db);
  if (!theirs) throw new Error('no current evidence key after creating one');
  return theirs;
}

/** The private key of a stored row, opened with HOPTRACE_SECRET_KEY if it is sealed. */
export function openEvidenceKey(row: EvidenceKeyRow, ctx: Pick<CommandContext, 'settings'>): KeyObject {
  const pem = openValue(
    row.privateKey,
    aadOf(row.fingerprint),
    authSettingsOf(ctx.settings).secretKey,
    'evidence signing key',
  );
  return createPrivateKey(pem);
}

export function presentEvidenceKey(k: EvidencePublicKey): TEvidenceKey {
  return {
    id: k.id,
    algorithm: 'Ed25519',
    fingerprint: k.fingerprint,
    publicKeyPem: k.publicKeyPem,
    createdAt: k.createdAt.toISOString(),
    retiredAt: k.retiredAt ? k.retiredAt.toISOString() : null,
    current: k.retiredAt === null,
  };
}

/** The current public key (PEM, SPKI): public, anyone may check a package against it. */
export async function getEvidencePublicKey(ctx: Omit<CommandContext, 'actor'>): Promise<TEvidenceKey> {
  return presentEvidenceKey(await ensureEvidenceKey(ctx));
}

/** Current and retired keys with their fingerprints: staff and enforcement users. */
export async function listEvidenceKeys(ctx: CommandContext): Promise<TEvidenceKey[]> {
  authorize(policy.readEvidenceKeys(ctx.actor), 'route');
  await ensureEvidenceKey(ctx);
  return (await listEvidenceKeyRows(ctx.db)).map(presentEvidenceKey);
}

/**
 * Retires the current key and makes a new one, in one transaction (the retired row stays: old packages
 * still verify against it). Admins and the CLI. An audit ledger entry records it.
 */
export async function rotateEvidenceKey(
  ctx: CommandContext,
): Promise<{ current: TEvidenceKey; retired: TEvidenceKey | null }> {
  const { db, clock, actor } = ctx;
  authorize(policy.rotateEvidenceKey(actor), 'route');
  return db
    .transaction(async (tx) => {
      const now = clock.now();
      const retired = (await retireCurrentEvidenceKey(tx, now)) ?? null;
      const created = await insertEvidenceKey(tx, newKeyRow(ctx));
      await audit(tx, ctx, {
        action: 'evidence.key_rotated',
        subject: 'evidence_key',
        subjectId: created.id,
        details: { fingerprint: created.fingerprint, ...(retired ? { retired: retired.fingerprint } : {}) },
      });
      return {
        current: presentEvidenceKey(created),
        retired: retired ? presentEvidenceKey(retired) : null,
      };
    })
    .catch((err: unknown) => {
      // Two rotations at once: the second would leave two current keys; the index refuses it.
      if (pgErrorCode(err) === '23505')
        throw new ConflictError('the key was being rotated at the same moment; try again');
      throw err;
    });
}
