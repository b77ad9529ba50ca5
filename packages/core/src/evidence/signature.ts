import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * `manifest.sig`, a few lines of text (decision 0025):
 *
 *     hoptrace-evidence-signature/1
 *     algorithm: Ed25519
 *     key-id: <uuid of the evidence key>
 *     key-fingerprint: <SHA-256 of the public key's SPKI DER, hex>
 *     manifest-sha256: <SHA-256 of manifest.json, hex>
 *     signature: <base64 of the 64-byte Ed25519 signature of the exact bytes of manifest.json>
 *     check: <SHA-256, hex, of the lines above with their line ends>
 *
 * The signature is the proof. `manifest-sha256` and `check` prove nothing (anyone can recompute them);
 * they let the verifier say which file was damaged: a changed manifest.sig fails its own check, a changed
 * manifest.json no longer has the hash the signature was made over.
 */
export const SIGNATURE_FORMAT = 'hoptrace-evidence-signature/1';

export const sha256Hex = (data: Uint8Array | string): string =>
  createHash('sha256').update(data).digest('hex');

/** The fingerprint packages name a key by: SHA-256 of its SPKI DER, lowercase hex. */
export const fingerprintOf = (publicKey: KeyObject): string =>
  sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));

export interface SignatureFields {
  keyId: string;
  keyFingerprint: string;
  manifestSha256: string;
  signature: Buffer;
}

/** Signs manifest.json's bytes and writes manifest.sig. */
export function signManifest(
  manifest: Uint8Array,
  key: { id: string; fingerprint: string; privateKey: KeyObject },
): string {
  const signature = sign(null, manifest, key.privateKey);
  const body =
    `${SIGNATURE_FORMAT}\n` +
    `algorithm: Ed25519\n` +
    `key-id: ${key.id}\n` +
    `key-fingerprint: ${key.fingerprint}\n` +
    `manifest-sha256: ${sha256Hex(manifest)}\n` +
    `signature: ${signature.toString('base64')}\n`;
  return `${body}check: ${sha256Hex(body)}\n`;
}

const LINES = [
  ['algorithm', /^Ed25519$/],
  ['key-id', /^[0-9a-f-]{36}$/],
  ['key-fingerprint', /^[0-9a-f]{64}$/],
  ['manifest-sha256', /^[0-9a-f]{64}$/],
  ['signature', /^[A-Za-z0-9+/]{86}==$/],
] as const;

/** Reads manifest.sig; a string saying what is wrong when it is not one, or was damaged. */
export function parseSignatureFile(bytes: Uint8Array): SignatureFields | string {
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.lastIndexOf('check: ');
  if (at < 0 || !text.startsWith(`${SIGNATURE_FORMAT}\n`))
    return `is not a hoptrace evidence signature (${SIGNATURE_FORMAT})`;
  const body = text.slice(0, at);
  if (text.slice(at) !== `check: ${sha256Hex(body)}\n`)
    return 'is damaged (its check line does not match its content)';
  const lines = body.split('\n').slice(1, -1);
  if (lines.length !== LINES.length) return 'has unexpected lines';
  const values: Record<string, string> = {};
  for (const [i, [name, pattern]] of LINES.entries()) {
    const line = lines[i]!;
    const value = line.startsWith(`${name}: `) ? line.slice(name.length + 2) : undefined;
    if (value === undefined || !pattern.test(value)) return `has no valid "${name}" line`;
    values[name] = value;
  }
  const signature = Buffer.from(values.signature!, 'base64');
  // Only the canonical encoding: other text that decodes to the same bytes is not this file.
  if (signature.length !== 64 || signature.toString('base64') !== values.signature)
    return 'has a signature that is not 64 bytes of canonical base64';
  return {
    keyId: values['key-id']!,
    keyFingerprint: values['key-fingerprint']!,
    manifestSha256: values['manifest-sha256']!,
    signature,
  };
}

/** An Ed25519 public key from PEM (SPKI); a string saying what is wrong otherwise. */
export function readPublicKey(pem: string | Uint8Array): KeyObject | string {
  try {
    const key = createPublicKey(typeof pem === 'string' ? pem : Buffer.from(pem));
    if (key.asymmetricKeyType !== 'ed25519')
      return `is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`;
    return key;
  } catch {
    return 'is not a PEM public key';
  }
}

export const verifySignature = (manifest: Uint8Array, signature: Buffer, publicKey: KeyObject): boolean =>
  verify(null, manifest, publicKey, signature);
