/**
 * A strict DER reader and a small DER writer. Certificates, CRLs and TNAuthList values arrive from
 * the network, so the reader checks every length against the enclosing buffer and rejects the
 * BER-only forms (indefinite lengths, non-minimal lengths) instead of guessing.
 */

export class DerError extends Error {}

export const TagClass = { universal: 0, application: 1, context: 2, private: 3 } as const;

export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x10,
  set: 0x11,
  numericString: 0x12,
  printableString: 0x13,
  t61String: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  visibleString: 0x1a,
  universalString: 0x1c,
  bmpString: 0x1e,
} as const;

export interface DerNode {
  readonly buffer: Uint8Array;
  readonly tagClass: number;
  readonly constructed: boolean;
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  readonly end: number;
}

const MAX_LENGTH_OCTETS = 4;

export function readNode(buffer: Uint8Array, offset: number, limit: number = buffer.length): DerNode {
  if (offset >= limit) throw new DerError('truncated: expected an identifier octet');
  const first = buffer[offset] as number;
  const tagClass = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tag = first & 0x1f;
  let cursor = offset + 1;
  if (tag === 0x1f) {
    tag = 0;
    for (let i = 0; ; i++) {
      if (cursor >= limit || i > 3) throw new DerError('bad high tag number');
      const octet = buffer[cursor++] as number;
      tag = (tag << 7) | (octet & 0x7f);
      if ((octet & 0x80) === 0) break;
    }
  }
  if (cursor >= limit) throw new DerError('truncated: expected a length');
  const lengthOctet = buffer[cursor++] as number;
  let length: number;
  if (lengthOctet < 0x80) {
    length = lengthOctet;
  } else {
    const count = lengthOctet & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not DER');
    if (count > MAX_LENGTH_OCTETS) throw new DerError('length too large');
    if (cursor + count > limit) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buffer[cursor++] as number);
    if (length < 0x80 || (count > 1 && buffer[cursor - count] === 0))
      throw new DerError('non-minimal length');
  }
  const end = cursor + length;
  if (end > limit) throw new DerError('content runs past the end of its container');
  return { buffer, tagClass, constructed, tag, start: offset, contentStart: cursor, end };
}

/** Parses a buffer that must hold exactly one element. */
export function readRoot(buffer: Uint8Array): DerNode {
  const node = readNode(buffer, 0);
  if (node.end !== buffer.length) throw new DerError('trailing bytes after the outer element');
  return node;
}

