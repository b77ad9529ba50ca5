import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { der, decodeBitString, expectSequence, readRoot } from './der';
import { encodeTnAuthList } from './tn-auth-list';
import { KeyUsageBit, Oid, ShakenPolicy, keyIdentifierFor, toPem, type KeyUsageName } from './x509';

/**
 * A throwaway SHAKEN PKI for tests and the call simulator: an STI-CA root, an intermediate, SP
 * leaf certificates with a TNAuthList SPC, and an STI-PA that signs the CRL (as in the real
 * SHAKEN ecosystem, where CRLs name the STI-PA as cRLIssuer). Certificates are built directly in
 * DER so that tests can also mint ones that break a single profile rule. Never use these outside tests.
 */

export interface TestKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface NameSpec {
  commonName?: string;
  organization?: string;
  country?: string;
  /** The subject serialNumber attribute (US SHAKEN CP §3.1). */
  serialNumber?: string;
  emailAddress?: string;
}

export interface TestCertificate {
  pem: string;
  der: Uint8Array;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SEC1 (`EC PRIVATE KEY`) PEM, the form openssl and secsipidx read. */
  privateKeyPem: string;
  /** The encoded subject Name. */
  name: Uint8Array;
  serialHex: string;
  keyId: Uint8Array;
}

export interface RawExtensionSpec {
  oid: string;
  critical?: boolean;
  value: Uint8Array;
}

export interface IssueOptions {
  subject: NameSpec;
  /** The issuing certificate; omit for a self-signed certificate. */
  issuer?: TestCertificate;
  keyPair?: TestKeyPair;
  notBefore?: Date;
  notAfter?: Date;
  /** Serial magnitude; default 16 random bytes with the top bits set so it always has > 64 bits. */
  serial?: Uint8Array;
  /** Basic Constraints: `true`/`false` for cA, `null` to leave the extension out. */
  ca?: boolean | null;
  keyUsage?: readonly KeyUsageName[] | null;
  policies?: readonly string[] | null;
  /** CRL distribution point URL and, optionally, the cRLIssuer name (DER). */
  crl?: { url: string; issuerName?: Uint8Array } | null;
  /** TNAuthList: an SPC, or a raw extension value, or null for none. */
  spc?: string | null;
  tnAuthListValue?: Uint8Array;
  /** Authority Key Identifier; default on for issued certificates, off for self-signed ones. */
  authorityKeyId?: boolean;
  subjectKeyId?: boolean;
  extraExtensions?: readonly RawExtensionSpec[];
}

export function generateTestKeyPair(): TestKeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

export function encodeName(spec: NameSpec): Uint8Array {
  const rdns: Uint8Array[] = [];
  const add = (oid: string, value: Uint8Array) => rdns.push(der.set(der.sequence(der.oid(oid), value)));
  if (spec.country !== undefined) add(Oid.country, der.printable(spec.country));
  if (spec.organization !== undefined) add(Oid.organization, der.utf8(spec.organization));
  if (spec.commonName !== undefined) add(Oid.commonName, der.utf8(spec.commonName));
  if (spec.serialNumber !== undefined) add(Oid.serialNumber, der.printable(spec.serialNumber));
  if (spec.emailAddress !== undefined) add(Oid.emailAddress, der.ia5(spec.emailAddress));
  return der.sequence(...rdns);
}

function publicKeyBits(spki: Uint8Array): Uint8Array {
  const [, bits] = expectSequence(readRoot(spki), 'SubjectPublicKeyInfo');
  return decodeBitString(bits as NonNullable<typeof bits>).bytes;
}

function keyUsageValue(usages: readonly KeyUsageName[]): Uint8Array {
  const bits = usages.map((u) => KeyUsageBit[u]);
  const highest = Math.max(...bits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  return der.bitString(bytes, 7 - (highest & 7));
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? der.sequence(der.oid(oid), der.boolean(true), der.octetString(value))
    : der.sequence(der.oid(oid), der.octetString(value));
}

const ECDSA_SHA256 = der.sequence(der.oid(Oid.ecdsaWithSha256));
const DAY = 86_400_000;

function randomSerial(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] as number) & 0x3f) | 0x40;
  return new Uint8Array(bytes);
}

