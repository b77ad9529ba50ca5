/**
 * The SIP Identity header (RFC 8224 §4):
 *
 *   Identity = "Identity" HCOLON signed-identity-digest SEMI ident-info *( SEMI ident-info-params )
 *   ident-info = "info" EQUAL ident-info-uri ;  ident-info-uri = LAQUOT absoluteURI RAQUOT
 *   ident-info-params = "alg" EQUAL token / "ppt" EQUAL token / generic-param
 *
 * `y` is the compact header name. Header lines may be folded (CRLF followed by whitespace).
 * Presence of `info`, `alg` and `ppt` is judged by the verifier, not here, so that a header missing
 * one of them still parses and the verifier can say exactly which check failed.
 */

export interface IdentityHeader {
  /** The PASSporT: `header.payload.signature`, or `header..signature` in compact form. */
  token: string;
  /** `full` when the PASSporT carries its payload, `compact` when the payload is empty (RFC 8225 §7). */
  form: 'full' | 'compact';
  /** The URI inside `info=<...>`, or null when there is no info parameter. */
  info: string | null;
  alg: string | null;
  ppt: string | null;
  /** All parameters, names lower-cased, values unquoted (info keeps its angle brackets stripped). */
  params: Record<string, string>;
}

export type IdentityHeaderParse = { ok: true; header: IdentityHeader } | { ok: false; reason: string };

export const DEFAULT_MAX_IDENTITY_LENGTH = 16 * 1024;

const TOKEN_CHARS = /^[A-Za-z0-9_\-+/=.]*$/;
const PARAM_NAME = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const PARAM_TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function parseIdentityHeader(
  input: unknown,
  maxLength: number = DEFAULT_MAX_IDENTITY_LENGTH,
): IdentityHeaderParse {
  if (typeof input !== 'string') return { ok: false, reason: 'the Identity header must be a string' };
  if (input.length > maxLength)
    return { ok: false, reason: `the Identity header is longer than ${maxLength} characters` };
  // RFC 3261 §7.3.1: a line break followed by whitespace is folding and equals one space.
  const unfolded = input.replace(/\r?\n[ \t]+/g, ' ');
  if (/[\r\n]/.test(unfolded))
    return { ok: false, reason: 'the Identity header contains a line break that is not folding' };
  if (hasControlCharacter(unfolded))
    return { ok: false, reason: 'the Identity header contains control characters' };
  let value = unfolded.trim();
  const named = /^(identity|y)[ \t]*:[ \t]*/i.exec(value);
  if (named) value = value.slice(named[0].length);
  if (value === '') return { ok: false, reason: 'the Identity header is empty' };

  const segments = splitParams(value);
  if (!segments.ok) return segments;
  const [tokenPart, ...paramParts] = segments.parts;
  const token = (tokenPart ?? '').trim();
  if (!TOKEN_CHARS.test(token))
    return { ok: false, reason: 'the PASSporT contains characters outside base64url' };
  const pieces = token.split('.');
  if (pieces.length !== 3)
    return { ok: false, reason: `a PASSporT has three dot-separated parts, found ${pieces.length}` };
  const [head, payload, signature] = pieces as [string, string, string];
  if (head === '' || signature === '')
    return { ok: false, reason: 'the PASSporT header or signature is empty' };

  const params: Record<string, string> = {};
  for (const part of paramParts) {
    const eq = part.indexOf('=');
    const rawName = (eq === -1 ? part : part.slice(0, eq)).trim();
    const rawValue = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (!PARAM_NAME.test(rawName))
      return { ok: false, reason: `bad parameter name "${rawName.slice(0, 40)}"` };
    const name = rawName.toLowerCase();
    if (name in params) return { ok: false, reason: `the ${name} parameter appears twice` };
    const parsed = parseParamValue(name, rawValue, eq !== -1);
    if (!parsed.ok) return parsed;
    params[name] = parsed.value;
  }
  return {
    ok: true,
    header: {
      token,
      form: payload === '' ? 'compact' : 'full',
      info: params.info ?? null,
      alg: params.alg ?? null,
      ppt: params.ppt ?? null,
      params,
    },
  };
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

function parseParamValue(
  name: string,
  raw: string,
  hasEquals: boolean,
): { ok: true; value: string } | { ok: false; reason: string } {
  if (name === 'info') {
    const match = /^<([^<>\s]*)>$/.exec(raw);
    if (!match) return { ok: false, reason: 'the info parameter must be a URI in angle brackets' };
    return { ok: true, value: match[1] ?? '' };
  }
  if (!hasEquals) return { ok: true, value: '' };
  if (raw.startsWith('"')) {
    const match = /^"((?:[^"\\]|\\.)*)"$/.exec(raw);
    if (!match) return { ok: false, reason: `the ${name} parameter has an unterminated quoted string` };
    return { ok: true, value: (match[1] ?? '').replace(/\\(.)/g, '$1') };
  }
  if (!PARAM_TOKEN.test(raw)) return { ok: false, reason: `the ${name} parameter value is not a token` };
  return { ok: true, value: raw };
}

/** Splits on `;` outside `<...>` and quoted strings; a `,` there means several header values. */
function splitParams(value: string): { ok: true; parts: string[] } | { ok: false; reason: string } {
  const parts: string[] = [];
  let current = '';
  let inAngle = false;
  let inQuote = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (inQuote) {
      current += ch;
      if (ch === '\\' && i + 1 < value.length) current += value[++i] as string;
      else if (ch === '"') inQuote = false;
      continue;
    }
    if (inAngle) {
      current += ch;
      if (ch === '>') inAngle = false;
      continue;
    }
    if (ch === '"') inQuote = true;
    else if (ch === '<') inAngle = true;
    else if (ch === ',')
      return { ok: false, reason: 'several Identity values in one header; pass them one at a time' };
    if (ch === ';') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (inAngle || inQuote) return { ok: false, reason: 'unterminated angle bracket or quoted string' };
  parts.push(current);
  return { ok: true, parts };
}

export interface BuildIdentityHeaderOptions {
  /** The certificate URL; must equal the PASSporT's x5u. */
  info: string;
  alg?: string;
  ppt?: string;
  /** Prefix the value with `Identity: `. */
  withName?: boolean;
}

/** Builds `token;info=<url>;alg=ES256;ppt=shaken`, the form secsipidx and most SBCs emit. */
export function buildIdentityHeader(token: string, options: BuildIdentityHeaderOptions): string {
  const value = `${token};info=<${options.info}>;alg=${options.alg ?? 'ES256'};ppt=${options.ppt ?? 'shaken'}`;
  return options.withName ? `Identity: ${value}` : value;
}
