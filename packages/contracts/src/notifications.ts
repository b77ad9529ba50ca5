import { z } from 'zod';
import { ZIsoDateTime, ZPageQuery, ZUuid } from './common';

export const WEBHOOK_EVENT_NAMES = [
  'hop.assigned',
  'hop.reminder',
  'hop.closed',
  'traceback.closed',
  'rmd.upstream_removed',
] as const;

export const ZWebhookCreate = z.object({
  url: z.url({ protocol: /^https?$/, message: 'must be an https:// URL' }).max(2000),
  events: z
    .array(z.enum(WEBHOOK_EVENT_NAMES))
    .min(1)
    .max(WEBHOOK_EVENT_NAMES.length)
    .default([...WEBHOOK_EVENT_NAMES]),
});

export const ZWebhook = z.object({
  id: ZUuid,
  providerId: ZUuid,
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  createdAt: ZIsoDateTime,
});
export type TWebhook = z.infer<typeof ZWebhook>;

export const ZWebhookCreated = ZWebhook.extend({
  /** The signing secret: shown once. Verify `Hoptrace-Signature: t=…,v1=…` as HMAC-SHA256 over `t.body`. */
  secret: z.string(),
});

export const ZWebhookParams = z.object({ id: ZUuid, webhookId: ZUuid });

export const ZWebhookDelivery = z.object({
  id: z.number().int(),
  notificationId: ZUuid,
  attempt: z.number().int(),
  at: ZIsoDateTime,
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
});

export const ZNotificationListQuery = ZPageQuery.extend({
  channel: z.enum(['email', 'webhook']).optional(),
  status: z.enum(['pending', 'sent', 'dead']).optional(),
  hopId: ZUuid.optional(),
});

export const ZNotification = z.object({
  id: ZUuid,
  channel: z.enum(['email', 'webhook']),
  topic: z.string(),
  recipient: z.string(),
  messageId: z.string(),
  status: z.enum(['pending', 'sent', 'dead']),
  attempts: z.number().int(),
  nextAttemptAt: ZIsoDateTime,
  lastError: z.string().nullable(),
  tracebackId: ZUuid.nullable(),
  hopId: ZUuid.nullable(),
  createdAt: ZIsoDateTime,
  sentAt: ZIsoDateTime.nullable(),
});
export type TNotification = z.infer<typeof ZNotification>;
