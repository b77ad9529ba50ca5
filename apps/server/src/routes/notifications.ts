import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  NotFoundError,
  policy,
} from '@hoptrace/core';
import {
  ZIdParams,
  ZNotification,
  ZNotificationListQuery,
  ZPage,
  ZWebhook,
  ZWebhookCreate,
  ZWebhookCreated,
  ZWebhookDelivery,
  ZWebhookParams,
} from '@hoptrace/contracts';
import { listOutbox, type OutboxRow, type WebhookEndpointRow } from '@hoptrace/db';
import { z } from 'zod';
import { bearer, ctxOf, typed, type App } from '../context';
import { refuseWebhookUrl, type WebhookPolicy } from '../worker/webhooks';

const presentWebhook = (w: WebhookEndpointRow) => ({
  id: w.id,
  providerId: w.providerId,
  url: w.url,
  events: w.events,
  active: w.active,
  createdAt: w.createdAt.toISOString(),
});

// Never the payload or link tokens: what was sent, to whom, and how it went.
const presentNotification = (n: OutboxRow) => ({
  id: n.id,
  channel: n.channel,
  topic: n.topic,
  recipient: n.recipient,
  messageId: n.messageId,
  status: n.status,
  attempts: n.attempts,
  nextAttemptAt: n.nextAttemptAt.toISOString(),
  lastError: n.lastError,
  tracebackId: n.tracebackId,
  hopId: n.hopId,
  createdAt: n.createdAt.toISOString(),
  sentAt: n.sentAt ? n.sentAt.toISOString() : null,
});

export default function notificationRoutes(app: App, opts: { webhookPolicy: WebhookPolicy }) {
  const r = typed(app);
  r.get(
    '/notifications',
    {
      schema: {
        operationId: 'listNotifications',
        tags: ['notifications'],
        summary: 'Emails and webhooks hoptrace has queued or sent, newest first (staff)',
        security: bearer,
        querystring: ZNotificationListQuery,
        response: { 200: ZPage(ZNotification) },
      },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      if (!policy.readNotifications(ctx.actor)) throw new NotFoundError('route');
      const page = await listOutbox(ctx.db, request.query, request.query);
      return { items: page.items.map(presentNotification), nextCursor: page.nextCursor };
    },
  );
  r.post(
    '/providers/:id/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        tags: ['webhooks'],
        summary:
          'Register a webhook endpoint for a provider (its own users or staff); the signing secret is shown once',
        security: bearer,
        params: ZIdParams,
        body: ZWebhookCreate,
        response: { 201: ZWebhookCreated },
      },
    },
    async (request, reply) => {
      const { row, secret } = await createWebhook({
        ...ctxOf(app, request),
        providerId: request.params.id,
        input: request.body,
        refuseUrl: (url) => refuseWebhookUrl(url, opts.webhookPolicy),
      });
      return reply.code(201).send({ ...presentWebhook(row), secret });
    },
  );
  r.get(
    '/providers/:id/webhooks',
    {
      schema: {
        operationId: 'listWebhooks',
        tags: ['webhooks'],
        summary: "A provider's webhook endpoints",
        security: bearer,
        params: ZIdParams,
        response: { 200: z.object({ items: z.array(ZWebhook) }) },
      },
    },
    async (request) => ({
      items: (await listWebhooks({ ...ctxOf(app, request), providerId: request.params.id })).map(
        presentWebhook,
      ),
    }),
  );
  r.delete(
    '/providers/:id/webhooks/:webhookId',
    {
      schema: {
        operationId: 'deleteWebhook',
        tags: ['webhooks'],
        summary: 'Stop delivering to an endpoint (its log stays)',
        security: bearer,
        params: ZWebhookParams,
      },
    },
    async (request, reply) => {
      await deleteWebhook({
        ...ctxOf(app, request),
        providerId: request.params.id,
        webhookId: request.params.webhookId,
      });
      return reply.code(204).send();
    },
  );
  r.get(
    '/providers/:id/webhooks/:webhookId/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: ['webhooks'],
        summary: 'Delivery log of an endpoint, newest first: every attempt with its HTTP status or error',
        security: bearer,
        params: ZWebhookParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ items: z.array(ZWebhookDelivery) }) },
      },
    },
    async (request) => {
      const rows = await listDeliveries({
        ...ctxOf(app, request),
        providerId: request.params.id,
        webhookId: request.params.webhookId,
        limit: request.query.limit,
      });
      return {
        items: rows.map((d) => ({
          id: d.id,
          notificationId: d.outboxId,
          attempt: d.attempt,
          at: d.at.toISOString(),
          statusCode: d.statusCode,
          error: d.error,
          durationMs: d.durationMs,
        })),
      };
    },
  );
}
