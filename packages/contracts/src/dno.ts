import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';

export const DNO_CATEGORY_VALUES = [
  'subscriber_requested',
  'invalid',
  'unallocated',
  'allocated_unused',
] as const;
export const ZDnoCategory = z.enum(DNO_CATEGORY_VALUES);

/** Range endpoints are given in E.164: they need not be dialable numbers (a block starts at exchange 000). */
const ZE164 = z
  .string()
  .regex(/^\+[1-9]\d{1,14}$/, 'must be E.164: "+" and up to 15 digits, e.g. +12025550143');
const ZText = (max: number) => z.string().trim().min(1).max(max);

/** One entry to add: a single `number` (as typed; normalised by the classifier) or a `start`–`end` range. */
export const ZDnoEntryCreate = z
  .object({
    category: ZDnoCategory,
    number: z.string().max(40).optional(),
    start: ZE164.optional(),
    end: ZE164.optional(),
    source: ZText(500).optional(),
    reason: ZText(2000).optional(),
    /** Who asked for a subscriber-requested entry (an agency, a bank): required for that category. */
    organisation: ZText(500).optional(),
    evidence: ZText(2000).optional(),
  })
  .strict();
export type TDnoEntryCreate = z.infer<typeof ZDnoEntryCreate>;

export const ZDnoEntriesCreate = z.object({ entries: z.array(ZDnoEntryCreate).min(1).max(1000) }).strict();
export type TDnoEntriesCreate = z.infer<typeof ZDnoEntriesCreate>;

export const ZDnoRetire = z.object({ reason: ZText(2000).optional() }).strict();

export const ZDnoEntry = z.object({
  id: ZUuid,
  category: ZDnoCategory,
  start: z.string(),
  end: z.string(),
  source: z.string().nullable(),
  reason: z.string().nullable(),
  organisation: z.string().nullable(),
  evidence: z.string().nullable(),
  addedAt: ZIsoDateTime,
  removedAt: ZIsoDateTime.nullable(),
  versionAdded: z.number().int(),
  versionRemoved: z.number().int().nullable(),
});
export type TDnoEntry = z.infer<typeof ZDnoEntry>;

export const ZDnoEntriesResult = z.object({
  version: z.number().int(),
  /** Each input entry in order: newly added, or already on the list (nothing changed). */
  results: z.array(z.object({ status: z.enum(['added', 'unchanged']), entry: ZDnoEntry })),
});

export const ZDnoImportReport = z.object({
  version: z.number().int(),
  stats: z.object({
    rows: z.number().int(),
    added: z.number().int(),
    unchanged: z.number().int(),
    rejected: z.number().int(),
  }),
  /** One report per data row, in file order; `message` says why a row was rejected, or its warnings. */
  rows: z.array(
    z.object({
      line: z.number().int(),
      status: z.enum(['added', 'unchanged', 'rejected']),
      message: z.string(),
      entryId: ZUuid.nullable(),
    }),
  ),
});
export type TDnoImportReport = z.infer<typeof ZDnoImportReport>;

export const ZDnoListQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });

export const ZDnoChangesQuery = z.object({
  since: z.coerce.number().int().min(0),
  limit: z.coerce.number().int().min(1).max(50_000).default(10_000),
});

export const ZDnoChanges = z.object({
  since: z.number().int(),
  /** The version after the last change returned; pass it back as `since` while `more` is true. */
  version: z.number().int(),
  more: z.boolean(),
  changes: z.array(
    z.object({
      version: z.number().int(),
      kind: z.enum(['added', 'removed']),
      at: ZIsoDateTime,
      entry: ZDnoEntry,
    }),
  ),
});
export type TDnoChanges = z.infer<typeof ZDnoChanges>;

export const ZDnoCheckQuery = z.object({ number: z.string().min(1).max(40) });
export const DNO_BATCH_LIMIT = 10_000;
export const ZDnoCheckBatch = z
  .object({ numbers: z.array(z.string().max(40)).min(1).max(DNO_BATCH_LIMIT) })
  .strict();

export const ZDnoCheckResult = z.object({
  input: z.string(),
  /** The E.164 form, or null when the number is not valid (then `invalid` says why). */
  e164: z.string().nullable(),
  invalid: z.object({ reason: z.string(), message: z.string() }).nullable(),
  listed: z.boolean(),
  entry: ZDnoEntry.nullable(),
});
export type TDnoCheckResult = z.infer<typeof ZDnoCheckResult>;

export const ZDnoCheckBatchResult = z.object({
  version: z.number().int(),
  results: z.array(ZDnoCheckResult),
});
