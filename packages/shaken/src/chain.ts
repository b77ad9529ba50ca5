import {
  Oid,
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeKeyUsage,
  decodeSubjectKeyIdentifier,
  formatName,
  getExtension,
  sameName,
  type Certificate,
} from './x509';

export type ChainResult = { ok: true; path: Certificate[] } | { ok: false; reason: string };

const MAX_DEPTH = 5;

function keyId(cert: Certificate, kind: 'ski' | 'aki'): Uint8Array | null {
  try {
    if (kind === 'ski') {
      const ext = getExtension(cert.parsed, Oid.subjectKeyIdentifier);
      return ext ? decodeSubjectKeyIdentifier(ext.value) : null;
    }
    const ext = getExtension(cert.parsed, Oid.authorityKeyIdentifier);
    return ext ? decodeAuthorityKeyIdentifier(ext.value) : null;
  } catch {
    return null;
  }
}

function canIssue(
  cert: Certificate,
): { ok: true; pathLength: number | null } | { ok: false; reason: string } {
  try {
    const bc = getExtension(cert.parsed, Oid.basicConstraints);
    const constraints = bc ? decodeBasicConstraints(bc.value) : null;
    if (!constraints?.ca)
      return { ok: false, reason: `${formatName(cert.parsed.subject)} is not a CA certificate` };
    const ku = getExtension(cert.parsed, Oid.keyUsage);
    if (ku && !decodeKeyUsage(ku.value).has('keyCertSign')) {
      return {
        ok: false,
        reason: `${formatName(cert.parsed.subject)} may not sign certificates (no keyCertSign)`,
      };
    }
    return { ok: true, pathLength: constraints.pathLength };
  } catch {
    return { ok: false, reason: `${formatName(cert.parsed.subject)} has malformed CA extensions` };
  }
}

function signedBy(child: Certificate, issuer: Certificate): boolean {
  if (!sameName(child.parsed.issuer, issuer.parsed.subject)) return false;
  const aki = keyId(child, 'aki');
  const ski = keyId(issuer, 'ski');
  if (aki && ski && Buffer.compare(aki, ski) !== 0) return false;
  try {
    return child.node.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Finds a path leaf → intermediates → trust anchor (RFC 5280 §6 in the small: names, key
 * identifiers, signatures, CA flags, keyCertSign and path length; validity dates and revocation
 * are checked by the caller at the call time).
 */
export function buildPath(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  anchors: readonly Certificate[],
): ChainResult {
  const anchorPrints = new Set(anchors.map((a) => a.fingerprint));
  let lastProblem = `no trusted issuer for ${formatName(leaf.parsed.issuer) || '(empty issuer name)'}`;

  const extend = (path: Certificate[]): Certificate[] | null => {
    const current = path[path.length - 1] as Certificate;
    if (path.length > MAX_DEPTH) {
      lastProblem = `no trust anchor within ${MAX_DEPTH} certificates`;
      return null;
    }
    const seen = new Set(path.map((c) => c.fingerprint));
    for (const candidate of [...anchors, ...intermediates]) {
      if (seen.has(candidate.fingerprint) || !signedBy(current, candidate)) continue;
      if (anchorPrints.has(candidate.fingerprint)) return [...path, candidate];
      const issuing = canIssue(candidate);
      if (!issuing.ok) {
        lastProblem = issuing.reason;
        continue;
      }
      const found = extend([...path, candidate]);
      if (found) return found;
    }
    return null;
  };

  if (anchorPrints.has(leaf.fingerprint))
    return {
      ok: false,
      reason: 'the signing certificate is itself a trust anchor, not an issued certificate',
    };
  const path = extend([leaf]);
  if (!path) return { ok: false, reason: lastProblem };
  // pathLenConstraint counts the intermediates below a CA (RFC 5280 §4.2.1.9).
  for (let i = 1; i < path.length - 1; i++) {
    const issuing = canIssue(path[i] as Certificate);
    if (issuing.ok && issuing.pathLength !== null && i - 1 > issuing.pathLength) {
      return {
        ok: false,
        reason: `path length constraint of ${formatName((path[i] as Certificate).parsed.subject)} exceeded`,
      };
    }
  }
  return { ok: true, path };
}
