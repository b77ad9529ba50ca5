import { X509Certificate, createHash } from 'node:crypto';
import { spcFromExtensionValue, decodeTnAuthList, type SpcResult } from './tn-auth-list';
import {
  Oid,
  ShakenPolicy,
  decodeAuthorityKeyIdentifier,
  decodeBasicConstraints,
  decodeCertificatePolicies,
  decodeCrlDistributionPoints,
  decodeKeyUsage,
  decodeSubjectKeyIdentifier,
  describeError,
  getExtension,
  nameAttribute,
  parseCertificateDer,
  pemCertificates,
  sameName,
  type BasicConstraints,
  type DistinguishedName,
  type DistributionPoint,
  type KeyUsageName,
  type ParsedCertificate,
  type RawExtension,
} from './x509';

/**
 * The SHAKEN certificate profile (ATIS-1000080 §6.4.1 and the US SHAKEN Certificate Policy) as a
 * set of rules. Rule codes follow the lint names of Martini Security's zlint fork so a finding can
 * be compared with that linter's test vectors; `catalog` lists the newer zlint codes each rule covers.
 */

export type CertificateRole = 'leaf' | 'ca' | 'root';
export type LintLevel = 'error' | 'warn' | 'notice';
export type LintStatus = 'pass' | 'na' | LintLevel;

export interface LintRule {
  rule: string;
  level: LintLevel;
  roles: readonly CertificateRole[];
  citation: string;
  description: string;
  catalog: readonly string[];
}

export interface LintFinding {
  rule: string;
  status: LintStatus;
  level: LintLevel;
  message: string;
  citation: string;
}

export type LintResult =
  | {
      parsed: true;
      role: CertificateRole;
      /** True when no finding has status `error`. */
      passed: boolean;
      findings: LintFinding[];
      errors: LintFinding[];
    }
  | { parsed: false; reason: string };

export interface LintOptions {
  /** Which profile to apply; by default inferred from basicConstraints and self-signature. */
  role?: CertificateRole | 'auto';
}

type Outcome = { status: 'pass' } | { status: 'fail'; message: string } | { status: 'na'; message: string };

const pass: Outcome = { status: 'pass' };
const fail = (message: string): Outcome => ({ status: 'fail', message });
const na = (message: string): Outcome => ({ status: 'na', message });

const ATIS_V3 = 'ATIS-1000080.v003 / 6.4.1 SHAKEN Certificate Requirements';
const ATIS_V4 = 'ATIS-1000080.v004 / 6.4.1 STI Certificate Requirements';
const ATIS_V5 = 'ATIS-1000080.v005 / 6.4.1 STI Certificate Requirements';
const US_CP_1_3 = 'United States SHAKEN Certificate Policy v1.3';
const US_CP_1_1_KEYS = 'United States SHAKEN Certificate Policy v1.1 / 6.1.5 Key Sizes';
const US_CP_1_4_KEYS = 'United States SHAKEN Certificate Policy v1.4 / 6.1.5 Key Sizes';

const LEAF_EXTENSIONS = new Set<string>([
  Oid.subjectKeyIdentifier,
  Oid.authorityKeyIdentifier,
  Oid.basicConstraints,
  Oid.keyUsage,
  Oid.tnAuthList,
  Oid.crlDistributionPoints,
  Oid.certificatePolicies,
]);
const CA_EXTENSIONS = new Set<string>([
  Oid.subjectKeyIdentifier,
  Oid.authorityKeyIdentifier,
  Oid.basicConstraints,
  Oid.keyUsage,
  Oid.crlDistributionPoints,
  Oid.certificatePolicies,
]);
const ROOT_EXTENSIONS = new Set<string>([
  Oid.subjectKeyIdentifier,
  Oid.authorityKeyIdentifier,
  Oid.basicConstraints,
  Oid.keyUsage,
]);
const SHAKEN_POLICIES = new Set<string>(Object.values(ShakenPolicy));

/**
 * When a rule starts to apply, by the certificate's issue date (notBefore), as zlint dates them:
 * a requirement binds certificates issued once CAs had to conform to the document that made it.
 */
export const ShakenRuleDates = {
  /** US SHAKEN CP v1.3 approved 2021-08-18; intermediates conform from then. */
  cp1_3Ca: new Date('2021-08-18T00:00:00Z'),
  /** ... and end-entity certificates from 2022-01-10 (approval + 145 days, zlint's reading). */
  cp1_3Leaf: new Date('2022-01-10T00:00:00Z'),
} as const;

/** The SHAKEN CP policy OIDs in use once CP v1.3 applies (zlint `e_shaken_certificate_policies_id`). */
const CURRENT_POLICIES = new Set<string>([ShakenPolicy.v1_3, ShakenPolicy.v1_4]);

const POLICY_VERSION: Record<string, string> = {
  [ShakenPolicy.v1_1]: '1.1',
  [ShakenPolicy.v1_2]: '1.2',
  [ShakenPolicy.v1_3]: '1.3',
  [ShakenPolicy.v1_4]: '1.4',
};
const DN_MESSAGE =
  'The DN shall contain a Country (C=) attribute, a Common Name (CN=) attribute and an Organization (O=) attribute';

/** Decoded views of one certificate, each decoded once; `undefined` = absent, Error = malformed. */
class Context {
  readonly cert: ParsedCertificate;
  readonly role: CertificateRole;
  private readonly memo = new Map<string, unknown>();

