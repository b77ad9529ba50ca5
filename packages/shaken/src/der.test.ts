import { describe, expect, it } from 'vitest';
import { DerError, children, decodeInteger, decodeOid, decodeTime, der, readNode, readRoot } from './der';

describe('DER reader', () => {
  it('reads nested elements and their boundaries', () => {
    const encoded = der.sequence(der.oid('1.3.6.1.5.5.7.1.26'), der.octetString(Uint8Array.of(1, 2, 3)));
    const [oid, octets] = children(readRoot(encoded));
    expect(decodeOid(oid as NonNullable<typeof oid>)).toBe('1.3.6.1.5.5.7.1.26');
    expect(octets?.end).toBe(encoded.length);
  });

  it.each([
    ['indefinite length', Uint8Array.of(0x30, 0x80, 0x00, 0x00)],
    ['non-minimal long length', Uint8Array.of(0x04, 0x81, 0x01, 0x00)],
    ['leading zero in length', Uint8Array.of(0x04, 0x82, 0x00, 0x81, ...new Uint8Array(0x81))],
    ['length past the end', Uint8Array.of(0x04, 0x05, 0x00)],
    ['truncated header', Uint8Array.of(0x30)],
  ])('rejects %s', (_name, bytes) => {
    expect(() => readNode(bytes, 0)).toThrow(DerError);
  });

  it('rejects trailing bytes after the root element', () => {
    expect(() => readRoot(Uint8Array.of(0x05, 0x00, 0x00))).toThrow(DerError);
  });

  it('decodes negative and large integers', () => {
    expect(decodeInteger(readRoot(der.rawInteger(Uint8Array.of(0xff))))).toBe(-1n);
    expect(decodeInteger(readRoot(der.unsignedInteger(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 1))))).toBe(
      0x8000000000000001n,
    );
  });

  it('round-trips times across the UTCTime / GeneralizedTime boundary', () => {
    for (const iso of ['1999-12-31T23:59:59.000Z', '2049-12-31T23:59:59.000Z', '2050-01-01T00:00:00.000Z']) {
      expect(decodeTime(readRoot(der.time(new Date(iso)))).toISOString()).toBe(iso);
    }
    expect(() =>
      decodeTime(readRoot(Uint8Array.of(0x17, 0x0d, ...new TextEncoder().encode('991332235959Z')))),
    ).toThrow(DerError);
  });
});
