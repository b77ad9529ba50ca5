import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';

/** A provider's standing in the FCC's Robocall Mitigation Database, from its linked filing. */
export const ZProviderRmd = z.object({
  status: z.enum(['filed', 'removed', 'absent']),
  filingNumber: z.string().nullable(),
  frn: z.string().nullable(),
  implementation: z.enum(['complete', 'partial', 'none', 'unknown']).nullable(),
  providerTypes: z
    .object({
      voice: z.boolean().nullable(),
      gateway: z.boolean().nullable(),
      intermediate: z.boolean().nullable(),
    })
    .nullable(),
  removedAt: ZIsoDateTime.nullable(),
  /** The business address as filed (absent from responses that did not look it up). */
  businessAddress: z.string().nullable().optional(),
});
export type TProviderRmd = z.infer<typeof ZProviderRmd>;

/** A hop's provider as the RMD stood at the time of the call; `flagged` when it was absent or removed. */
export const ZHopRmd = z.object({ status: z.enum(['filed', 'removed', 'absent']), flagged: z.boolean() });
export type THopRmd = z.infer<typeof ZHopRmd>;

export const ZRmdImportQuery = z.object({
  fileName: z.string().max(200).optional(),
  /** When the export was taken (removals are recorded with this date); defaults to now. */
  noticedAt: z.iso.datetime({ offset: true }).optional(),
});

export const ZRmdImportReport = z.object({
  importId: ZUuid,
  keyedBy: z.enum(['filingNumber', 'frn']),
  stats: z.object({
    rows: z.number().int(),
    records: z.number().int(),
    added: z.number().int(),
    changed: z.number().int(),
    removed: z.number().int(),
    unchanged: z.number().int(),
    notCompared: z.number().int(),
    linked: z.number().int(),
    proposed: z.number().int(),
    rowProblems: z.number().int(),
  }),
  rowProblems: z.array(
    z.object({
      line: z.number().int(),
      field: z.string(),
      severity: z.string(),
      code: z.string(),
      message: z.string(),
    }),
  ),
  elapsedMs: z.number(),
});

export const ZRmdProposalQuery = z.object({
  status: z.enum(['pending', 'accepted', 'rejected']).default('pending'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ZRmdProposal = z.object({
  id: ZUuid,
  status: z.enum(['pending', 'accepted', 'rejected']),
  score: z.number(),
  reasons: z.array(z.unknown()),
  provider: z.object({ id: ZUuid, name: z.string() }),
  filing: z.object({
    id: ZUuid,
    filingNumber: z.string().nullable(),
    frn: z.string().nullable(),
    businessName: z.string().nullable(),
  }),
  createdAt: ZIsoDateTime,
});
export type TRmdProposal = z.infer<typeof ZRmdProposal>;

export const ZRmdDecision = z.object({ decision: z.enum(['accept', 'reject']) }).strict();