export function children(node: DerNode): DerNode[] {
  if (!node.constructed) throw new DerError('expected a constructed element');
  const out: DerNode[] = [];
  let offset = node.contentStart;
  while (offset < node.end) {
    const child = readNode(node.buffer, offset, node.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export function content(node: DerNode): Uint8Array {
  return node.buffer.subarray(node.contentStart, node.end);
}

export function encoded(node: DerNode): Uint8Array {
  return node.buffer.subarray(node.start, node.end);
}

export function isUniversal(node: DerNode, tag: number): boolean {
  return node.tagClass === TagClass.universal && node.tag === tag;
}

export function isContext(node: DerNode, tag: number): boolean {
  return node.tagClass === TagClass.context && node.tag === tag;
}

export function expectUniversal(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || !isUniversal(node, tag)) throw new DerError(`expected ${what}`);
  return node;
}

export function expectSequence(node: DerNode | undefined, what: string): DerNode[] {
  const seq = expectUniversal(node, Tag.sequence, what);
  if (!seq.constructed) throw new DerError(`${what} must be constructed`);
  return children(seq);
}

export function decodeOid(node: DerNode): string {
  if (!isUniversal(node, Tag.oid) || node.constructed) throw new DerError('expected an OBJECT IDENTIFIER');
  const bytes = content(node);
  if (bytes.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let value = 0;
  let started = false;
  for (const octet of bytes) {
    if (!started && octet === 0x80) throw new DerError('non-minimal OID arc');
    started = true;
    value = value * 128 + (octet & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if ((octet & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(first, value - first * 40);
      } else {
        arcs.push(value);
      }
      value = 0;
      started = false;
    }
  }
  if (started) throw new DerError('truncated OID');
  return arcs.join('.');
}

export function decodeBoolean(node: DerNode): boolean {
  const bytes = content(expectUniversal(node, Tag.boolean, 'a BOOLEAN'));
  if (bytes.length !== 1) throw new DerError('BOOLEAN must be one octet');
  if (bytes[0] !== 0x00 && bytes[0] !== 0xff) throw new DerError('BOOLEAN must be 0x00 or 0xFF in DER');
  return bytes[0] === 0xff;
}

/** INTEGER as a bigint; small enough for the values this package reads (serials, path lengths). */
export function decodeInteger(node: DerNode): bigint {
  const bytes = content(node);
  if (bytes.length === 0) throw new DerError('empty INTEGER');
  let value = 0n;
  for (const octet of bytes) value = (value << 8n) | BigInt(octet);
  if (((bytes[0] as number) & 0x80) !== 0) value -= 1n << BigInt(bytes.length * 8);
  return value;
}

export interface BitString {
  unusedBits: number;
  bytes: Uint8Array;
}

export function decodeBitString(node: DerNode): BitString {
  const raw = content(expectUniversal(node, Tag.bitString, 'a BIT STRING'));
  if (raw.length === 0) throw new DerError('empty BIT STRING');
  const unusedBits = raw[0] as number;
  if (unusedBits > 7 || (raw.length === 1 && unusedBits !== 0)) throw new DerError('bad BIT STRING padding');
  return { unusedBits, bytes: raw.subarray(1) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

export function decodeString(node: DerNode): string {
  if (node.tagClass !== TagClass.universal || node.constructed) throw new DerError('expected a string');
  const bytes = content(node);
  switch (node.tag) {
    case Tag.utf8String:
      return utf8.decode(bytes);
    case Tag.printableString:
    case Tag.ia5String:
    case Tag.numericString:
    case Tag.visibleString:
    case Tag.t61String:
      return latin1.decode(bytes);
    case Tag.bmpString: {
      if (bytes.length % 2 !== 0) throw new DerError('odd BMPString length');
      let out = '';
      for (let i = 0; i < bytes.length; i += 2)
        out += String.fromCharCode(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
      return out;
    }
    case Tag.universalString: {
      if (bytes.length % 4 !== 0) throw new DerError('bad UniversalString length');
      let out = '';
      for (let i = 0; i < bytes.length; i += 4) {
        const cp =
          (((bytes[i] as number) << 24) |
            ((bytes[i + 1] as number) << 16) |
            ((bytes[i + 2] as number) << 8) |
            (bytes[i + 3] as number)) >>>
          0;
        if (cp > 0x10ffff) throw new DerError('bad code point');
        out += String.fromCodePoint(cp);
      }
      return out;
    }
    default:
      throw new DerError(`tag ${node.tag} is not a string type`);
  }
}

export function decodeTime(node: DerNode): Date {
  if (node.tagClass !== TagClass.universal || node.constructed) throw new DerError('expected a time');
  const text = latin1.decode(content(node));
  let match: RegExpExecArray | null;
  let year: number;
  let rest: string[];
  if (node.tag === Tag.utcTime) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!match) throw new DerError('bad UTCTime');
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = match.slice(2);
  } else if (node.tag === Tag.generalizedTime) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!match) throw new DerError('bad GeneralizedTime');
    year = Number(match[1]);
    rest = match.slice(2);
  } else {
    throw new DerError('expected UTCTime or GeneralizedTime');
  }
  const [month, day, hour, minute, second] = rest.map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new DerError('time out of range');
  }
  return date;
}

// ---------------------------------------------------------------------------------------------
// Writer

function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function tlv(identifier: number, body: Uint8Array | readonly Uint8Array[]): Uint8Array {
  const payload = body instanceof Uint8Array ? body : concat(body);
  return concat([Uint8Array.from([identifier, ...lengthOctets(payload.length)]), payload]);
}

export const der = {
  sequence: (...items: Uint8Array[]): Uint8Array => tlv(0x30, items),
  set: (...items: Uint8Array[]): Uint8Array => tlv(0x31, items),
  /** Context-specific tag; `constructed` for EXPLICIT tags and for IMPLICIT tags over constructed types. */
  context: (tag: number, constructed: boolean, body: Uint8Array | Uint8Array[]): Uint8Array =>
    tlv(0x80 | (constructed ? 0x20 : 0) | tag, body),
  boolean: (value: boolean): Uint8Array => tlv(0x01, Uint8Array.of(value ? 0xff : 0x00)),
  null: (): Uint8Array => Uint8Array.of(0x05, 0x00),
  octetString: (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes),
  bitString: (bytes: Uint8Array, unusedBits = 0): Uint8Array =>
    tlv(0x03, concat([Uint8Array.of(unusedBits), bytes])),
  utf8: (text: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(text)),
  printable: (text: string): Uint8Array => tlv(0x13, asciiBytes(text)),
  ia5: (text: string): Uint8Array => tlv(0x16, asciiBytes(text)),
  /** Two's-complement INTEGER from unsigned magnitude bytes (a leading zero is added when needed). */
  unsignedInteger: (magnitude: Uint8Array): Uint8Array => {
    let start = 0;
    while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
    const trimmed = magnitude.subarray(start);
    const body = ((trimmed[0] ?? 0) & 0x80) !== 0 ? concat([Uint8Array.of(0), trimmed]) : trimmed;
    return tlv(0x02, body.length === 0 ? Uint8Array.of(0) : body);
  },
  /** INTEGER from raw two's-complement content bytes, written as given (tests use it for odd serials). */
  rawInteger: (contentBytes: Uint8Array): Uint8Array => tlv(0x02, contentBytes),
  smallInteger: (value: number): Uint8Array => {
    const bytes: number[] = [];
    let n = value;
    do {
      bytes.unshift(n & 0xff);
      n = Math.floor(n / 256);
    } while (n > 0);
    if (((bytes[0] as number) & 0x80) !== 0) bytes.unshift(0);
    return tlv(0x02, Uint8Array.from(bytes));
  },
  oid: (dotted: string): Uint8Array => {
    const arcs = dotted.split('.').map(Number);
    const [a = 0, b = 0, ...tail] = arcs;
    const out: number[] = [];
    for (const arc of [a * 40 + b, ...tail]) {
      const chunk: number[] = [arc & 0x7f];
      for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
      out.push(...chunk);
    }
    return tlv(0x06, Uint8Array.from(out));
  },
  time: (date: Date): Uint8Array => {
    const iso = date.toISOString();
    const year = date.getUTCFullYear();
    const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
    if (year >= 1950 && year < 2050) return tlv(0x17, asciiBytes(`${digits.slice(2)}Z`));
    return tlv(0x18, asciiBytes(`${digits}Z`));
  },
  concat,
};

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
