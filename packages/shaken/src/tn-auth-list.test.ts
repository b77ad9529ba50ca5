import { describe, expect, it } from 'vitest';
import { createTestPki, issueTestCertificate } from './test-pki';
import { decodeTnAuthList, encodeTnAuthList, extractSpc } from './tn-auth-list';

describe('TNAuthList (RFC 8226)', () => {
  it('encodes an SPC as openssl asn1parse -genconf "EXP:0,IA5:..." does', () => {
    // The bytes in zlint's shakenCert.pem and in the OpenSIPit helper create-cert.sh.
    expect(Buffer.from(encodeTnAuthList([{ type: 'spc', spc: '6628' }])).toString('hex')).toBe(
      '3008a006160436363238',
    );
  });

  it('round-trips SPC, TN and range entries', () => {
    const entries = [
      { type: 'spc', spc: '1234' },
      { type: 'one', tn: '12025550143' },
      { type: 'range', start: '12025550100', count: 100 },
    ] as const;
    expect(decodeTnAuthList(encodeTnAuthList(entries))).toEqual({ ok: true, entries });
  });

  it('rejects the libstirshaken form (an IA5String URL) and other non-RFC 8226 values', () => {
    const text = new TextEncoder().encode('https://ca.shaken.signalwire.cloud/sti-ca/acme/TNAuthList');
    const url = Uint8Array.of(0x16, text.length, ...text); // IA5String
    expect(decodeTnAuthList(url)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not RFC 8226') as unknown,
    });
    expect(decodeTnAuthList(Uint8Array.of(0x30, 0x00)).ok).toBe(false); // an empty SEQUENCE
    // An implicitly tagged SPC ([0] primitive) is not the module's EXPLICIT form.
    expect(decodeTnAuthList(Uint8Array.of(0x30, 0x06, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34)).ok).toBe(false);
    expect(decodeTnAuthList(Uint8Array.of(0x30, 0x08, 0xa0)).ok).toBe(false);
  });
});

describe('extractSpc', () => {
  it('reads the SPC of a test SP certificate, from PEM or DER', () => {
    const pki = createTestPki({ spc: '567J', crlUrl: 'https://crl.example/x' });
    expect(extractSpc(pki.leaf.pem)).toEqual({ ok: true, spc: '567J' });
    expect(extractSpc(pki.leaf.der)).toEqual({ ok: true, spc: '567J' });
    expect(extractSpc(pki.intermediate.pem).ok).toBe(false);
  });

  it('requires exactly one entry, and that it is an SPC', () => {
    const make = (entries: Parameters<typeof encodeTnAuthList>[0]) =>
      issueTestCertificate({ subject: { commonName: 'x' }, tnAuthListValue: encodeTnAuthList(entries) }).pem;
    expect(
      extractSpc(
        make([
          { type: 'spc', spc: '1' },
          { type: 'spc', spc: '2' },
        ]),
      ),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('exactly one') as unknown });
    expect(extractSpc(make([{ type: 'one', tn: '12025550143' }]))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not an SPC') as unknown,
    });
    expect(extractSpc(make([{ type: 'spc', spc: '' }]))).toMatchObject({
      ok: false,
      reason: 'the SPC is empty',
    });
  });

  it('returns a result for junk', () => {
    expect(extractSpc('no certificate here').ok).toBe(false);
    expect(extractSpc(Uint8Array.of(0x30, 0x03, 0x02, 0x01)).ok).toBe(false);
  });
});