export function issueTestCertificate(options: IssueOptions): TestCertificate {
  const keyPair = options.keyPair ?? generateTestKeyPair();
  const spki = new Uint8Array(keyPair.publicKey.export({ type: 'spki', format: 'der' }));
  const keyId = keyIdentifierFor(publicKeyBits(spki));
  const name = encodeName(options.subject);
  const issuerName = options.issuer?.name ?? name;
  const signingKey = options.issuer?.privateKey ?? keyPair.privateKey;
  const serial = options.serial ?? randomSerial();
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY);

  const extensions: Uint8Array[] = [];
  if (options.ca !== null && options.ca !== undefined) {
    extensions.push(
      extension(Oid.basicConstraints, true, options.ca ? der.sequence(der.boolean(true)) : der.sequence()),
    );
  }
  if (options.keyUsage) extensions.push(extension(Oid.keyUsage, true, keyUsageValue(options.keyUsage)));
  if (options.policies) {
    extensions.push(
      extension(
        Oid.certificatePolicies,
        false,
        der.sequence(...options.policies.map((p) => der.sequence(der.oid(p)))),
      ),
    );
  }
  if (options.subjectKeyId ?? true)
    extensions.push(extension(Oid.subjectKeyIdentifier, false, der.octetString(keyId)));
  if (options.authorityKeyId ?? options.issuer !== undefined) {
    const authorityKeyId = options.issuer?.keyId ?? keyId;
    extensions.push(
      extension(Oid.authorityKeyIdentifier, false, der.sequence(der.context(0, false, authorityKeyId))),
    );
  }
  if (options.crl) {
    const fullName = der.context(
      0,
      true,
      der.context(0, true, der.context(6, false, new TextEncoder().encode(options.crl.url))),
    );
    const parts = [fullName];
    if (options.crl.issuerName)
      parts.push(der.context(2, true, der.context(4, true, options.crl.issuerName)));
    extensions.push(extension(Oid.crlDistributionPoints, false, der.sequence(der.sequence(...parts))));
  }
  const tnAuthList =
    options.tnAuthListValue ??
    (options.spc === null || options.spc === undefined
      ? null
      : encodeTnAuthList([{ type: 'spc', spc: options.spc }]));
  if (tnAuthList) extensions.push(extension(Oid.tnAuthList, false, tnAuthList));
  for (const extra of options.extraExtensions ?? [])
    extensions.push(extension(extra.oid, extra.critical ?? false, extra.value));

  const tbs = der.sequence(
    der.context(0, true, der.smallInteger(2)),
    der.unsignedInteger(serial),
    ECDSA_SHA256,
    issuerName,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    name,
    spki,
    ...(extensions.length > 0 ? [der.context(3, true, der.sequence(...extensions))] : []),
  );
  const signature = sign('sha256', tbs, signingKey);
  const certDer = der.sequence(tbs, ECDSA_SHA256, der.bitString(new Uint8Array(signature)));
  return {
    der: certDer,
    pem: toPem(certDer),
    privateKey: keyPair.privateKey,
    publicKey: keyPair.publicKey,
    privateKeyPem: keyPair.privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
    name,
    serialHex: Buffer.from(serial)
      .toString('hex')
      .toUpperCase()
      .replace(/^0+(?=.)/, ''),
    keyId,
  };
}

interface ValidityOptions {
  notBefore?: Date;
  notAfter?: Date;
}

export function createTestRootCa(options: ValidityOptions & { name?: NameSpec } = {}): TestCertificate {
  return issueTestCertificate({
    subject: options.name ?? {
      country: 'US',
      organization: 'Hoptrace Test STI-CA',
      commonName: 'SHAKEN Test Root',
    },
    ca: true,
    keyUsage: ['keyCertSign'],
    notBefore: options.notBefore ?? new Date(Date.now() - 30 * DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 10 * 365 * DAY),
    authorityKeyId: true,
  });
}

/** The STI-PA: signs the SHAKEN CRL that every STI certificate's CRL distribution point names. */
export function createTestCrlSigner(options: ValidityOptions & { name?: NameSpec } = {}): TestCertificate {
  return issueTestCertificate({
    subject: options.name ?? {
      country: 'US',
      organization: 'Hoptrace Test STI-PA',
      commonName: 'SHAKEN Test STI-PA CRL Root',
    },
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    notBefore: options.notBefore ?? new Date(Date.now() - 30 * DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 10 * 365 * DAY),
    authorityKeyId: true,
  });
}

export interface CrlPointer {
  /** CRL distribution point URL written into the certificate. */
  crlUrl: string;
  /** The certificate that signs that CRL (its subject becomes the cRLIssuer). */
  crlSigner: TestCertificate;
}

