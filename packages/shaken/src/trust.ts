import { readFile } from 'node:fs/promises';
import { describeError, loadCertificate, pemCertificates, type Certificate } from './x509';

/**
 * Trust configuration: the STI-CA roots a verifier accepts, plus optional intermediates and CRL
 * signers (the STI-PA signs the SHAKEN CRL, so its certificate may need to be known separately).
 *
 * Inputs accepted for each list: PEM text (any number of certificates), an array of PEM strings,
 * or an STI-PA style trust list in JSON: an array of certificates or an object whose `crts`,
 * `certs`, `certificates` or `trustList` member is one. JSON entries may be PEM or base64 DER.
 */

export type CertificateSource = string | Uint8Array | readonly (string | Uint8Array)[];

export interface TrustStore {
  anchors: Certificate[];
  intermediates: Certificate[];
  crlSigners: Certificate[];
}

export type TrustStoreParse =
  { ok: true; store: TrustStore; warnings: string[] } | { ok: false; reason: string; warnings: string[] };

export interface TrustStoreInput {
  anchors: CertificateSource;
  intermediates?: CertificateSource;
  crlSigners?: CertificateSource;
}

function entriesFromJson(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value as unknown[];
  if (value && typeof value === 'object') {
    for (const key of ['crts', 'certs', 'certificates', 'trustList']) {
      const member = (value as Record<string, unknown>)[key];
      if (Array.isArray(member)) return member as unknown[];
    }
  }
  return null;
}

function derBlocks(source: CertificateSource, warnings: string[], label: string): Uint8Array[] {
  if (source instanceof Uint8Array) return [source];
  if (typeof source !== 'string') return source.flatMap((item) => derBlocks(item, warnings, label));
  const text = source.trim();
  if (text.startsWith('[') || text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      warnings.push(`${label}: not valid JSON`);
      return [];
    }
    const entries = entriesFromJson(parsed);
    if (!entries) {
      warnings.push(`${label}: JSON trust list without a crts/certs/certificates array`);
      return [];
    }
    return entries.flatMap((entry, i) => {
      if (typeof entry !== 'string') {
        warnings.push(`${label}[${i}]: not a string`);
        return [];
      }
      if (entry.includes('-----BEGIN')) return pemCertificates(entry);
      const compact = entry.replace(/\s+/g, '');
      if (/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return [new Uint8Array(Buffer.from(compact, 'base64'))];
      warnings.push(`${label}[${i}]: neither PEM nor base64 DER`);
      return [];
    });
  }
  const blocks = pemCertificates(text);
  if (blocks.length === 0 && text !== '') warnings.push(`${label}: no CERTIFICATE block found`);
  return blocks;
}

function load(source: CertificateSource | undefined, warnings: string[], label: string): Certificate[] {
  if (source === undefined) return [];
  const out: Certificate[] = [];
  const seen = new Set<string>();
  for (const [i, block] of derBlocks(source, warnings, label).entries()) {
    try {
      const cert = loadCertificate(block);
      if (!seen.has(cert.fingerprint)) out.push(cert);
      seen.add(cert.fingerprint);
    } catch (error) {
      warnings.push(`${label}[${i}]: ${describeError(error)}`);
    }
  }
  return out;
}

/** Builds a trust store; fails only when no anchor at all could be read. */
export function parseTrustStore(input: TrustStoreInput | CertificateSource): TrustStoreParse {
  const warnings: string[] = [];
  try {
    const spec: TrustStoreInput =
      typeof input === 'string' || input instanceof Uint8Array || Array.isArray(input)
        ? { anchors: input as CertificateSource }
        : (input as TrustStoreInput);
    const anchors = load(spec.anchors, warnings, 'anchors');
    if (anchors.length === 0) return { ok: false, reason: 'no usable trust anchor', warnings };
    return {
      ok: true,
      store: {
        anchors,
        intermediates: load(spec.intermediates, warnings, 'intermediates'),
        crlSigners: load(spec.crlSigners, warnings, 'crlSigners'),
      },
      warnings,
    };
  } catch (error) {
    // Reached only for inputs of the wrong type (JavaScript callers); the result says so.
    return { ok: false, reason: `unreadable trust input: ${describeError(error)}`, warnings };
  }
}

/** Reads a PEM bundle or JSON trust list from disk. */
export async function readTrustStoreFile(path: string): Promise<TrustStoreParse> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, reason: `cannot read ${path}: ${describeError(error)}`, warnings: [] };
  }
  return parseTrustStore(text);
}

/** No anchors at all: every chain fails `cert.chain` and says so. For deployments that have not configured STI-CA roots yet. */
export function emptyTrustStore(): TrustStore {
  return { anchors: [], intermediates: [], crlSigners: [] };
}
