import { x509 } from './peculiar';
import {
  Oid,
  decodeBasicConstraints,
  decodeKeyUsage,
  describeError,
  formatName,
  getExtension,
  sameName,
  type Certificate,
} from './x509';

export type ChainResult = { ok: true; path: Certificate[] } | { ok: false; reason: string };

/** Longest path accepted below the leaf: up to four intermediates and the anchor. */
const MAX_DEPTH = 5;

function canIssue(
  cert: Certificate,
): { ok: true; pathLength: number | null } | { ok: false; reason: string } {
  const who = formatName(cert.parsed.subject);
  try {
    const bc = getExtension(cert.parsed, Oid.basicConstraints);
    const constraints = bc ? decodeBasicConstraints(bc) : null;
    if (!constraints?.ca) return { ok: false, reason: `${who} is not a CA certificate` };
    const ku = getExtension(cert.parsed, Oid.keyUsage);
    if (ku && !decodeKeyUsage(ku).has('keyCertSign')) {
      return { ok: false, reason: `${who} may not sign certificates (no keyCertSign)` };
    }
    return { ok: true, pathLength: constraints.pathLength };
  } catch {
    return { ok: false, reason: `${who} has malformed CA extensions` };
  }
}

/**
 * Finds a path leaf → intermediates → trust anchor. @peculiar/x509's `X509ChainBuilder` does the
 * search (issuer name, AKI/SKI, signature); this adds what makes the path a trusted one (RFC 5280
 * §6 in the small): it must reach an anchor, within MAX_DEPTH, through certificates that may
 * issue (cA, keyCertSign) and within their path length constraints. Validity dates and revocation
 * are checked by the caller at the call time.
 */
export async function buildPath(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  anchors: readonly Certificate[],
): Promise<ChainResult> {
  const anchorPrints = new Set(anchors.map((a) => a.fingerprint));
  if (anchorPrints.has(leaf.fingerprint))
    return {
      ok: false,
      reason: 'the signing certificate is itself a trust anchor, not an issued certificate',
    };
  // Anchors first, so that the builder stops at a trusted certificate when it can.
  const pool = new Map<x509.X509Certificate, Certificate>();
  const seen = new Set([leaf.fingerprint]);
  for (const cert of [...anchors, ...intermediates]) {
    if (!seen.has(cert.fingerprint)) pool.set(cert.parsed.x509, cert);
    seen.add(cert.fingerprint);
  }
  let found: x509.X509Certificates;
  try {
    found = await new x509.X509ChainBuilder({ certificates: [...pool.keys()] }).build(leaf.parsed.x509);
  } catch (error) {
    return { ok: false, reason: `no chain could be built: ${describeError(error)}` };
  }

  const path: Certificate[] = [leaf];
  for (const issuer of found.slice(1)) {
    const cert = pool.get(issuer);
    if (!cert) break;
    path.push(cert);
    if (anchorPrints.has(cert.fingerprint)) break;
  }
  const top = path[path.length - 1] as Certificate;
  if (!anchorPrints.has(top.fingerprint)) {
    const name = formatName(top.parsed.subject);
    return {
      ok: false,
      reason:
        path.length > 1 && sameName(top.parsed.subject, top.parsed.issuer)
          ? `the chain ends at ${name}, which is not a trust anchor`
          : `no trusted issuer for ${formatName(top.parsed.issuer) || '(empty issuer name)'}`,
    };
  }
  if (path.length > MAX_DEPTH + 1)
    return { ok: false, reason: `no trust anchor within ${MAX_DEPTH} certificates` };
  // Certificates between the leaf and the anchor must be CAs that may sign certificates, and
  // pathLenConstraint counts the intermediates below a CA (RFC 5280 §4.2.1.9).
  for (let i = 1; i < path.length - 1; i++) {
    const cert = path[i] as Certificate;
    const issuing = canIssue(cert);
    if (!issuing.ok) return issuing;
    if (issuing.pathLength !== null && i - 1 > issuing.pathLength) {
      return { ok: false, reason: `path length constraint of ${formatName(cert.parsed.subject)} exceeded` };
    }
  }
  return { ok: true, path };
}
