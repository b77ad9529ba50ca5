/**
 * What the core needs of a STIR/SHAKEN verifier. `@hoptrace/shaken`'s `Verifier` fits as is; the
 * server builds one from its configuration (trust anchors, fetcher) and hands it in through the
 * settings, so the core itself never touches the network.
 */
export interface ShakenCheckResult {
  code: string;
  status: 'pass' | 'fail' | 'indeterminate' | 'skip';
  detail: string;
  sip: number | null;
}

export interface ShakenVerification {
  ok: boolean;
  verstat: string;
  sip: { code: number; reason: string } | null;
  checks: ShakenCheckResult[];
  attestation: string | null;
  origTn: string | null;
  destTns: string[];
  iat: number | null;
  origid: string | null;
  x5u: string | null;
  spc: string | null;
  certificate: {
    subject: string;
    issuer: string;
    serialNumber: string;
    notBefore: Date;
    notAfter: Date;
  } | null;
  revoked: boolean | null;
}

export interface ShakenVerifier {
  verifyIdentity(input: {
    identity: string;
    callTime: Date;
    orig?: string;
    dest?: string | readonly string[];
  }): Promise<ShakenVerification>;
}

export type SignerHopMode = 'auto' | 'manual';

export interface ShakenSettings {
  /** Without one, Identity headers are recorded with verdict `error` (nothing to verify them with). */
  verifier?: ShakenVerifier;
  /** `auto` (default): a valid A/B signature opens a hop to the signer; `manual`: an analyst asks for it. */
  signerHops?: SignerHopMode;
}
