import { ZEvidenceManifest } from '@hoptrace/contracts';
import { unzipSync } from 'fflate';
import { fingerprintOf, parseSignatureFile, readPublicKey, sha256Hex, verifySignature } from './signature';

export const MANIFEST_PATH = 'manifest.json';
export const SIGNATURE_PATH = 'manifest.sig';
export const PUBLIC_KEY_PATH = 'public-key.pem';

export type EvidenceVerification =
  | { ok: true; files: number; fingerprint: string; keyFrom: 'package' | 'given' }
  /** `file`: the first file that does not match (or `null`: the archive itself cannot be read). */
  | { ok: false; file: string | null; reason: string };

const fail = (file: string | null, reason: string): EvidenceVerification => ({ ok: false, file, reason });

/**
 * Checks an evidence package offline (decision 0025): manifest.sig is intact and its signature of
 * manifest.json verifies with the given public key (or, without one, the package's own public-key.pem,
 * which proves integrity only), and every file in the ZIP is in the manifest with its size and SHA-256,
 * none missing, none extra. Pure: bytes in, a verdict out; the first mismatch is named.
 */
export function verifyEvidencePackage(
  zip: Uint8Array,
  opts: { publicKeyPem?: string } = {},
): EvidenceVerification {
  const names: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        names.push(f.name);
        return true;
      },
    });
  } catch (err) {
    return fail(null, `not a readable ZIP archive (${err instanceof Error ? err.message : 'unreadable'})`);
  }
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) return fail(duplicate, 'appears twice in the archive');

  const manifestBytes = files[MANIFEST_PATH];
  if (!manifestBytes) return fail(MANIFEST_PATH, 'is missing (this is not an evidence package)');
  const sigBytes = files[SIGNATURE_PATH];
  if (!sigBytes) return fail(SIGNATURE_PATH, 'is missing');
  const sig = parseSignatureFile(sigBytes);
  if (typeof sig === 'string') return fail(SIGNATURE_PATH, sig);
  if (sha256Hex(manifestBytes) !== sig.manifestSha256)
    return fail(MANIFEST_PATH, 'does not match: it is not the manifest the signature was made over');

  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(manifestBytes).toString('utf8'));
  } catch {
    return fail(MANIFEST_PATH, 'is not valid JSON');
  }
  const manifest = ZEvidenceManifest.safeParse(parsed);
  if (!manifest.success) return fail(MANIFEST_PATH, 'is not an evidence manifest (hoptrace-evidence/1)');
  const listed = new Map(manifest.data.files.map((f) => [f.path, f]));
  if (listed.size !== manifest.data.files.length) return fail(MANIFEST_PATH, 'lists a file twice');

  // Which key: the one given, else the package's own (checked against the manifest before it is used).
  let pem: string | Uint8Array;
  if (opts.publicKeyPem !== undefined) pem = opts.publicKeyPem;
  else {
    const own = files[PUBLIC_KEY_PATH];
    const entry = listed.get(PUBLIC_KEY_PATH);
    if (!own || !entry) return fail(PUBLIC_KEY_PATH, 'is missing; give the key with --public-key');
    if (own.length !== entry.size || sha256Hex(own) !== entry.sha256)
      return fail(PUBLIC_KEY_PATH, 'does not match its size or SHA-256 in the manifest');
    pem = own;
  }
  const publicKey = readPublicKey(pem);
  if (typeof publicKey === 'string')
    return fail(opts.publicKeyPem !== undefined ? '--public-key' : PUBLIC_KEY_PATH, publicKey);
  const fingerprint = fingerprintOf(publicKey);
  if (sig.keyFingerprint !== fingerprint)
    return fail(
      SIGNATURE_PATH,
      `was made with key ${sig.keyFingerprint}, not with the public key ${fingerprint}`,
    );
  if (manifest.data.key.fingerprint !== fingerprint)
    return fail(
      MANIFEST_PATH,
      `names key ${manifest.data.key.fingerprint}, not the signing key ${fingerprint}`,
    );
  if (!verifySignature(manifestBytes, sig.signature, publicKey))
    return fail(SIGNATURE_PATH, 'the signature of manifest.json does not verify with this key');

  for (const entry of manifest.data.files) {
    const data = files[entry.path];
    if (!data) return fail(entry.path, 'is missing from the archive');
    if (data.length !== entry.size)
      return fail(entry.path, `is ${data.length} bytes; the manifest says ${entry.size}`);
    if (sha256Hex(data) !== entry.sha256)
      return fail(entry.path, 'does not match its SHA-256 in the manifest');
  }
  const extra = names.find((n) => n !== MANIFEST_PATH && n !== SIGNATURE_PATH && !listed.has(n));
  if (extra !== undefined) return fail(extra, 'is in the archive but not in the manifest');
  return {
    ok: true,
    files: manifest.data.files.length,
    fingerprint,
    keyFrom: opts.publicKeyPem !== undefined ? 'given' : 'package',
  };
}