  constructor(cert: ParsedCertificate, role: CertificateRole) {
    this.cert = cert;
    this.role = role;
  }

  private decode<T>(oid: string, decoder: (ext: RawExtension) => T): T | undefined | Error {
    if (this.memo.has(oid)) return this.memo.get(oid) as T | undefined | Error;
    const ext = getExtension(this.cert, oid);
    let out: T | undefined | Error;
    try {
      out = ext ? decoder(ext) : undefined;
    } catch (error) {
      out = new Error(describeError(error));
    }
    this.memo.set(oid, out);
    return out;
  }

  ext(oid: string) {
    return getExtension(this.cert, oid);
  }
  basicConstraints(): BasicConstraints | undefined | Error {
    return this.decode(Oid.basicConstraints, decodeBasicConstraints);
  }
  keyUsage(): Set<KeyUsageName> | undefined | Error {
    return this.decode(Oid.keyUsage, decodeKeyUsage);
  }
  policies(): string[] | undefined | Error {
    return this.decode(Oid.certificatePolicies, decodeCertificatePolicies);
  }
  distributionPoints(): DistributionPoint[] | undefined | Error {
    return this.decode(Oid.crlDistributionPoints, decodeCrlDistributionPoints);
  }
  authorityKeyId(): string | null | undefined | Error {
    return this.decode(Oid.authorityKeyIdentifier, decodeAuthorityKeyIdentifier);
  }
  subjectKeyId(): string | undefined | Error {
    return this.decode(Oid.subjectKeyIdentifier, decodeSubjectKeyIdentifier);
  }
  hasPolicy(oid: string): boolean {
    const policies = this.policies();
    return Array.isArray(policies) && policies.includes(oid);
  }
  /**
   * The SHAKEN CP version the certificate was issued under ('1.1' … '1.4'): its single SHAKEN
   * policy OID; null when it names none, several, or an unknown one.
   */
  policyVersion(): string | null {
    const policies = this.policies();
    if (!Array.isArray(policies)) return null;
    const shaken = policies.filter((p) => SHAKEN_POLICIES.has(p));
    return shaken.length === 1 ? (POLICY_VERSION[shaken[0] as string] ?? null) : null;
  }
  /** Issued on or after `date` (zlint's effective-date test on notBefore). */
  issuedFrom(date: Date): boolean {
    return this.cert.notBefore.getTime() >= date.getTime();
  }
  private spcResult: SpcResult | undefined;
  spc(): SpcResult {
    return (this.spcResult ??= spcFromExtensionValue(this.ext(Oid.tnAuthList)?.value));
  }
}

interface RuleDefinition extends LintRule {
  check(ctx: Context): Outcome;
}

function hasDnParts(name: DistinguishedName): boolean {
  return [Oid.country, Oid.commonName, Oid.organization].every((oid) => nameAttribute(name, oid).length > 0);
}

function commonName(name: DistinguishedName): string | undefined {
  return nameAttribute(name, Oid.commonName)[0];
}

function serialRule(ctx: Context): Outcome {
  const { serial } = ctx.cert;
  if (serial <= 0n)
    return fail(
      'STI certificates shall include a Serial Number field containing an integer greater than zero',
    );
  if (serial.toString(2).length < 64)
    return fail('the serial number shall contain at least 64 bits of CSPRNG output');
  return pass;
}

function signatureAlgorithmRule(ctx: Context): Outcome {
  const alg = ctx.cert.signatureAlgorithm;
  if (alg === Oid.ecdsaWithSha256) return pass;
  // CP v1.4 §6.1.5 added ECDSA P-384/SHA-384 as an alternative.
  if (alg === Oid.ecdsaWithSha384 && ctx.hasPolicy(ShakenPolicy.v1_4)) return pass;
  return fail(
    `STI certificates shall contain a Signature Algorithm field with the value 'ecdsa-with-SHA256' (found ${alg})`,
  );
}

function publicKeyRule(ctx: Context): Outcome {
  const { publicKeyAlgorithm, publicKeyCurve } = ctx.cert;
  if (publicKeyAlgorithm !== Oid.ecPublicKey) {
    return fail(`Public Key Algorithm must be id-ecPublicKey (found ${publicKeyAlgorithm})`);
  }
  if (publicKeyCurve === 'P-256') return pass;
  if (publicKeyCurve === 'P-384' && ctx.role !== 'leaf' && ctx.hasPolicy(ShakenPolicy.v1_4)) return pass;
  return fail(`the public key must be a 256-bit P-256 key (curve ${publicKeyCurve ?? 'unknown'})`);
}

function skiPresentRule(ctx: Context): Outcome {
  const ski = ctx.subjectKeyId();
  if (ski === undefined) return fail('STI certificates shall contain a Subject Key Identifier extension');
  if (ski instanceof Error) return fail(`the Subject Key Identifier extension is malformed: ${ski.message}`);
  return pass;
}

function akiPresentRule(ctx: Context): Outcome {
  const aki = ctx.authorityKeyId();
  if (aki === undefined) return fail('STI certificates shall contain an Authority Key Identifier extension');
  if (aki instanceof Error)
    return fail(`the Authority Key Identifier extension is malformed: ${aki.message}`);
  if (aki === null) return fail('the Authority Key Identifier shall contain a keyIdentifier field');
  return pass;
}

