import { auditHeads, listAudit } from '@hoptrace/core';
import { ZAuditHead, ZAuditHeads, ZAuditPage, ZAuditQuery } from '@hoptrace/contracts';
import { bearer, ctxOf, typed, type App } from '../context';
import { HttpProblem } from '../plugins/problems';

/** The hash-chained audit ledger (decision 0024): admins browse it; its published head is public. */
export default function auditRoutes(app: App) {
  const r = typed(app);
  r.get(
    '/audit',
    {
      schema: {
        operationId: 'listAuditEntries',
        tags: ['audit'],
        summary: 'The audit ledger, newest first (admins)',
        description:
          'Every change (tracebacks and hops, users, roles, API keys, providers, webhooks, settings, DNO, RMD, referrals, merges, campaigns, call sources and feeds, sign-ins) and every read of customer details is one entry, hash-chained: `hash = sha256(prevHash ‖ entry)` where `entry` is the canonical JSON of the entry as stored. `actor` is a user id or an actor label; `subject` is `type:id`, a type, or an id; `action` is an action or a prefix ending in `.`. Check the whole chain with `hoptrace audit verify`.',
        security: bearer,
        querystring: ZAuditQuery,
        response: { 200: ZAuditPage },
      },
    },
    (request) => listAudit({ ...ctxOf(app, request), query: request.query }),
  );
  r.get(
    '/audit/head',
    {
      schema: {
        operationId: 'getAuditHead',
        tags: ['audit'],
        summary: "The ledger's head now and the last published head (admins)",
        security: bearer,
        response: { 200: ZAuditHeads },
      },
    },
    async (request) => {
      const ctx = ctxOf(app, request);
      const heads = await auditHeads({ db: ctx.db, actor: ctx.actor });
      // Only admins read the head as it is now; to anyone else this route does not exist.
      if (!heads.current) throw new HttpProblem(404, 'not found');
      return heads;
    },
  );
  r.get(
    '/public/audit-head',
    {
      config: { public: true },
      schema: {
        operationId: 'getPublishedAuditHead',
        tags: ['audit'],
        summary: "The audit ledger's last published head (no credentials)",
        description:
          'Published by the worker every HOPTRACE_AUDIT_HEAD_MINUTES when the ledger moved. Keep copies: `hoptrace audit verify --head SEQ:HASH` checks later that the chain still holds it, so a rewritten history shows. 404 before the first publication.',
        response: { 200: ZAuditHead },
      },
    },
    async (_request, reply) => {
      const { published } = await auditHeads({ db: app.db, actor: null });
      if (!published) throw new HttpProblem(404, 'no audit ledger head has been published yet');
      reply.header('cache-control', 'public, max-age=60');
      return published;
    },
  );
}
