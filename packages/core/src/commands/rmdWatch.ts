import { createHash } from 'node:crypto';
import {
  claimScheduledRun,
  countRmdImports,
  readSetting,
  recentUpstreamsOutsideRmd,
  writeSetting,
} from '@hoptrace/db';
import { audit } from '../audit';
import type { CommandContext } from '../context';
import { noticeRmdUpstreamsRemoved } from '../notify/notices';
import { authorize, policy } from '../policies';
import { importRmd, type RmdImportReport } from './rmd';

/** HOPTRACE_RMD_EVERY_HOURS: how often the worker re-imports the RMD from HOPTRACE_RMD_SOURCE. */
export const DEFAULT_RMD_EVERY_HOURS = 24;
/** Hops answered this long ago or less count as "recent" for the upstream alerts. */
export const RMD_WATCH_LOOKBACK_DAYS = 90;
/** The settings row the scheduled period is claimed under (`claimScheduledRun`). */
export const RMD_WATCH_SLOT_KEY = 'rmd.watch_last';
/** The settings row holding the last export imported by the watch (its SHA-256), so an unchanged file is skipped. */
export const RMD_WATCH_SOURCE_KEY = 'rmd.watch_source';

const DAY_MS = 86_400_000;

/** An export as read from the configured source: its bytes and a name for the import's record. */
export interface RmdExport {
  bytes: Uint8Array;
  name: string;
}

export interface RmdWatchResult {
  /** `unchanged`: the export is the one imported last time, so nothing was written. */
  status: 'unchanged' | 'imported';
  import: RmdImportReport | null;
  alerts: RmdUpstreamAlerts | null;
}

export interface RmdUpstreamAlerts {
  /** (downstream, upstream) pairs outside the RMD found in the last 90 days of answers. */
  pairs: number;
  /** New outbox rows (each removal is told once; earlier ones are deduplicated). */
  emails: number;
  webhooks: number;
}

/** The period `at` falls in, `everyHours` long, counted from the epoch (24 hours: the UTC day). */
export function rmdWatchSlot(at: Date, everyHours: number): string {
  const ms = everyHours * 3_600_000;
  return new Date(Math.floor(at.getTime() / ms) * ms).toISOString();
}

/**
 * The worker's scheduled run: once per `everyHours` period, claimed by one worker however many ask
 * (`claimScheduledRun`). Null when this period was run already (here or elsewhere).
 */
export async function rmdWatchScheduled(
  ctx: CommandContext & { everyHours: number; read: () => Promise<RmdExport> },
): Promise<RmdWatchResult | null> {
  const now = ctx.clock.now();
  if (!(await claimScheduledRun(ctx.db, RMD_WATCH_SLOT_KEY, rmdWatchSlot(now, ctx.everyHours), now)))
    return null;
  return watchRmd(ctx);
}

/**
 * Reads the export, and unless it is byte for byte the one imported last time, imports it through
 * `importRmd` (decision 0008: one transaction, a refused file writes nothing) and then tells downstream
 * providers of upstreams outside the RMD (`alertRmdUpstreams`, which also records the export's hash, so a
 * failed alert step is retried with the next period).
 */
export async function watchRmd(
  ctx: CommandContext & { read: () => Promise<RmdExport> },
): Promise<RmdWatchResult> {
  authorize(policy.importRmd(ctx.actor), 'route');
  const exp = await ctx.read();
  const sha256 = createHash('sha256').update(exp.bytes).digest('hex');
  const last = await readSetting<{ sha256?: string }>(ctx.db, RMD_WATCH_SOURCE_KEY);
  if (last?.sha256 === sha256) return { status: 'unchanged', import: null, alerts: null };
  const report = await importRmd({
    ...ctx,
    input: { stream: exp.bytes, totalBytes: exp.bytes.byteLength },
    fileName: exp.name,
  });
  const alerts = await alertRmdUpstreams({ ...ctx, importId: report.importId, sha256 });
  return { status: 'imported', import: report, alerts };
}

/**
 * Tells each downstream provider, once per removal, that an upstream it named in a hop answered in the
 * last 90 days is absent from or removed from the RMD (email to its contacts, `rmd.upstream_removed`
 * webhook; the ITG's upstream-compliance alerts). One transaction; one audit entry when anything new was
 * written. Nothing before the first RMD import (with no RMD, nobody is "absent").
 */
export async function alertRmdUpstreams(
  ctx: CommandContext & { importId: string | null; sha256?: string },
): Promise<RmdUpstreamAlerts> {
  authorize(policy.importRmd(ctx.actor), 'route');
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    if ((await countRmdImports(tx)) === 0) return { pairs: 0, emails: 0, webhooks: 0 };
    const pairs = await recentUpstreamsOutsideRmd(
      tx,
      new Date(now.getTime() - RMD_WATCH_LOOKBACK_DAYS * DAY_MS),
    );
    const sent = await noticeRmdUpstreamsRemoved(tx, pairs, now);
    if (ctx.sha256)
      await writeSetting(
        tx,
        RMD_WATCH_SOURCE_KEY,
        { sha256: ctx.sha256, importId: ctx.importId, at: now.toISOString() },
        now,
        ctx.actor.userId,
      );
    const result = { pairs: pairs.length, ...sent };
    if (sent.emails + sent.webhooks > 0)
      await audit(tx, ctx, {
        action: 'rmd.upstream_alerts',
        subject: 'rmd',
        subjectId: ctx.importId,
        details: {
          downstreams: new Set(pairs.map((p) => p.downstreamId)).size,
          upstreams: new Set(pairs.map((p) => p.upstreamId)).size,
          emails: sent.emails,
          webhooks: sent.webhooks,
        },
      });
    return result;
  });
}