function policiesRule(ctx: Context): Outcome {
  const policies = ctx.policies();
  if (policies === undefined) {
    return fail(
      'STI certificate shall include a Certificate Policies extension containing a single SHAKEN Certificate Policy',
    );
  }
  if (ctx.ext(Oid.certificatePolicies)?.critical)
    return fail('The Certificate Policies extension is marked as critical');
  if (policies instanceof Error)
    return fail(`the Certificate Policies extension is malformed: ${policies.message}`);
  if (policies.length !== 1) {
    return fail(
      'STI certificate shall include a Certificate Policies extension containing a single SHAKEN Certificate Policy',
    );
  }
  const [policy] = policies;
  if (!policy || !SHAKEN_POLICIES.has(policy)) {
    return fail(`the policy ${policy ?? ''} is not a SHAKEN Certificate Policy (2.16.840.1.114569.1.1.x)`);
  }
  const from = ctx.role === 'leaf' ? ShakenRuleDates.cp1_3Leaf : ShakenRuleDates.cp1_3Ca;
  if (!CURRENT_POLICIES.has(policy) && ctx.issuedFrom(from)) {
    return fail(
      `the policy ${policy} (SHAKEN CP v${POLICY_VERSION[policy] ?? '?'}) is not accepted on certificates issued from ${from.toISOString().slice(0, 10)}: ${[...CURRENT_POLICIES].join(' or ')}`,
    );
  }
  return pass;
}

function policyCriticalRule(ctx: Context): Outcome {
  const ext = ctx.ext(Oid.certificatePolicies);
  if (!ext) return na('no Certificate Policies extension');
  return ext.critical
    ? fail('STI certificates should contain a CertificatePolicies extension marked uncritical')
    : pass;
}

