import {
  hopLinkUrl,
  renderHopEmail,
  renderReferralEmail,
  renderLegalReminderEmail,
  renderRmdUpstreamRemovedEmail,
  type RmdUpstreamRemovedPayload,
  renderStaffEmail,
  renderWelcomeEmail,
  type Clock,
  type EmailPayload,
} from '@hoptrace/core';
import {
  claimOutbox,
  findWebhookEndpoint,
  insertWebhookDelivery,
  markOutboxDead,
  markOutboxRetry,
  markOutboxSent,
  redactText,
  type Db,
  type OutboxRow,
} from '@hoptrace/db';
import { urlForLog } from '../logging';
import type { EmailTransport } from './email';
import { deliverWebhook, signWebhook, SIGNATURE_HEADER, type WebhookPolicy } from './webhooks';

export interface DispatcherOptions {
  db: Db;
  clock: Clock;
  email: EmailTransport;
  mailFrom: string;
  publicUrl: string;
  webhookPolicy: WebhookPolicy;
  /** How long a claimed message is ours; a dispatcher that dies releases its claims when this runs out. */
  leaseMs?: number;
  /** First retry delay; each later one doubles, up to an hour. */
  retryBaseMs?: number;
  batch?: number;
  concurrency?: number;
  webhookTimeoutMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
  /** Told of each delivery's result (the server's metrics). */
  onResult?: (channel: OutboxRow['channel'], result: 'sent' | 'retry' | 'dead') => void;
}

const MINUTE = 60_000;
/** Webhooks are retried for up to 24 hours; email for three days, since a provider's mail server can be down a weekend. */
export const GIVE_UP_AFTER_MS = { webhook: 24 * 60 * MINUTE, email: 3 * 24 * 60 * MINUTE } as const;

/** Exponential backoff from 30 s, capped at an hour, with jitter so retries of a burst spread out. */
export function backoffMs(attempt: number, random: () => number = Math.random, firstMs = 30_000): number {
  const base = Math.min(firstMs * 2 ** Math.max(0, attempt - 1), 60 * MINUTE);
  return Math.round(base * (0.8 + 0.4 * random()));
}

function renderEmail(row: OutboxRow, publicUrl: string) {
  if (row.topic === 'provider.welcome')
    return renderWelcomeEmail(row.payload as unknown as Parameters<typeof renderWelcomeEmail>[0], publicUrl);
  if (row.topic === 'legal.reminder')
    return renderLegalReminderEmail(row.payload as Parameters<typeof renderLegalReminderEmail>[0], publicUrl);
  if (row.topic === 'rmd.upstream_removed')
    return renderRmdUpstreamRemovedEmail(row.payload as unknown as RmdUpstreamRemovedPayload);
  if (row.topic === 'traceback.non_responsive')
    return renderStaffEmail(row.payload as Parameters<typeof renderStaffEmail>[0], publicUrl);
  if (row.topic === 'referral.sent')
    return renderReferralEmail(
      row.payload as unknown as Parameters<typeof renderReferralEmail>[0],
      publicUrl,
    );
  const payload = row.payload as unknown as EmailPayload;
  const token = row.secrets?.linkToken;
  return renderHopEmail(row.topic, payload, token ? hopLinkUrl(publicUrl, payload.hopId, token) : null);
}

async function sendOne(row: OutboxRow, o: DispatcherOptions): Promise<{ ok: boolean; error: string | null }> {
  if (row.channel === 'email') {
    try {
      const rendered = renderEmail(row, o.publicUrl);
      await o.email.send({ from: o.mailFrom, to: row.recipient, messageId: row.messageId, ...rendered });
      return { ok: true, error: null };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  const endpoint = row.endpointId ? await findWebhookEndpoint(o.db, row.endpointId) : undefined;
  if (!endpoint || !endpoint.active) return { ok: true, error: 'endpoint removed; not delivered' };
  const body = JSON.stringify({ id: row.id, ...row.payload });
  const at = o.clock.now();
  const outcome = await deliverWebhook({
    url: endpoint.url,
    body,
    headers: {
      [SIGNATURE_HEADER]: signWebhook(endpoint.secret, body, at),
      'hoptrace-event': row.topic,
      // Receivers dedupe on this: it stays the same across retries.
      'hoptrace-delivery': row.id,
    },
    timeoutMs: o.webhookTimeoutMs ?? 10_000,
    policy: o.webhookPolicy,
  });
  await insertWebhookDelivery(o.db, {
    outboxId: row.id,
    endpointId: endpoint.id,
    attempt: row.attempts,
    at,
    statusCode: outcome.statusCode,
    error: outcome.error,
    durationMs: outcome.durationMs,
  });
  return { ok: outcome.ok, error: outcome.error };
}

/**
 * One pass: claim due messages, send them a few at a time, record each result.
 * A failure never holds up the rest of the queue: the failed message gets a
 * later attempt time and the next claim takes whatever is due.
 */
export async function dispatchOnce(
  o: DispatcherOptions,
): Promise<{ sent: number; failed: number; claimed: number }> {
  const claimed = await claimOutbox(o.db, {
    now: o.clock.now(),
    leaseMs: o.leaseMs ?? 2 * MINUTE,
    limit: o.batch ?? 100,
  });
  let sent = 0;
  let failed = 0;
  const queue = [...claimed];
  const lanes = Array.from({ length: Math.min(o.concurrency ?? 16, queue.length) }, async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      const result = await sendOne(row, o);
      const now = o.clock.now();
      if (result.ok) {
        await markOutboxSent(o.db, row.id, now);
        o.onResult?.(row.channel, 'sent');
        sent++;
        continue;
      }
      failed++;
      const error = result.error ?? 'failed';
      if (now.getTime() - row.createdAt.getTime() >= GIVE_UP_AFTER_MS[row.channel]) {
        await markOutboxDead(o.db, row.id, error);
        o.onResult?.(row.channel, 'dead');
        o.log?.('notice given up', {
          id: row.id,
          channel: row.channel,
          // A webhook URL may carry a token in its query; an error may quote what the receiver said.
          recipient: row.channel === 'webhook' ? urlForLog(row.recipient) : row.recipient,
          error: redactText(error),
        });
      } else {
        o.onResult?.(row.channel, 'retry');
        await markOutboxRetry(
          o.db,
          row.id,
          new Date(now.getTime() + backoffMs(row.attempts, Math.random, o.retryBaseMs)),
          error,
        );
      }
    }
  });
  await Promise.all(lanes);
  return { sent, failed, claimed: claimed.length };
}