export function createTestIntermediateCa(
  root: TestCertificate,
  options: CrlPointer & ValidityOptions & { name?: NameSpec },
): TestCertificate {
  return issueTestCertificate({
    subject: options.name ?? {
      country: 'US',
      organization: 'Hoptrace Test STI-CA',
      commonName: 'SHAKEN Test Intermediate',
    },
    issuer: root,
    ca: true,
    keyUsage: ['keyCertSign'],
    policies: [ShakenPolicy.v1_3],
    crl: { url: options.crlUrl, issuerName: options.crlSigner.name },
    notBefore: options.notBefore ?? new Date(Date.now() - 7 * DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 5 * 365 * DAY),
  });
}

export interface LeafOptions extends CrlPointer, ValidityOptions {
  spc: string;
  organization?: string;
  keyPair?: TestKeyPair;
}

export function createTestLeaf(issuer: TestCertificate, options: LeafOptions): TestCertificate {
  return issueTestCertificate({
    subject: {
      country: 'US',
      organization: options.organization ?? 'Hoptrace Test SP',
      commonName: `SHAKEN ${options.spc}`,
      serialNumber: options.spc,
    },
    issuer,
    ...(options.keyPair ? { keyPair: options.keyPair } : {}),
    ca: false,
    keyUsage: ['digitalSignature'],
    policies: [ShakenPolicy.v1_3],
    crl: { url: options.crlUrl, issuerName: options.crlSigner.name },
    spc: options.spc,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
  });
}

export interface CrlOptions {
  revoked?: readonly { serialHex: string; revokedAt?: Date }[];
  thisUpdate?: Date;
  nextUpdate?: Date;
}

export function createTestCrl(
  signer: TestCertificate,
  options: CrlOptions = {},
): { der: Uint8Array; pem: string } {
  const thisUpdate = options.thisUpdate ?? new Date(Date.now() - 60_000);
  const nextUpdate = options.nextUpdate ?? new Date(Date.now() + 7 * DAY);
  const entries = (options.revoked ?? []).map((entry) =>
    der.sequence(
      der.unsignedInteger(
        Buffer.from(entry.serialHex.length % 2 ? `0${entry.serialHex}` : entry.serialHex, 'hex'),
      ),
      der.time(entry.revokedAt ?? thisUpdate),
    ),
  );
  const crlExtensions = der.context(
    0,
    true,
    der.sequence(
      extension(Oid.authorityKeyIdentifier, false, der.sequence(der.context(0, false, signer.keyId))),
      extension(Oid.crlNumber, false, der.smallInteger(Math.floor(thisUpdate.getTime() / 1000))),
    ),
  );
  const tbs = der.sequence(
    der.smallInteger(1),
    ECDSA_SHA256,
    signer.name,
    der.time(thisUpdate),
    der.time(nextUpdate),
    ...(entries.length > 0 ? [der.sequence(...entries)] : []),
    crlExtensions,
  );
  const signature = sign('sha256', tbs, signer.privateKey);
  const crlDer = der.sequence(tbs, ECDSA_SHA256, der.bitString(new Uint8Array(signature)));
  return { der: crlDer, pem: toPem(crlDer, 'X509 CRL') };
}

export interface TestPki {
  root: TestCertificate;
  intermediate: TestCertificate;
  leaf: TestCertificate;
  crlSigner: TestCertificate;
  /** What an STI-AS publishes at its x5u: the leaf followed by the intermediate. */
  chainPem: string;
  crlUrl: string;
  /** Mints another leaf under the same intermediate. */
  issueLeaf(options: Omit<LeafOptions, 'crlUrl' | 'crlSigner'>): TestCertificate;
  /** The STI-PA CRL, revoking the given certificates. */
  createCrl(options?: CrlOptions): { der: Uint8Array; pem: string };
}

/** Root → intermediate → leaf for `spc`, all naming one STI-PA CRL at `crlUrl`. */
export function createTestPki(options: { spc: string; crlUrl: string }): TestPki {
  const root = createTestRootCa();
  const crlSigner = createTestCrlSigner();
  const pointer = { crlUrl: options.crlUrl, crlSigner };
  const intermediate = createTestIntermediateCa(root, pointer);
  const issueLeaf = (leafOptions: Omit<LeafOptions, 'crlUrl' | 'crlSigner'>) =>
    createTestLeaf(intermediate, { ...leafOptions, ...pointer });
  const leaf = issueLeaf({ spc: options.spc });
  return {
    root,
    intermediate,
    leaf,
    crlSigner,
    chainPem: leaf.pem + intermediate.pem,
    crlUrl: options.crlUrl,
    issueLeaf,
    createCrl: (crlOptions) => createTestCrl(crlSigner, crlOptions),
  };
}