function crlDistributionRule(ctx: Context): Outcome {
  const points = ctx.distributionPoints();
  if (points === undefined) return fail('STI certificates shall contain a CRL Distribution Points extension');
  if (points instanceof Error)
    return fail(`the CRL Distribution Points extension is malformed: ${points.message}`);
  const uris = points.flatMap((p) => p.uris);
  if (points.length !== 1 || uris.length !== 1) {
    return fail('CRL Distribution Points extension should contain a single DistributionPoint entry');
  }
  if (!/^https?:\/\//i.test(uris[0] ?? ''))
    return fail('DistributionPoint filed shall contain the HTTP URL reference to the CRL');
  return pass;
}

function crlDistributionStructRule(ctx: Context): Outcome {
  // The cRLIssuer field is a requirement of CP v1.4 certificates (zlint); earlier ones need only the URL.
  if (ctx.policyVersion() !== '1.4')
    return na('the cRLIssuer field is required of SHAKEN CP v1.4 certificates');
  const points = ctx.distributionPoints();
  if (points === undefined) return na('no CRL Distribution Points extension');
  if (points instanceof Error)
    return fail(`the CRL Distribution Points extension is malformed: ${points.message}`);
  const [point] = points;
  if (points.length !== 1 || !point)
    return fail('CRL Distribution Points extension should contain a single DistributionPoint entry');
  if (point.uris.length === 0)
    return fail('the DistributionPoint shall contain a distributionPoint field with the CRL URL');
  if (point.crlIssuers.length === 0)
    return fail('the DistributionPoint shall contain a cRLIssuer field with the DN of the CRL issuer');
  return pass;
}

function extensionsRule(allowed: Set<string>) {
  return (ctx: Context): Outcome => {
    const odd = ctx.cert.extensions.filter((e) => !allowed.has(e.oid)).map((e) => e.oid);
    return odd.length > 0
      ? fail(`STI certificate shall not include extensions that are not specified (${odd.join(', ')})`)
      : pass;
  };
}

function keyUsageCritical(ctx: Context): Set<KeyUsageName> | Outcome {
  const ext = ctx.ext(Oid.keyUsage);
  const usage = ctx.keyUsage();
  if (!ext || usage === undefined || !ext.critical)
    return fail('STI certificates shall contain a Key Usage extension marked as critical');
  if (usage instanceof Error) return fail(`the Key Usage extension is malformed: ${usage.message}`);
  return usage;
}

/**
 * RFC 5280 §4.2.1.3 names the KeyUsage bits, and DER (X.690 §11.2.2) drops trailing zero bits of
 * a named bit list: the last content octet is not zero and the unused-bits count is exactly its
 * trailing zeros. zlint `e_incorrect_ku_encoding`; e.g. `03 02 00 80` (digitalSignature with 0
 * unused bits) should be `03 02 07 80`.
 */
export function keyUsageEncodingProblem(value: Uint8Array): string | null {
  if (value.length < 3 || value[0] !== 0x03 || value[1] !== value.length - 2)
    return 'KeyUsage is not a DER BIT STRING';
  const unused = value[2] as number;
  if (unused > 7) return `KeyUsage declares ${unused} unused bits (at most 7)`;
  const last = value[value.length - 1] as number;
  if (value.length === 3) return unused === 0 ? null : 'an empty KeyUsage declares unused bits';
  if (last === 0) return 'KeyUsage ends with a zero octet (DER drops trailing zero bits)';
  let trailing = 0;
  while (((last >> trailing) & 1) === 0) trailing++;
  return trailing === unused
    ? null
    : `KeyUsage contains an inefficient encoding wherein the number of 'unused bits' is declared to be ${unused}, but it should be ${trailing}`;
}

function versionRule(ctx: Context): Outcome {
  return ctx.cert.version === 3
    ? pass
    : fail('STI certificates shall contain Version field specifying version 3');
}

const RULES: readonly RuleDefinition[] = [
  // ---- all certificates
  {
    rule: 'e_atis_basic_constraints',
    level: 'error',
    roles: ['leaf', 'ca', 'root'],
    citation: ATIS_V3,
    description: 'STI certificates shall contain a Basic Constraints extension marked critical',
    catalog: ['e_atis_ext_basic_constraints'],
    check(ctx) {
      const ext = ctx.ext(Oid.basicConstraints);
      const bc = ctx.basicConstraints();
      if (!ext || bc === undefined || !ext.critical)
        return fail('STI certificates shall contain a BasicConstraints extension marked critical');
      if (bc instanceof Error) return fail(`the Basic Constraints extension is malformed: ${bc.message}`);
      if (ctx.role === 'leaf' && bc.ca) return fail('an end-entity certificate shall have cA set to false');
      if (ctx.role !== 'leaf' && !bc.ca) return fail('a CA certificate shall have cA set to true');
      return pass;
    },
  },
  {
    rule: 'e_cp_1_1_key_size',
    level: 'error',
    roles: ['leaf', 'ca', 'root'],
    citation: US_CP_1_1_KEYS,
    description: 'Under SHAKEN CP v1.1-v1.3, CAs shall sign STI certificates with ECDSA and SHA-256',
    catalog: [],
    check(ctx) {
      if (![ShakenPolicy.v1_1, ShakenPolicy.v1_2, ShakenPolicy.v1_3].some((p) => ctx.hasPolicy(p))) {
        return na('the certificate does not assert SHAKEN CP v1.1, v1.2 or v1.3');
      }
      return ctx.cert.signatureAlgorithm === Oid.ecdsaWithSha256
        ? pass
        : fail(
            'STI certificates shall use the ECDSA with SHA-256 algorithm when generating digital signatures',
          );
    },
  },
  {
    rule: 'e_cp_1_4_key_size',
    level: 'error',
    roles: ['leaf', 'ca', 'root'],
    citation: US_CP_1_4_KEYS,
    description: 'Under SHAKEN CP v1.4, CAs shall sign with ECDSA P-256/SHA-256 or ECDSA P-384/SHA-384',
    catalog: [],
    check(ctx) {
      if (!ctx.hasPolicy(ShakenPolicy.v1_4)) return na('the certificate does not assert SHAKEN CP v1.4');
      const alg = ctx.cert.signatureAlgorithm;
      return alg === Oid.ecdsaWithSha256 || alg === Oid.ecdsaWithSha384
        ? pass
        : fail(
            'STI certificates shall use the ECDSA with SHA-256 or ECDSA with SHA-384 algorithm when generating digital signatures',
          );
    },
  },
  {
    rule: 'w_cp_1_3_subject_email',
    level: 'warn',
    roles: ['leaf', 'ca', 'root'],
    citation: `${US_CP_1_3} / 3.1 Naming`,
    description: 'Email addresses are not allowed as the CP does not specify how to validate them',
    catalog: [],
    check(ctx) {
      return nameAttribute(ctx.cert.subject, Oid.emailAddress).length > 0
        ? fail('Email addresses are not allowed as the CP does not specify how to validate them')
        : pass;
    },
  },
  {
    rule: 'e_atis_subject_c_iso',
    level: 'error',
    roles: ['leaf', 'ca', 'root'],
    citation: ATIS_V5,
    description: 'The Country (C=) attribute shall contain an ISO 3166-1 alpha-2 country code',
    catalog: ['e_atis_subject_c_iso_ca'],
    check(ctx) {
      const countries = nameAttribute(ctx.cert.subject, Oid.country);
      if (countries.length === 0) return na('no Country attribute');
      return countries.every((c) => /^[A-Z]{2}$/.test(c))
        ? pass
        : fail('the Country attribute is not an ISO 3166-1 alpha-2 code');
    },
  },
  {
    rule: 'e_atis_subject_c_us',
    level: 'error',
    roles: ['leaf', 'ca'],
    citation: 'United States SHAKEN Certificate Policy v1.4 / 3.1 Naming',
    description: 'Certificates under the US SHAKEN CP v1.4 shall carry Country (C=) "US"',
    catalog: ['e_atis_subject_c_us_ca'],
    check(ctx) {
      if (!ctx.hasPolicy(ShakenPolicy.v1_4)) return na('the certificate does not assert SHAKEN CP v1.4');
      const countries = nameAttribute(ctx.cert.subject, Oid.country);
      return countries.length === 1 && countries[0] === 'US'
        ? pass
        : fail('Subject MUST contain a Country (C=) of "US"');
    },
  },
  {
    rule: 'e_atis_subject_key_identifier_size',
    level: 'error',
    roles: ['leaf', 'ca', 'root'],
    citation: ATIS_V4,
    description: 'The Subject Key Identifier shall contain the 160-bit SHA-1 hash of the public key',
    catalog: ['e_atis_subject_key_identifier_size'],
    check(ctx) {
      const ski = ctx.subjectKeyId();
      if (ski === undefined || ski instanceof Error) return na('no readable Subject Key Identifier');
      const bytes = ski.length / 2;
      return bytes === 20 ? pass : fail(`the Subject Key Identifier is ${bytes} bytes, not 20`);
    },
  },
  {
    rule: 'e_incorrect_ku_encoding',
    level: 'error',
    roles: ['leaf', 'ca', 'root'],
    citation: 'RFC 5280 §4.2.1.3; X.690 §11.2.2 (DER of a named bit list)',
    description:
      "The KeyUsage BIT STRING shall be DER: no trailing zero bits, 'unused bits' exactly the trailing zeros",
    catalog: [],
    check(ctx) {
      const ext = ctx.ext(Oid.keyUsage);
      if (!ext) return na('no Key Usage extension');
      if (ext.value[0] !== 0x03) return na('not a BIT STRING (e_atis_key_usage reports it as malformed)');
      const problem = keyUsageEncodingProblem(ext.value);
      return problem === null ? pass : fail(problem);
    },
  },
  // ---- end-entity certificates
  {
    rule: 'e_atis_version',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description: 'STI certificates shall contain Version field specifying version 3',
    catalog: ['e_atis_version'],
    check: versionRule,
  },
  {
    rule: 'e_atis_serial_number',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V5,
    description: 'The serial number shall be a positive integer with at least 64 bits of CSPRNG output',
    catalog: ['e_atis_serial_number_size'],
    check: serialRule,
  },
  {
    rule: 'e_atis_signature_algorithm',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description:
      "STI certificates shall contain a Signature Algorithm field with the value 'ecdsa-with-SHA256'",
    catalog: [],
    check: signatureAlgorithmRule,
  },
  {
    rule: 'e_atis_subject_public_key',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description:
      'STI certificates shall contain an id-ecPublicKey Subject Public Key Info with a 256-bit (P-256) key',
    catalog: [],
    check: publicKeyRule,
  },
  {
    rule: 'e_atis_subject',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V4,
    description: DN_MESSAGE,
    catalog: [],
    check: (ctx) => (hasDnParts(ctx.cert.subject) ? pass : fail(DN_MESSAGE)),
  },
  {
    rule: 'e_atis_issuer_dn',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V4,
    description: `Issuer: ${DN_MESSAGE}`,
    catalog: [],
    check: (ctx) => (hasDnParts(ctx.cert.issuer) ? pass : fail(DN_MESSAGE)),
  },
  {
    rule: 'e_atis_subject_cn',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V4,
    description: 'The Common Name shall contain "SHAKEN", a single space and the SPC from the TNAuthList',
    catalog: ['e_atis_subject_cn', 'e_atis_subject_cn_spc'],
    check(ctx) {
      const spc = ctx.spc();
      if (!spc.ok) return fail(`Cannot get SPC value from the TNAuthList extension, ${spc.reason}`);
      const expected = `SHAKEN ${spc.spc}`;
      return (commonName(ctx.cert.subject) ?? '').includes(expected)
        ? pass
        : fail(`Common name shall contain the text string '${expected}'`);
    },
  },
  {
    rule: 'e_us_cp_ambiguous_identifier',
    level: 'error',
    roles: ['leaf'],
    citation: `${US_CP_1_3} / 3.1.2 Need for Names to be Meaningful`,
    description:
      'Names shall be an unambiguous identifier for the SP subject: the CN is exactly "SHAKEN <SPC>"',
    catalog: [],
    check(ctx) {
      const spc = ctx.spc();
      if (!spc.ok) return fail(`STI certificate shall contain TNAuthorizationList extension (${spc.reason})`);
      return commonName(ctx.cert.subject) === `SHAKEN ${spc.spc}`
        ? pass
        : fail(
            'Names used in the STI certificates shall represent an unambiguous identifier for the SP Subject',
          );
    },
  },
  {
    rule: 'e_us_cp_subject_sn',
    level: 'error',
    roles: ['leaf'],
    citation: `${US_CP_1_3} / 3.1 Naming`,
    description: 'The subject DN shall contain exactly one serialNumber attribute',
    catalog: ['e_us_cp_subject_sn_shall'],
    check(ctx) {
      // A CP v1.3 requirement: certificates under v1.1, v1.2 or v1.4, or issued before v1.3 bound
      // end-entity certificates, are not held to it (zlint's e_cp1_3_subject_sn). A certificate that
      // names no SHAKEN policy at all is held to it, as zlint's own vectors are.
      const version = ctx.policyVersion();
      if (version !== null && version !== '1.3')
        return na(`a SHAKEN CP v1.3 requirement; the certificate is issued under v${version}`);
      if (!ctx.issuedFrom(ShakenRuleDates.cp1_3Leaf))
        return na('issued before SHAKEN CP v1.3 applied to end-entity certificates (2022-01-10)');
      return nameAttribute(ctx.cert.subject, Oid.serialNumber).length === 1
        ? pass
        : fail('STI certificate shall include a ‘serialNumber’ attribute along with the CN');
    },
  },
  {
    rule: 'e_atis_key_usage',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description: 'Key Usage shall be critical and contain only digitalSignature',
    catalog: ['e_atis_ext_key_usage', 'e_atis_ext_key_usage_ee'],
    check(ctx) {
      const usage = keyUsageCritical(ctx);
      if (!(usage instanceof Set)) return usage;
      return usage.size === 1 && usage.has('digitalSignature')
        ? pass
        : fail('The Key Usage extension shall contain a single key usage value of digitalSignature');
    },
  },
  {
    rule: 'e_atis_certificate_policies',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description: 'A Certificate Policies extension with a single SHAKEN Certificate Policy OID',
    catalog: ['e_atis_ext_certificate_policies', 'e_shaken_certificate_policies_id'],
    check: policiesRule,
  },
  {
    rule: 'n_atis_certificate_policy_critical',
    level: 'notice',
    roles: ['leaf'],
    citation: ATIS_V3,
    description: 'STI certificates should contain a CertificatePolicies extension marked uncritical',
    catalog: [],
    check: policyCriticalRule,
  },
  {
    rule: 'e_atis_authority_key_identifier',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description: 'STI certificates shall contain an Authority Key Identifier extension with a keyIdentifier',
    catalog: [
      'e_atis_ext_authority_key_identifier',
      'e_ext_authority_key_identifier_missing',
      'e_ext_authority_key_identifier_no_key_identifier',
    ],
    check: akiPresentRule,
  },
  {
    rule: 'e_atis_subject_key_identifier',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description: 'STI certificates shall contain a Subject Key Identifier extension',
    catalog: ['e_atis_subject_key_identifier', 'w_ext_subject_key_identifier_missing_sub_cert'],
    check: skiPresentRule,
  },
  {
    rule: 'e_atis_crl_distribution',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description: 'A CRL Distribution Points extension with a single DistributionPoint holding an HTTP URL',
    catalog: ['e_atis_ext_crl_distribution'],
    check: crlDistributionRule,
  },
  {
    rule: 'e_atis_crl_distribution_struct',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V4,
    description: 'The DistributionPoint shall contain a distributionPoint URL and a cRLIssuer DN',
    catalog: ['e_atis_ext_crl_distribution_struct'],
    check: crlDistributionStructRule,
  },
  {
    rule: 'e_atis_crl_distribution_not_reachable',
    level: 'error',
    roles: ['leaf', 'ca'],
    citation: ATIS_V3,
    description:
      'The CRL shall be reachable: checked when verifying (the CRL is fetched), never by the offline linter',
    catalog: [],
    check: () =>
      na('reachability is a network property; the verifier fetches the CRL and reports cert.revocation'),
  },
  {
    rule: 'e_atis_tn_auth_list',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V3,
    description: 'A TNAuthList extension (RFC 8226) containing a single SPC value',
    catalog: ['e_atis_tn_auth_list'],
    check(ctx) {
      const ext = ctx.ext(Oid.tnAuthList);
      if (!ext) return fail('STI certificate shall contain TNAuthorizationList extension');
      if (ext.critical) return fail('the TNAuthList extension shall not be marked critical');
      const decoded = decodeTnAuthList(ext.value);
      if (!decoded.ok) return fail(decoded.reason);
      if (decoded.entries.length !== 1) return fail('TNAuthorizationList shall have only one TN Entry');
      const [entry] = decoded.entries;
      if (entry?.type !== 'spc') return fail('the TN Entry shall be an SPC (no TNs or TN ranges)');
      if (entry.spc.length === 0) return fail('TN Entry shall contain a SPC value');
      return pass;
    },
  },
  {
    rule: 'e_atis_tn_auth_list_spc_format',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V5,
    description: 'The SPC value shall contain only numbers and uppercase letters',
    catalog: ['e_atis_tn_auth_list_spc_format'],
    check(ctx) {
      const spc = ctx.spc();
      if (!spc.ok) return na('no single SPC to check');
      return /^[0-9A-Z]+$/.test(spc.spc)
        ? pass
        : fail('The SPC value shall contain only numbers and uppercase letters');
    },
  },
  {
    rule: 'e_atis_extension_unknown',
    level: 'error',
    roles: ['leaf'],
    citation: ATIS_V4,
    description: 'STI certificate shall not include extensions that are not specified',
    catalog: [],
    check: extensionsRule(LEAF_EXTENSIONS),
  },
  // ---- intermediate (and, where ATIS says "root and intermediate", root) certificates
  {
    rule: 'e_atis_ca_version',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V3,
    description: 'STI certificates shall contain Version field specifying version 3',
    catalog: [],
    check: versionRule,
  },
  {
    rule: 'e_atis_ca_serial_number',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V5,
    description: 'The serial number shall be a positive integer with at least 64 bits of CSPRNG output',
    catalog: ['e_atis_serial_number_size_ca'],
    check: serialRule,
  },
  {
    rule: 'e_atis_ca_signature_algorithm',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V3,
    description:
      "STI certificates shall contain a Signature Algorithm field with the value 'ecdsa-with-SHA256'",
    catalog: ['e_atis_signature_algorithm_ca'],
    check: signatureAlgorithmRule,
  },
  {
    rule: 'e_atis_ca_subject_public_key',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V3,
    description:
      'STI certificates shall contain an id-ecPublicKey Subject Public Key Info with a 256-bit key',
    catalog: ['e_atis_subject_public_key_ca'],
    check: publicKeyRule,
  },
  {
    rule: 'e_atis_ca_subject',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V4,
    description: DN_MESSAGE,
    catalog: ['e_atis_subject_dn_ca', 'e_atis_subject_o_required_ca'],
    check: (ctx) => (hasDnParts(ctx.cert.subject) ? pass : fail(DN_MESSAGE)),
  },
  {
    rule: 'e_atis_ca_issuer_dn',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V4,
    description: `Issuer: ${DN_MESSAGE}`,
    catalog: [],
    check: (ctx) => (hasDnParts(ctx.cert.issuer) ? pass : fail(DN_MESSAGE)),
  },
  {
    rule: 'e_atis_ca_subject_cn',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V3,
    description: 'The Common Name attribute shall include the text string "SHAKEN"',
    catalog: ['e_atis_subject_cn_ca'],
    check: (ctx) =>
      (commonName(ctx.cert.subject) ?? '').includes('SHAKEN')
        ? pass
        : fail('The Common Name attribute shall include the text string "SHAKEN"'),
  },
  {
    rule: 'e_atis_root_subject_cn',
    level: 'error',
    roles: ['root'],
    citation: ATIS_V5,
    description:
      'For root certificates, the Common Name attribute shall include the text string "ROOT" (case insensitive)',
    catalog: ['e_atis_subject_cn_root'],
    check: (ctx) =>
      /root/i.test(commonName(ctx.cert.subject) ?? '')
        ? pass
        : fail('the root Common Name shall include the text string "ROOT"'),
  },
  {
    rule: 'e_atis_ca_key_usage',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V3,
    description:
      'Key Usage shall be critical, contain keyCertSign and may contain digitalSignature and/or cRLSign',
    catalog: ['e_atis_ext_key_usage'],
    check(ctx) {
      const usage = keyUsageCritical(ctx);
      if (!(usage instanceof Set)) return usage;
      const allowed = new Set<KeyUsageName>(['keyCertSign', 'digitalSignature', 'cRLSign']);
      return usage.has('keyCertSign') && [...usage].every((u) => allowed.has(u))
        ? pass
        : fail(
            'The Key Usage extension shall contain the key usage value keyCertSign, and may contain the key usage values digitalSignature and/or cRLSign',
          );
    },
  },
  {
    rule: 'e_us_cp_ca_key_usage_crl_sign',
    level: 'error',
    roles: ['ca', 'root'],
    citation: 'United States SHAKEN Certificate Policy v1.1 / 4.9 Certificate Revocation and Suspension',
    description: 'CRLs are issued by the STI-PA, so STI-CA certificates shall not assert cRLSign',
    catalog: [],
    check(ctx) {
      const usage = ctx.keyUsage();
      if (!(usage instanceof Set)) return na('no readable Key Usage extension');
      return usage.has('cRLSign')
        ? fail(
            'The model for managing and communicating the status of revoked certificates is in the form of a distributed Certificate Revocation List (CRL) that is maintained by the STI-PA as described in ATIS-1000080',
          )
        : pass;
    },
  },
  {
    rule: 'e_atis_ca_subject_key_identifier',
    level: 'error',
    roles: ['ca', 'root'],
    citation: ATIS_V3,
    description: 'STI certificates shall contain a Subject Key Identifier extension',
    catalog: [],
    check: skiPresentRule,
  },
  {
    rule: 'e_atis_ca_authority_key_identifier',
    level: 'error',
    roles: ['ca'],
    citation: ATIS_V3,
    description:
      'Intermediate certificates shall contain an Authority Key Identifier extension with a keyIdentifier',
    catalog: [
      'e_atis_ext_authority_key_identifier_ca',
      'e_ext_authority_key_identifier_missing',
      'e_ext_authority_key_identifier_no_key_identifier',
    ],
    check: akiPresentRule,
  },
  {
    rule: 'e_atis_ca_certificate_policies',
    level: 'error',
    roles: ['ca'],
    citation: ATIS_V3,
    description: 'A Certificate Policies extension with a single SHAKEN Certificate Policy OID',
    catalog: ['e_atis_ext_certificate_policies_ca', 'e_shaken_certificate_policies_id_ca'],
    check: policiesRule,
  },
  {
    rule: 'n_atis_ca_certificate_policy_critical',
    level: 'notice',
    roles: ['ca'],
    citation: ATIS_V3,
    description: 'STI certificates should contain a CertificatePolicies extension marked uncritical',
    catalog: [],
    check: policyCriticalRule,
  },
  {
    rule: 'e_atis_ca_crl_distribution',
    level: 'error',
    roles: ['ca'],
    citation: ATIS_V4,
    description:
      'Intermediate certificates shall contain a CRL Distribution Points extension with a single HTTP URL',
    catalog: ['e_atis_ext_crl_distribution_ca'],
    check(ctx) {
      const outcome = crlDistributionRule(ctx);
      return outcome.status === 'fail' && ctx.distributionPoints() === undefined
        ? fail('STI Intermediate certificates shall contain a CRL Distribution Points extension')
        : outcome;
    },
  },
  {
    rule: 'e_atis_ca_crl_distribution_struct',
    level: 'error',
    roles: ['ca'],
    citation: ATIS_V4,
    description: 'The DistributionPoint shall contain a distributionPoint URL and a cRLIssuer DN',
    catalog: ['e_atis_ext_crl_distribution_struct_ca'],
    check: crlDistributionStructRule,
  },
  {
    rule: 'e_atis_ca_extension_unknown',
    level: 'error',
    roles: ['ca'],
    citation: ATIS_V4,
    description:
      'STI certificate shall not include extensions that are not specified (no TNAuthList in CA certificates)',
    catalog: [],
    check: extensionsRule(CA_EXTENSIONS),
  },
  // ---- root certificates
  {
    rule: 'e_atis_root_authority_key_identifier',
    level: 'error',
    roles: ['root'],
    citation: ATIS_V3,
    description:
      "A root's Authority Key Identifier, when present, shall match its own Subject Key Identifier",
    catalog: [],
    check(ctx) {
      const aki = ctx.authorityKeyId();
      if (aki === undefined) return pass;
      const ski = ctx.subjectKeyId();
      if (aki instanceof Error || aki === null)
        return fail('Authority Key Identifier shall contain a keyIdentifier field');
      if (typeof ski !== 'string' || aki.toLowerCase() !== ski.toLowerCase()) {
        return fail(
          'Authority Key Identifier shall contain a keyIdentifier field with a value that matches the Subject Key Identifier',
        );
      }
      return pass;
    },
  },
  {
    rule: 'e_atis_root_certificate_policies',
    level: 'error',
    roles: ['root'],
    citation: ATIS_V4,
    description: 'STI Root certificates shall not contain a Certificate Policy extension',
    catalog: [],
    check: (ctx) =>
      ctx.ext(Oid.certificatePolicies)
        ? fail('STI Root certificates shall not contain a Certificate Policy extension')
        : pass,
  },
  {
    rule: 'e_atis_root_extension_unknown',
    level: 'error',
    roles: ['root'],
    citation: ATIS_V4,
    description: 'STI root certificates shall only contain SKI, AKI, Basic Constraints and Key Usage',
    catalog: [],
    check: extensionsRule(ROOT_EXTENSIONS),
  },
];

export const SHAKEN_LINT_RULES: readonly LintRule[] = RULES.map((r): LintRule => ({
  rule: r.rule,
  level: r.level,
  roles: r.roles,
  citation: r.citation,
  description: r.description,
  catalog: r.catalog,
}));

/**
 * Whether the certificate verifies with its own key. @peculiar/x509's `isSelfSigned` goes through
 * WebCrypto and is asynchronous, while the linter is synchronous, so this one signature check is
 * node:crypto's (OpenSSL's X509_verify).
 */
function isSelfSigned(cert: ParsedCertificate): boolean {
  if (!sameName(cert.subject, cert.issuer)) return false;
  try {
    const node = new X509Certificate(cert.der);
    return node.verify(node.publicKey);
  } catch {
    return false;
  }
}

export function inferRole(cert: ParsedCertificate): CertificateRole {
  let bc: BasicConstraints | undefined;
  try {
    const ext = getExtension(cert, Oid.basicConstraints);
    bc = ext ? decodeBasicConstraints(ext) : undefined;
  } catch {
    bc = undefined;
  }
  if (!bc?.ca) return 'leaf';
  return isSelfSigned(cert) ? 'root' : 'ca';
}

export function lintParsedCertificate(
  cert: ParsedCertificate,
  options: LintOptions = {},
): Extract<LintResult, { parsed: true }> {
  const role = options.role && options.role !== 'auto' ? options.role : inferRole(cert);
  const ctx = new Context(cert, role);
  const findings = RULES.map((rule): LintFinding => {
    const base = { rule: rule.rule, level: rule.level, citation: rule.citation };
    if (!rule.roles.includes(role))
      return { ...base, status: 'na', message: `applies to ${rule.roles.join('/')} certificates` };
    let outcome: Outcome;
    try {
      outcome = rule.check(ctx);
    } catch (error) {
      outcome = fail(`could not evaluate: ${describeError(error)}`);
    }
    switch (outcome.status) {
      case 'pass':
        return { ...base, status: 'pass', message: '' };
      case 'na':
        return { ...base, status: 'na', message: outcome.message };
      case 'fail':
        return { ...base, status: rule.level, message: outcome.message };
    }
  });
  const errors = findings.filter((f) => f.status === 'error');
  return { parsed: true, role, passed: errors.length === 0, findings, errors };
}

/**
 * Results by role and SHA-256 of the DER, most recently used last: a deployment meets the same
 * few certificates over and over (each provider's signing certificate and its CA's), and a lint
 * depends on nothing but the bytes and the role.
 */
const LINT_CACHE_SIZE = 1024;
const lintCache = new Map<string, Extract<LintResult, { parsed: true }>>();

/**
 * Lints the first certificate of a PEM text, or a DER certificate, against the SHAKEN profile.
 * Results are cached by the certificate's bytes; treat them as read-only.
 */
export function lintShakenCertificate(
  certificate: string | Uint8Array,
  options: LintOptions = {},
): LintResult {
  if (typeof certificate !== 'string' && !(certificate instanceof Uint8Array)) {
    return { parsed: false, reason: 'expected PEM text or DER bytes' };
  }
  const derBytes = typeof certificate === 'string' ? pemCertificates(certificate)[0] : certificate;
  if (!derBytes) return { parsed: false, reason: 'no CERTIFICATE block found' };
  const key = `${options.role ?? 'auto'}:${createHash('sha256').update(derBytes).digest('base64')}`;
  const cached = lintCache.get(key);
  if (cached) {
    lintCache.delete(key);
    lintCache.set(key, cached);
    return cached;
  }
  let cert: ParsedCertificate;
  try {
    cert = parseCertificateDer(derBytes);
  } catch (error) {
    return { parsed: false, reason: `not a valid X.509 certificate (${describeError(error)})` };
  }
  const result = lintParsedCertificate(cert, options);
  lintCache.set(key, result);
  if (lintCache.size > LINT_CACHE_SIZE) lintCache.delete(lintCache.keys().next().value as string);
  return result;
}
