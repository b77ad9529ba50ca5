/**
 * A small DER reader for the hot path of certificate linting: the fields of a certificate and the
 * extensions the SHAKEN profile looks at, read straight from the bytes. asn1js (under
 * @peculiar/asn1-schema) builds an object tree for every node and was most of a lint's cost; the
 * full @peculiar views are still built, lazily, where the verifier needs them (keys, chains).
 * Every function throws on malformed input; callers catch. Tags are single-octet (all X.509 uses).
 */

export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number). */
  tag: number;
  /** Offsets in the buffer: the identifier octet, the first content octet, one past the end. */
  start: number;
  content: number;
  end: number;
}

export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  numericString: 0x12,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  visibleString: 0x1a,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The TLV at `offset`, which must end by `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new Error('DER: truncated');
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-octet tags are not used in X.509');
  let length = buf[offset + 1] as number;
  let content = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new Error('DER: indefinite or oversized length');
    if (content + octets > limit) throw new Error('DER: truncated length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + (buf[content + i] as number);
    content += octets;
  }
  const end = content + length;
  if (end > limit) throw new Error('DER: content runs past its container');
  return { tag, start: offset, content, end };
}

/** The TLVs inside a constructed TLV, in order. */
export function children(buf: Uint8Array, tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = tlv.content; at < tlv.end;) {
    const child = readTlv(buf, at, tlv.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** Reads the one TLV that fills `buf` (nothing may follow it). */
export function readWhole(buf: Uint8Array): Tlv {
  const tlv = readTlv(buf, 0);
  if (tlv.end !== buf.length) throw new Error('DER: bytes after the value');
  return tlv;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new Error(`DER: expected ${what}`);
  return tlv;
}

export function contentOf(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.content, tlv.end);
}

export function oidOf(buf: Uint8Array, tlv: Tlv): string {
  expectTag(tlv, Tag.oid, 'an OBJECT IDENTIFIER');
  if (tlv.end === tlv.content) throw new Error('DER: empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  for (let i = tlv.content; i < tlv.end; i++) {
    const octet = buf[i] as number;
    value = value * 128 + (octet & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new Error('DER: OID arc too large');
    if ((octet & 0x80) === 0) {
      if (arcs.length === 0)
        arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === tlv.end - 1) throw new Error('DER: OID ends inside an arc');
  }
  return arcs.join('.');
}

export function booleanOf(buf: Uint8Array, tlv: Tlv): boolean {
  expectTag(tlv, Tag.boolean, 'a BOOLEAN');
  if (tlv.end - tlv.content !== 1) throw new Error('DER: a BOOLEAN is one octet');
  return buf[tlv.content] !== 0;
}

/** An INTEGER's two's-complement value. */
export function bigintOf(buf: Uint8Array, tlv: Tlv): bigint {
  expectTag(tlv, Tag.integer, 'an INTEGER');
  const bytes = contentOf(buf, tlv);
  if (bytes.length === 0) throw new Error('empty INTEGER');
  const magnitude = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  return ((bytes[0] as number) & 0x80) !== 0 ? magnitude - (1n << BigInt(bytes.length * 8)) : magnitude;
}

/** A string type's text (the ASN.1 string types X.509 names use). */
export function stringOf(buf: Uint8Array, tlv: Tlv): string {
  const bytes = contentOf(buf, tlv);
  switch (tlv.tag) {
    case Tag.utf8String:
      return Buffer.from(bytes).toString('utf8');
    case Tag.bmpString: {
      let s = '';
      for (let i = 0; i + 1 < bytes.length; i += 2)
        s += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
      return s;
    }
    case Tag.universalString: {
      let s = '';
      for (let i = 0; i + 3 < bytes.length; i += 4)
        s += String.fromCodePoint(
          new DataView(bytes.buffer, bytes.byteOffset + i, 4).getUint32(0) % 0x110000,
        );
      return s;
    }
    case Tag.printableString:
    case Tag.ia5String:
    case Tag.numericString:
    case Tag.visibleString:
    case Tag.teletexString:
      return Buffer.from(bytes).toString('latin1');
    default:
      return Buffer.from(bytes).toString('hex');
  }
}

/** UTCTime (YYMMDDHHMMSSZ, 50–99 → 19xx) or GeneralizedTime (YYYYMMDDHHMMSS[.f]Z). */
export function timeOf(buf: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(contentOf(buf, tlv)).toString('latin1');
  let m: RegExpExecArray | null;
  if (tlv.tag === Tag.utcTime && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/.exec(text))) {
    const yy = Number(m[1]);
    return new Date(
      Date.UTC(
        yy < 50 ? 2000 + yy : 1900 + yy,
        Number(m[2]) - 1,
        Number(m[3]),
        Number(m[4]),
        Number(m[5]),
        Number(m[6] ?? 0),
      ),
    );
  }
  if (
    tlv.tag === Tag.generalizedTime &&
    (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d+))?Z$/.exec(text))
  ) {
    const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    return new Date(
      Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms),
    );
  }
  throw new Error(`DER: not a UTCTime or GeneralizedTime (${text})`);
}
