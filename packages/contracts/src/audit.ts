import { z } from 'zod';
import { ZIsoDateTime, ZPage, ZPageQuery } from './common';

/** What a ledger entry is about. */
export const AUDIT_SUBJECT_TYPES = [
  'traceback',
  'user',
  'session',
  'api_key',
  'provider',
  'webhook',
  'settings',
  'dno',
  'rmd',
  'campaign',
  'call_source',
  'feed_key',
  'calls',
  'statistics',
  'agency',
  'traceback_request',
  'evidence_key',
  'ledger',
  'legal_request',
  'provider_letter',
  'none',
] as const;
export const ZAuditSubjectType = z.enum(AUDIT_SUBJECT_TYPES);
export type TAuditSubjectType = z.infer<typeof ZAuditSubjectType>;

const HEX64 = /^[0-9a-f]{64}$/;

/** One entry of the hash-chained audit ledger (decision 0024). */
export const ZAuditEntry = z.object({
  seq: z.number().int(),
  at: ZIsoDateTime,
  actor: z.string(),
  actorUserId: z.string().nullable(),
  action: z.string(),
  subject: z.object({ type: z.string(), id: z.string().nullable() }),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string().regex(HEX64),
  hash: z.string().regex(HEX64),
});
export type TAuditEntry = z.infer<typeof ZAuditEntry>;

/**
 * `GET /api/v1/audit`: `actor` is a user id or an actor label (an email address, `system:clock`);
 * `subject` is `type:id`, a type alone, or an id alone; `action` is an action or a prefix ending in `.`.
 */
export const ZAuditQuery = ZPageQuery.extend({
  actor: z.string().trim().min(1).max(320).optional(),
  subject: z.string().trim().min(1).max(200).optional(),
  action: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9_.-]+$/i, 'is an action such as hop.answered, or a prefix such as hop.')
    .optional(),
});
export type TAuditQuery = z.infer<typeof ZAuditQuery>;
export const ZAuditPage = ZPage(ZAuditEntry);
export type TAuditPage = z.infer<typeof ZAuditPage>;

/** The ledger's head as published: anyone can keep it and check later that the chain still holds it. */
export const ZAuditHead = z.object({
  seq: z.number().int(),
  hash: z.string().regex(HEX64),
  publishedAt: ZIsoDateTime.nullable(),
});
export type TAuditHead = z.infer<typeof ZAuditHead>;
export const ZAuditHeads = z.object({
  /** The head now (admins only; null on the public route). */
  current: z.object({ seq: z.number().int(), hash: z.string().regex(HEX64) }).nullable(),
  /** The last published head. */
  published: ZAuditHead.nullable(),
});
export type TAuditHeads = z.infer<typeof ZAuditHeads>;
