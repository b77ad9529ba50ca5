/**
 * A first look at a pasted SIP Identity header (RFC 8224 / RFC 8588): what the
 * PASSporT claims, so the analyst sees at once whether they pasted the right
 * thing. It only decodes; the server's STIR/SHAKEN library verifies.
 */
export type IdentityPreview =
  | {
      ok: true;
      attest: string | undefined;
      origTn: string | undefined;
      destTn: string | undefined;
      iat: string | undefined;
      x5u: string | undefined;
    }
  | { ok: false; reason: string };

function base64UrlJson(part: string): unknown {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function decodeIdentityHeader(header: string): IdentityPreview {
  const value = header.trim().replace(/^identity:\s*/i, '');
  const jws = value.split(';')[0]?.trim() ?? '';
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1])
    return {
      ok: false,
      reason: 'It does not start with a PASSporT (three base64url parts separated by dots).',
    };
  let head: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    head = obj(base64UrlJson(parts[0]));
    claims = obj(base64UrlJson(parts[1]));
  } catch {
    return { ok: false, reason: 'Its PASSporT is not base64url-encoded JSON.' };
  }
  const orig = obj(claims.orig);
  const dest = obj(claims.dest);
  const destTns = Array.isArray(dest.tn) ? dest.tn.filter((t): t is string => typeof t === 'string') : [];
  const iat = typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? claims.iat : undefined;
  const info = /;\s*info=<([^>]*)>/i.exec(value)?.[1];
  return {
    ok: true,
    attest: text(claims.attest),
    origTn: text(orig.tn),
    destTn: destTns.length ? destTns.join(', ') : undefined,
    iat: iat !== undefined && Math.abs(iat) < 1e11 ? new Date(iat * 1000).toISOString() : undefined,
    x5u: text(head.x5u) ?? info,
  };
}
