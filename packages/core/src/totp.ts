import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * TOTP (RFC 6238) as every authenticator app reads it by default: HMAC-SHA1, 6 digits, 30-second steps.
 * A code of the step before or after is accepted too (clocks drift); each step's code works once.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const TOTP_WINDOW = 1;
export const TOTP_ISSUER = 'hoptrace';

/** A new secret: 160 random bits (RFC 4226's recommendation), in base32 as apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URL an app scans from the QR code. */
export function totpUrl(secretBase32: string, account: string): string {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label: account,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** The time step (RFC 6238's T) a code belongs to, when it is right for `now` or a step either side; else null. */
export function totpStepOf(secretBase32: string, code: string, now: Date): number | null {
  const timestamp = now.getTime();
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secretBase32),
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp,
    window: TOTP_WINDOW,
  });
  return delta === null ? null : TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp }) + delta;
}

// --- Recovery codes -------------------------------------------------------------------------------------

export const RECOVERY_CODE_COUNT = 10;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Recovery codes `xxxx-xxxx-xxxx-xxxx`: 16 characters of Crockford's base32, 80 random bits each. That is
 * out of reach of any guessing, so one SHA-256 stores them (decision 0003), found by one indexed lookup.
 */
export function newRecoveryCodes(n = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: n }, () => {
    const chars = Array.from({ length: 16 }, () => CROCKFORD[randomInt(32)]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** The hash kept of a recovery code, given in its normalised form (`normalizeSecondFactorCode`). */
export const hashRecoveryCode = (normalized: string): string =>
  createHash('sha256').update(`recovery:${normalized}`).digest('hex');

// --- Sealing secrets at rest ----------------------------------------------------------------------------

/** A sealed secret that this process cannot open: HOPTRACE_SECRET_KEY is missing or not the one it was sealed with. */
export class SecretKeyError extends Error {}

/**
 * HOPTRACE_SECRET_KEY: 32 bytes, written as 64 hex digits or in base64 (`openssl rand -base64 32`).
 * Throws with a message naming what is wrong.
 */
export function parseSecretKey(raw: string): Buffer {
  const value = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value)
      ? Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64')
      : null;
  if (key?.length !== 32)
    throw new Error(
      'must be 32 bytes, as 64 hex digits or in base64 (e.g. the output of `openssl rand -base64 32`)',
    );
  return key;
}

const SEALED = 'v1.';
const PLAIN = 'plain.';
const aadFor = (userId: string) => `hoptrace-totp:${userId}`;

/**
 * Seals a secret for storage: AES-256-GCM under the key, bound to `aad` (a sealed value copied to another
 * row does not open). Without a key it is stored as is, marked `plain.`.
 */
export function sealValue(value: string, aad: string, key: Buffer | undefined): string {
  if (!key) return `${PLAIN}${value}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return `${SEALED}${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

/** Opens what `sealValue` stored; `what` names the secret in the errors. */
export function openValue(stored: string, aad: string, key: Buffer | undefined, what: string): string {
  if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
  if (!stored.startsWith(SEALED)) throw new SecretKeyError(`the stored ${what} has an unknown form`);
  if (!key) throw new SecretKeyError(`a ${what} is sealed, but HOPTRACE_SECRET_KEY is not set`);
  const raw = Buffer.from(stored.slice(SEALED.length), 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError(`a ${what} does not open with HOPTRACE_SECRET_KEY (was the key changed?)`);
  }
}

/** Seals a TOTP secret for storage, bound to its user (see `sealValue`). */
export function sealSecret(secret: string, userId: string, key: Buffer | undefined): string {
  return sealValue(secret, aadFor(userId), key);
}

export function openSecret(stored: string, userId: string, key: Buffer | undefined): string {
  return openValue(stored, aadFor(userId), key, 'second-factor secret');
}
