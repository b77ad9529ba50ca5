import type { TProviderShakenCounts, TSignerRequest, TTracebackShaken } from '@hoptrace/contracts';
import {
  findProvider,
  findProviders,
  findTracebackShaken,
  shakenCountsOfSigner,
  type Executor,
  type HopRow,
  type TracebackRow,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import type { CommandContext } from '../context';
import { NotFoundError } from '../errors';
import { policy } from '../policies';
import { decideAction, SIGNER_LINE } from '../workflow';
import { signerClaimsOfMany } from './claims';
import { signerHopEligible } from './open';

type StoredCheck = TTracebackShaken['failedChecks'][number];

/** The traceback's verification for whoever reads the traceback (`referred`: see policy.readTraceback); undefined without a header. */
export async function presentTracebackShaken(
  db: Executor,
  actor: Actor,
  t: TracebackRow,
  hops: HopRow[],
  referred = false,
): Promise<TTracebackShaken | undefined> {
  if (!t.identityHeader || !policy.readTraceback(actor, referred)) return undefined;
  const row = await findTracebackShaken(db, t.id);
  if (!row) return undefined;
  const r = row.result as {
    checks?: StoredCheck[];
    certificate?: TTracebackShaken['certificate'];
    reason?: string | null;
  };
  const checks = r.checks ?? [];
  const signer = row.signerProviderId ? (await findProviders(db, [row.signerProviderId]))[0] : undefined;
  const signerHop = hops.find((h) => h.line === SIGNER_LINE && h.status !== 'withdrawn');
  const eligible = signerHopEligible(row) ? { providerId: row.signerProviderId } : null;
  return {
    verifiedAt: row.verifiedAt.toISOString(),
    verdict: row.verdict,
    reason: r.reason ?? null,
    sipCode: row.sipCode,
    verstat: row.verstat,
    attest: row.attest,
    origTn: row.origTn,
    destTns: row.destTns,
    origid: row.origid,
    x5u: row.x5u,
    spc: row.spc,
    signer: signer ? { providerId: signer.id, name: signer.name } : null,
    certificate: r.certificate ?? null,
    failedChecks: checks.filter((c) => c.status === 'fail' || c.status === 'indeterminate'),
    checks: {
      passed: checks.filter((c) => c.status === 'pass').length,
      failed: checks.filter((c) => c.status === 'fail').length,
      indeterminate: checks.filter((c) => c.status === 'indeterminate').length,
    },
    inconsistencies: row.inconsistencies,
    signerHopId: signerHop?.id ?? null,
    can: {
      requestSignerHop:
        policy.steerTraceback(actor) && decideAction(t, hops, { action: 'request_signer_hop' }, eligible).ok,
    },
  };
}

/** On hops to the signer, the claims the signer needs to find the call (and nothing of the path), by hop id. */
export async function signerRequestsOf(
  db: Executor,
  hops: HopRow[],
): Promise<Map<string, { signer: TSignerRequest }>> {
  const found = new Map<string, { signer: TSignerRequest }>();
  for (const [hopId, signer] of await signerClaimsOfMany(db, hops)) found.set(hopId, { signer });
  return found;
}

/** How often a provider's signatures disagree with the tracebacks of the calls it signed (staff). */
export async function getProviderShakenCounts(
  ctx: CommandContext & { providerId: string },
): Promise<TProviderShakenCounts> {
  if (!policy.readStatistics(ctx.actor)) throw new NotFoundError('provider');
  if (!(await findProvider(ctx.db, ctx.providerId))) throw new NotFoundError('provider');
  return { providerId: ctx.providerId, ...(await shakenCountsOfSigner(ctx.db, ctx.providerId)) };
}
