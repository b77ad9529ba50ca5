import { createECDH, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import {
  buildIdentityHeader,
  createVerifier,
  createGuardedFetcher,
  parseTrustStore,
  createTestCrl,
  issueTestCertificate,
  ShakenPolicy,
  signPassport,
  type Attestation,
  type CredentialFetcher,
  type FetchOutcome,
  type TestCertificate,
  type TestKeyPair,
  type TrustStore,
  type Verifier,
  type VerifierOptions,
} from '@hoptrace/shaken';
import type { SimCall } from './calls';
import type { AttestationWeights, SimNetwork, SimProvider } from './network';
import type { Random } from './random';

/**
 * The simulated STIR/SHAKEN ecosystem: one STI-CA (root and intermediate), the STI-PA's CRL signer,
 * and a certificate per signing provider whose TNAuthList SPC is the provider's OCN. Keys, serials,
 * names and validity dates derive from the network's seed, so the PKI is the same on every run (only
 * ECDSA signature bytes differ) and a restarted demo server still verifies the history it loaded.
 *
 * Certificates are published at fictional x5u addresses (`https://sti-cr.sim.hoptrace.example/…`)
 * that nobody resolves: `simCertificateFetcher` answers them from memory, so demo verification needs
 * no network and the guarded fetcher's rules (https, public addresses) stay as they are.
 */

export const SIM_STI_CR = 'https://sti-cr.sim.hoptrace.example';
export const SIM_CRL_URL = 'https://sti-pa.sim.hoptrace.example/crl/sti-pa.crl';

export type SimCertificateKind = 'valid' | 'expired' | 'revoked';

/** How a traced call was signed (drawn with the call; null when it arrived unsigned). */
export interface SimSignature {
  /** Provider key of the signer: the origin, or a provider downstream of it (a gateway for foreign calls). */
  signerKey: string;
  attest: Attestation;
  origid: string;
  certificate: SimCertificateKind;
  /** Signed with a key that is not the certificate's (the signature does not verify). */
  forged: boolean;
  /** Whether the originating customer holds the calling number (what the origin answers). */
  numberHeld: boolean;
}

export interface SimShaken {
  root: TestCertificate;
  intermediate: TestCertificate;
  crlSigner: TestCertificate;
  /** The body an STI-CR (or the STI-PA, for the CRL) serves at a URL; the same bytes on every call. */
  published: (url: string) => Uint8Array | undefined;
  /** The x5u of each signing provider's certificate of each kind. */
  x5uOf(providerKey: string, kind: SimCertificateKind): string | undefined;
  /** The Identity header the signer put on the call, or undefined for an unsigned call. */
  identityFor(call: SimCall): string | undefined;
}

const FIXED = {
  caFrom: new Date('2024-01-01T00:00:00Z'),
  caTo: new Date('2040-01-01T00:00:00Z'),
  leafFrom: new Date('2025-01-01T00:00:00Z'),
  leafTo: new Date('2036-01-01T00:00:00Z'),
  expiredFrom: new Date('2024-01-01T00:00:00Z'),
  expiredTo: new Date('2024-12-31T00:00:00Z'),
  revokedAt: new Date('2025-01-02T00:00:00Z'),
};

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** A P-256 key pair derived from a label: reproducible, and fine for a simulation (never for real keys). */
export function deterministicKeyPair(label: string): TestKeyPair {
  const d = createHash('sha256').update(`hoptrace-sim-key:${label}`).digest();
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  const jwk = { kty: 'EC', crv: 'P-256', x: b64url(pub.subarray(1, 33)), y: b64url(pub.subarray(33, 65)) };
  return {
    privateKey: createPrivateKey({ key: { ...jwk, d: b64url(d) }, format: 'jwk' }),
    publicKey: createPublicKey({ key: jwk, format: 'jwk' }),
  };
}

function serialOf(label: string): Uint8Array {
  const bytes = createHash('sha256').update(`hoptrace-sim-serial:${label}`).digest().subarray(0, 16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return new Uint8Array(bytes);
}

/** Providers that sign calls: every US provider that hands calls on (terminating providers only receive). */
export const signs = (p: SimProvider) =>
  p.kind === 'originating' || p.kind === 'intermediate' || p.kind === 'gateway';

export function createSimShaken(network: SimNetwork, opts: { now?: Date } = {}): SimShaken {
  const seed = network.config.seed;
  const label = (s: string) => `${seed}:${s}`;
  const root = issueTestCertificate({
    subject: {
      country: 'US',
      organization: 'Simulated STI-CA (fictional)',
      commonName: 'Simulated SHAKEN Root',
    },
    keyPair: deterministicKeyPair(label('root')),
    serial: serialOf(label('root')),
    ca: true,
    keyUsage: ['keyCertSign'],
    notBefore: FIXED.caFrom,
    notAfter: FIXED.caTo,
    authorityKeyId: true,
  });
  const crlSigner = issueTestCertificate({
    subject: {
      country: 'US',
      organization: 'Simulated STI-PA (fictional)',
      commonName: 'Simulated STI-PA CRL',
    },
    keyPair: deterministicKeyPair(label('sti-pa')),
    serial: serialOf(label('sti-pa')),
    ca: true,
    keyUsage: ['keyCertSign', 'cRLSign'],
    notBefore: FIXED.caFrom,
    notAfter: FIXED.caTo,
    authorityKeyId: true,
  });
  const crl = { url: SIM_CRL_URL, issuerName: crlSigner.name };
  const intermediate = issueTestCertificate({
    subject: {
      country: 'US',
      organization: 'Simulated STI-CA (fictional)',
      commonName: 'Simulated SHAKEN Intermediate',
    },
    issuer: root,
    keyPair: deterministicKeyPair(label('intermediate')),
    serial: serialOf(label('intermediate')),
    ca: true,
    keyUsage: ['keyCertSign'],
    policies: [ShakenPolicy.v1_3],
    crl,
    notBefore: FIXED.caFrom,
    notAfter: FIXED.caTo,
  });

  // Leaves are issued on first use (signing a call or answering a fetch): a restarted demo server
  // builds three CA certificates, not a hundred.
  const signers = new Map(network.providers.filter(signs).map((p) => [p.key, p]));
  const kinds: SimCertificateKind[] = ['valid', 'expired', 'revoked'];
  const urlOf = (p: SimProvider, kind: SimCertificateKind) =>
    `${SIM_STI_CR}/certs/${p.ocn}${kind === 'valid' ? '' : `-${kind}`}.pem`;
  const byUrl = new Map<string, [SimProvider, SimCertificateKind]>();
  for (const p of signers.values()) for (const kind of kinds) byUrl.set(urlOf(p, kind), [p, kind]);
  const leaves = new Map<string, { leaf: TestCertificate; body: Uint8Array }>();
  function leafOf(p: SimProvider, kind: SimCertificateKind) {
    const id = label(`${p.key}:${kind}`);
    let issued = leaves.get(id);
    if (!issued) {
      const leaf = issueTestCertificate({
        subject: { country: 'US', organization: p.name, commonName: `SHAKEN ${p.ocn}`, serialNumber: p.ocn },
        issuer: intermediate,
        keyPair: deterministicKeyPair(id),
        serial: serialOf(id),
        ca: false,
        keyUsage: ['digitalSignature'],
        policies: [ShakenPolicy.v1_3],
        crl,
        spc: p.ocn,
        notBefore: kind === 'expired' ? FIXED.expiredFrom : FIXED.leafFrom,
        notAfter: kind === 'expired' ? FIXED.expiredTo : FIXED.leafTo,
      });
      issued = { leaf, body: new TextEncoder().encode(leaf.pem + intermediate.pem) };
      leaves.set(id, issued);
    }
    return issued;
  }
  // The CRL is the one thing judged by the wall clock (is it current?): issued now, valid for a year.
  // It lists every provider's `revoked` certificate by serial, which derives from the seed.
  const now = opts.now ?? new Date();
  const crlBody = createTestCrl(crlSigner, {
    revoked: [...signers.values()].map((p) => ({
      serialHex: Buffer.from(serialOf(label(`${p.key}:revoked`))).toString('hex'),
      revokedAt: FIXED.revokedAt,
    })),
    thisUpdate: new Date(now.getTime() - 86_400_000),
    nextUpdate: new Date(now.getTime() + 365 * 86_400_000),
  }).der;
  const forger = deterministicKeyPair(label('forger'));

  return {
    root,
    intermediate,
    crlSigner,
    published: (url) => {
      if (url === SIM_CRL_URL) return crlBody;
      const found = byUrl.get(url);
      return found ? leafOf(...found).body : undefined;
    },
    x5uOf(providerKey, kind) {
      const p = signers.get(providerKey);
      return p ? urlOf(p, kind) : undefined;
    },
    identityFor(call) {
      const s = call.signature;
      const p = s ? signers.get(s.signerKey) : undefined;
      if (!s || !p) return undefined;
      const { leaf } = leafOf(p, s.certificate);
      const x5u = urlOf(p, s.certificate);
      const token = signPassport({
        privateKey: s.forged ? forger.privateKey : leaf.privateKey,
        x5u,
        attest: s.attest,
        origTn: call.callingNumber.replace(/^\+/, ''),
        destTns: [call.calledNumber.replace(/^\+/, '')],
        iat: Math.floor(call.startedAt.getTime() / 1000),
        origid: s.origid,
      });
      return buildIdentityHeader(token, { info: x5u });
    },
  };
}

/**
 * A fetcher that answers the simulated STI-CR's addresses from memory (the same bytes each time,
 * so the verifier's per-credential cache holds) and hands every other URL to `fallback`.
 */
export function simCertificateFetcher(
  published: (url: string) => Uint8Array | undefined,
  fallback?: CredentialFetcher,
): CredentialFetcher {
  return {
    async fetch(url, options): Promise<FetchOutcome> {
      const body = published(url);
      if (body) return { ok: true, url, body, fromCache: true, expiresAt: null };
      if (fallback) return fallback.fetch(url, options);
      return {
        ok: false,
        url,
        kind: 'http-status',
        transient: false,
        reason: 'not a simulated STI-CR address',
        status: 404,
        fromCache: false,
      };
    },
  };
}

/** The simulated STI-CA root as a trust anchor, and the STI-PA CRL signer, added to `base` (if any). */
export function simTrustStore(sim: SimShaken, base?: TrustStore): TrustStore {
  const parsed = parseTrustStore({ anchors: sim.root.pem, crlSigners: sim.crlSigner.pem });
  if (!parsed.ok) throw new Error(`simulated STI-CA: ${parsed.reason}`);
  return {
    anchors: [...(base?.anchors ?? []), ...parsed.store.anchors],
    intermediates: [...(base?.intermediates ?? []), ...parsed.store.intermediates],
    crlSigners: [...(base?.crlSigners ?? []), ...parsed.store.crlSigners],
  };
}

/**
 * A verifier that trusts the simulated STI-CA besides `trust` and reads the simulated STI-CR from
 * memory; every other x5u goes through the guarded network fetcher as usual.
 */
export function createSimVerifier(
  sim: SimShaken,
  opts: { trust?: TrustStore } & Omit<VerifierOptions, 'trust' | 'fetcher'> = {},
): Verifier {
  const { trust, ...rest } = opts;
  return createVerifier({
    ...rest,
    trust: simTrustStore(sim, trust),
    fetcher: simCertificateFetcher(sim.published, createGuardedFetcher(rest.fetch)),
  });
}

const HEX = '0123456789abcdef';

function uuidFrom(rnd: Random): string {
  let hex = '';
  for (let i = 0; i < 32; i++) hex += HEX[Math.floor(rnd.next() * 16)]!;
  // Version 4, RFC 4122 variant: what an STI-AS writes.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[Math.floor(rnd.next() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function attestation(rnd: Random, weights: AttestationWeights): Attestation {
  return rnd.weighted(weights);
}

/**
 * How a call was signed, in rough proportions of the 2025 traceback record: most domestic calls signed
 * by their origin (mostly A, or as `originAttestation` says for a campaign), some signed downstream by a
 * transit provider, foreign calls signed C (now and then B) at the gateway, a few unsigned, a few with an
 * expired or revoked certificate or a bad signature.
 */
export function planSignature(
  network: SimNetwork,
  rnd: Random,
  path: readonly string[],
  originAttestation?: AttestationWeights,
): SimSignature | null {
  const origin = network.byKey.get(path[0]!)!;
  let signerKey: string;
  let attest: Attestation;
  const r = rnd.next();
  if (origin.kind === 'foreign') {
    const gateway = path[1] ? network.byKey.get(path[1]) : undefined;
    if (r < 0.25 || !gateway || !signs(gateway)) return null;
    signerKey = gateway.key;
    attest = attestation(rnd, [
      ['C', 0.75],
      ['B', 0.2],
      ['A', 0.05],
    ]);
  } else if (r < 0.12) return null;
  else if (r < 0.78 || !path[1] || !signs(network.byKey.get(path[1])!)) {
    signerKey = origin.key;
    attest = attestation(
      rnd,
      originAttestation ?? [
        ['A', 0.65],
        ['B', 0.25],
        ['C', 0.1],
      ],
    );
  } else {
    // Attestation applied downstream of the origin: the transit provider vouches for a call it did not originate.
    signerKey = path[1]!;
    attest = attestation(rnd, [
      ['A', 0.2],
      ['B', 0.5],
      ['C', 0.3],
    ]);
  }
  const c = rnd.next();
  return {
    signerKey,
    attest,
    origid: uuidFrom(rnd),
    certificate: c < 0.05 ? 'expired' : c < 0.09 ? 'revoked' : 'valid',
    forged: rnd.chance(0.02),
    numberHeld: !(attest === 'A' && rnd.chance(0.25)),
  };
}
