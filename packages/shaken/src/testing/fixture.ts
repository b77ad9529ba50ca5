import { buildIdentityHeader } from '../identity-header';
import { signPassport, type ShakenClaims, type SigningKey } from '../passport';
import { createTestPki, type TestPki } from '../test-pki';
import { parseTrustStore, type TrustStore } from '../trust';
import { createVerifier, type Verifier, type VerifierOptions } from '../verify';
import { startLoopbackServer, type LoopbackServer } from './loopback-server';

export const ORIG = '12025550143';
export const DEST = '13035550100';

export interface ShakenFixture {
  server: LoopbackServer;
  pki: TestPki;
  trust: TrustStore;
  /** Where the leaf + intermediate chain is served. */
  x5u: string;
  verifier(options?: Partial<VerifierOptions>): Verifier;
  /** A full Identity header value signed by the fixture's leaf (or `key`), fresh at `now`. */
  identity(overrides?: Partial<ShakenClaims> & { x5u?: string; key?: SigningKey; now?: Date }): string;
  close(): Promise<void>;
}

/** A loopback STI-CR serving a fresh test PKI: chain at /sp.pem, the STI-PA CRL at /sti-pa.crl. */
export async function startShakenFixture(spc = '1234'): Promise<ShakenFixture> {
  const server = await startLoopbackServer();
  const pki = createTestPki({ spc, crlUrl: server.url('/sti-pa.crl') });
  server.route('/sp.pem', { body: pki.chainPem, headers: { 'content-type': 'application/x-pem-file' } });
  server.route('/sti-pa.crl', {
    body: pki.createCrl().der,
    headers: { 'content-type': 'application/pkix-crl' },
  });
  const parsed = parseTrustStore({ anchors: pki.root.pem, crlSigners: pki.crlSigner.pem });
  if (!parsed.ok) throw new Error(parsed.reason);
  const trust = parsed.store;
  const x5u = server.url('/sp.pem');
  return {
    server,
    pki,
    trust,
    x5u,
    verifier: (options = {}) =>
      createVerifier({
        trust,
        fetch: { allowHttp: true, allowPrivateNetworks: true, timeoutMs: 1000 },
        ...options,
      }),
    identity: (overrides = {}) => {
      const now = overrides.now ?? new Date();
      const url = overrides.x5u ?? x5u;
      const token = signPassport({
        privateKey: overrides.key ?? pki.leaf.privateKey,
        x5u: url,
        attest: overrides.attest ?? 'A',
        origTn: overrides.origTn ?? ORIG,
        destTns: overrides.destTns ?? [DEST],
        iat: overrides.iat ?? Math.floor(now.getTime() / 1000),
        ...(overrides.origid === undefined ? {} : { origid: overrides.origid }),
      });
      return buildIdentityHeader(token, { info: url });
    },
    close: () => server.close(),
  };
}
