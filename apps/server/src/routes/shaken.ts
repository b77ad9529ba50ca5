import {
  ZIdParams,
  ZProviderShakenCounts,
  ZShakenResult,
  ZShakenVerify,
  type TShakenResult,
} from '@hoptrace/contracts';
import { getProviderShakenCounts } from '@hoptrace/core';
import type { VerificationResult, Verifier } from '@hoptrace/shaken';
import { ctxOf, bearer, typed, type App } from '../context';

/** The verifier's result as JSON: dates as ISO strings, nothing else reshaped. */
export function presentVerification(r: VerificationResult): TShakenResult {
  return {
    ok: r.ok,
    verstat: r.verstat,
    sip: r.sip,
    attestation: r.attestation,
    origTn: r.origTn,
    destTns: r.destTns,
    iat: r.iat,
    origid: r.origid,
    x5u: r.x5u,
    spc: r.spc,
    certificate: r.certificate
      ? {
          subject: r.certificate.subject,
          issuer: r.certificate.issuer,
          serialNumber: r.certificate.serialNumber,
          notBefore: r.certificate.notBefore.toISOString(),
          notAfter: r.certificate.notAfter.toISOString(),
        }
      : null,
    revoked: r.revoked,
    checks: r.checks,
  };
}

export default function shakenRoutes(app: App, opts: { verifier: Verifier }) {
  typed(app).post(
    '/shaken/verify',
    {
      // Each verification may fetch a certificate and a CRL from the network: keep it to a human pace per caller.
      config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
      schema: {
        operationId: 'verifyIdentityHeader',
        tags: ['shaken'],
        summary:
          'Verify a STIR/SHAKEN Identity header at the call time: signature, certificate chain to the configured STI-CA anchors, CRL, SHAKEN profile, claims; says what passed and what failed',
        security: bearer,
        body: ZShakenVerify,
        response: { 200: ZShakenResult },
      },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      const { identity, callTime, orig, dest } = request.body;
      const result = await opts.verifier.verifyIdentity({
        identity,
        callTime: callTime ? new Date(callTime) : ctx.clock.now(),
        ...(orig ? { orig } : {}),
        ...(dest ? { dest } : {}),
      });
      return presentVerification(result);
    },
  );
  typed(app).get(
    '/providers/:id/shaken',
    {
      schema: {
        operationId: 'getProviderShakenRecord',
        tags: ['shaken'],
        summary:
          'STIR/SHAKEN record of a provider as a signer: tracebacks whose verified Identity header it signed, by verdict and attestation, and the inconsistencies found on them (staff)',
        security: bearer,
        params: ZIdParams,
        response: { 200: ZProviderShakenCounts },
      },
    },
    (request) => getProviderShakenCounts({ ...ctxOf(app, request), providerId: request.params.id }),
  );
}
