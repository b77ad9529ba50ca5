export { parseIdentityHeader, buildIdentityHeader, DEFAULT_MAX_IDENTITY_LENGTH } from './identity-header';
export type { IdentityHeader, IdentityHeaderParse, BuildIdentityHeaderOptions } from './identity-header';

export { decodePassport, decodeBase64Url, canonicalJson, signJws, signPassport } from './passport';
export type {
  Attestation,
  DecodedPassport,
  PassportDecode,
  PassportHeader,
  PassportPayload,
  ShakenClaims,
  SignPassportOptions,
  SigningKey,
} from './passport';

export { createVerifier } from './verify';
export type { Verifier, VerifierOptions, CallContext } from './verify';

export { CHECK_CODES, SIP_REASONS } from './result';
export type {
  Check,
  CheckCode,
  CheckStatus,
  SipCode,
  Verstat,
  VerificationResult,
  CertificateSummary,
} from './result';

export { addressRange, createGuardedFetcher, cacheLifetimeSeconds, isPublicAddress } from './fetcher';
export type {
  CredentialFetcher,
  FetchOutcome,
  FetchFailureKind,
  FetchRequestOptions,
  GuardedFetcher,
  GuardedFetcherOptions,
} from './fetcher';

export { emptyTrustStore, parseTrustStore, readTrustStoreFile } from './trust';
export type { TrustStore, TrustStoreInput, TrustStoreParse, CertificateSource } from './trust';

export { lintShakenCertificate, SHAKEN_LINT_RULES } from './lint';
export type {
  CertificateRole,
  LintFinding,
  LintLevel,
  LintOptions,
  LintResult,
  LintRule,
  LintStatus,
} from './lint';

export { extractSpc, decodeTnAuthList, encodeTnAuthList } from './tn-auth-list';
export type { SpcResult, TnAuthListResult, TnEntry } from './tn-auth-list';

export { tnDigits, tnMatches } from './tn';

export { parseCrl } from './crl';
export type { CrlParse, ParsedCrl } from './crl';

export {
  createTestPki,
  createTestRootCa,
  createTestIntermediateCa,
  createTestLeaf,
  createTestCrlSigner,
  createTestCrl,
  issueTestCertificate,
  generateTestKeyPair,
} from './test-pki';
export type {
  TestPki,
  TestCertificate,
  TestKeyPair,
  IssueOptions,
  LeafOptions,
  CrlOptions,
  CrlPointer,
  NameSpec,
} from './test-pki';

export { ShakenPolicy } from './x509';
