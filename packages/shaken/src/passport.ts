import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';

/** PASSporT (RFC 8225) with the SHAKEN extension (RFC 8588). */

export type Attestation = 'A' | 'B' | 'C';

export interface PassportHeader {
  alg?: unknown;
  typ?: unknown;
  ppt?: unknown;
  x5u?: unknown;
  [name: string]: unknown;
}

export interface PassportPayload {
  attest?: unknown;
  orig?: unknown;
  dest?: unknown;
  iat?: unknown;
  origid?: unknown;
  [name: string]: unknown;
}

export interface DecodedPassport {
  header: PassportHeader;
  payload: PassportPayload;
  /** `base64url(header) . base64url(payload)`, the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

export type PassportDecode = { ok: true; passport: DecodedPassport } | { ok: false; reason: string };

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Strict base64url: no padding, and the unused low bits of the last character must be zero, so
 * each byte string has exactly one encoding (a changed character always changes the bytes).
 */
export function decodeBase64Url(text: string): Buffer | null {
  if (typeof text !== 'string' || !BASE64URL.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

function parseJsonObject(bytes: Buffer): Record<string, unknown> | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** Splits and decodes a PASSporT in full form. Says nothing about validity; see the verifier. */
export function decodePassport(token: unknown): PassportDecode {
  if (typeof token !== 'string') return { ok: false, reason: 'the PASSporT must be a string' };
  const parts = token.split('.');
  if (parts.length !== 3)
    return { ok: false, reason: `a PASSporT has three dot-separated parts, found ${parts.length}` };
  const [h, p, s] = parts as [string, string, string];
  if (p === '')
    return {
      ok: false,
      reason:
        'compact form (empty payload): SHAKEN claims cannot be rebuilt from SIP, RFC 8588 uses the full form',
    };
  const headerBytes = decodeBase64Url(h);
  const payloadBytes = decodeBase64Url(p);
  const signature = decodeBase64Url(s);
  if (!headerBytes || !payloadBytes || !signature)
    return { ok: false, reason: 'a PASSporT part is not canonical base64url' };
  const header = parseJsonObject(headerBytes);
  if (!header) return { ok: false, reason: 'the PASSporT header is not a JSON object' };
  const payload = parseJsonObject(payloadBytes);
  if (!payload) return { ok: false, reason: 'the PASSporT payload is not a JSON object' };
  return { ok: true, passport: { header, payload, signingInput: `${h}.${p}`, signature } };
}

/** JSON with keys sorted at every level and no whitespace, the PASSporT canonical form (RFC 8225 §9). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export type SigningKey = KeyObject | string;

function toKeyObject(key: SigningKey): KeyObject {
  return typeof key === 'string' ? createPrivateKey(key) : key;
}

/**
 * Signs any header/payload pair with ES256 (the signing side is trusted input: a bad key throws).
 * Tests and the simulator use it to mint deliberately wrong PASSporTs.
 *
 * node:crypto, not jose's CompactSign: signing is synchronous in this API (signPassport returns
 * the token), CompactSign returns a promise, and it would refuse the malformed headers tests need.
 */
export function signJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string,
  privateKey: SigningKey,
): string {
  const h = Buffer.from(canonicalJson(header)).toString('base64url');
  const p = Buffer.from(typeof payload === 'string' ? payload : canonicalJson(payload)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${h}.${p}`), {
    key: toKeyObject(privateKey),
    dsaEncoding: 'ieee-p1363',
  });
  return `${h}.${p}.${signature.toString('base64url')}`;
}

export interface ShakenClaims {
  attest: Attestation;
  origTn: string;
  destTns: readonly string[];
  /** Seconds since the epoch. */
  iat: number;
  /** Defaults to a random UUID. */
  origid?: string;
}

export interface SignPassportOptions extends ShakenClaims {
  privateKey: SigningKey;
  /** URL of the signing certificate. */
  x5u: string;
}

/** A SHAKEN PASSporT as an STI-AS emits it. */
export function signPassport(options: SignPassportOptions): string {
  return signJws(
    { alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u: options.x5u },
    {
      attest: options.attest,
      dest: { tn: [...options.destTns] },
      iat: options.iat,
      orig: { tn: options.origTn },
      origid: options.origid ?? randomUUID(),
    },
    options.privateKey,
  );
}
