import { AsnParser } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import { x509 } from './peculiar';
import {
  describeError,
  integerValue,
  pemDecode,
  serialKey,
  toDistinguishedName,
  type DistinguishedName,
} from './x509';

export interface ParsedCrl {
  issuer: DistinguishedName;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** Serial (upper-case hex magnitude) → revocation date. */
  revoked: Map<string, Date>;
  /** @peculiar/x509's view, which checks the signature. */
  x509: x509.X509Crl;
}

export type CrlParse = { ok: true; crl: ParsedCrl } | { ok: false; reason: string };

/** Parses a CRL in DER or PEM (`X509 CRL`) form with @peculiar/x509. */
export function parseCrl(input: Uint8Array): CrlParse {
  try {
    if (!(input instanceof Uint8Array)) throw new TypeError('expected DER or PEM bytes');
    let der = input;
    const head = Buffer.from(input.subarray(0, 64)).toString('latin1');
    if (head.includes('-----BEGIN')) {
      // `X509 CRL` is what openssl writes (RFC 7468's label); `CRL` what some other tools do.
      const text = Buffer.from(input).toString('latin1');
      const [block] = [...pemDecode(text, 'X509 CRL'), ...pemDecode(text, x509.PemConverter.CrlTag)];
      if (!block) return { ok: false, reason: 'no CRL block (BEGIN X509 CRL) in the PEM text' };
      der = block;
    }
    // asn1js stops at 10,000 nodes by default, about 3,300 revoked entries; the byte cap of the
    // fetch bounds the work instead (every node takes at least two bytes).
    const asn = AsnParser.parse(der, asn1X509.CertificateList, {
      berOptions: { maxNodes: Math.max(10_000, Math.ceil(der.length / 2)) },
    });
    const tbs = asn.tbsCertList;
    const revoked = new Map<string, Date>();
    for (const entry of tbs.revokedCertificates ?? []) {
      revoked.set(serialKey(integerValue(entry.userCertificate)), entry.revocationDate.getTime());
    }
    return {
      ok: true,
      crl: {
        issuer: toDistinguishedName(tbs.issuer),
        thisUpdate: tbs.thisUpdate.getTime(),
        nextUpdate: tbs.nextUpdate ? tbs.nextUpdate.getTime() : null,
        revoked,
        x509: new x509.X509Crl(asn),
      },
    };
  } catch (error) {
    return { ok: false, reason: `not a valid CRL (${describeError(error)})` };
  }
}

/** Whether the CRL's signature verifies with the certificate's key (@peculiar/x509, WebCrypto). */
export async function crlSignedBy(crl: ParsedCrl, signer: x509.X509Certificate): Promise<boolean> {
  try {
    return await crl.x509.verify({ publicKey: signer.publicKey });
  } catch {
    return false;
  }
}
