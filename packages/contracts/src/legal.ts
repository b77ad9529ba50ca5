import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';
import { ZPhoneNumber } from './phone';

/** The kinds of legal process the register holds. */
export const LEGAL_KINDS = ['subpoena', 'cid', 'other'] as const;
export const LEGAL_STATUSES = ['received', 'gathering', 'responded', 'closed'] as const;
export const ZLegalKind = z.enum(LEGAL_KINDS);
export const ZLegalStatus = z.enum(LEGAL_STATUSES);
export type TLegalStatus = z.infer<typeof ZLegalStatus>;
export type TLegalKind = z.infer<typeof ZLegalKind>;

const ZDay = z.iso.date();
const ZText = (max: number) => z.string().trim().min(1, 'must not be blank').max(max);

/** What the request asks for; at least one of the criteria must be given. */
export const ZLegalScope = z
  .object({
    tracebackIds: z.array(ZUuid).max(500).default([]),
    numbers: z.array(ZPhoneNumber).max(200).default([]),
    from: ZDay.nullable().default(null),
    to: ZDay.nullable().default(null),
    campaignIds: z.array(ZUuid).max(100).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.from && s.to && s.from > s.to)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    if (!s.tracebackIds.length && !s.numbers.length && !s.campaignIds.length && !s.from && !s.to)
      ctx.addIssue({
        code: 'custom',
        path: ['tracebackIds'],
        message: 'name at least one traceback, number, campaign or a date range',
      });
  });
export type TLegalScope = z.infer<typeof ZLegalScope>;

export const ZLegalRequestCreate = z
  .object({
    kind: ZLegalKind,
    /** The issuing agency's name, as on the document. */
    issuingAgency: ZText(200),
    /** The issuing agency in the directory, if it is there: its enforcement users then see the request's status. */
    issuingAgencyId: ZUuid.optional(),
    number: ZText(100),
    receivedOn: ZDay,
    dueOn: ZDay,
    scope: ZLegalScope,
    notes: z.string().trim().max(5000).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.dueOn < r.receivedOn)
      ctx.addIssue({ code: 'custom', path: ['dueOn'], message: 'must not be before receivedOn' });
  });
export type TLegalRequestCreate = z.infer<typeof ZLegalRequestCreate>;

export const ZLegalRequestPatch = z
  .object({
    issuingAgency: ZText(200).optional(),
    /** null: not linked to the directory. */
    issuingAgencyId: ZUuid.nullable().optional(),
    number: ZText(100).optional(),
    dueOn: ZDay.optional(),
    scope: ZLegalScope.optional(),
    status: ZLegalStatus.optional(),
    notes: z.string().trim().max(5000).nullable().optional(),
  })
  .strict();
export type TLegalRequestPatch = z.infer<typeof ZLegalRequestPatch>;

export const ZLegalGather = z.object({ tracebackIds: z.array(ZUuid).min(1).max(200) }).strict();
export type TLegalGather = z.infer<typeof ZLegalGather>;

export const ZLegalResponse = z
  .object({
    respondedAt: ZIsoDateTime,
    /** How the response went out: e.g. "email to counsel", "secure portal", "courier". */
    method: ZText(200),
    /** The evidence package sent (one built for this request). */
    packageId: ZUuid.nullable().optional(),
    note: z.string().trim().max(5000).optional(),
  })
  .strict();
export type TLegalResponse = z.infer<typeof ZLegalResponse>;

export const ZLegalRequestQuery = z.object({ status: ZLegalStatus.optional() });

export const ZLegalMatch = z.object({
  id: ZUuid,
  openedAt: ZIsoDateTime,
  status: z.string(),
  outcome: z.string().nullable(),
  call: z.object({ startedAt: ZIsoDateTime, callingNumber: z.string(), calledNumber: z.string() }),
  campaignId: ZUuid.nullable(),
});
export type TLegalMatch = z.infer<typeof ZLegalMatch>;
export const ZLegalMatchList = z.object({ items: z.array(ZLegalMatch), truncated: z.boolean() });
export type TLegalMatchList = z.infer<typeof ZLegalMatchList>;

export const ZLegalRequest = z.object({
  id: ZUuid,
  kind: ZLegalKind,
  issuingAgency: z.string(),
  issuingAgencyId: ZUuid.nullable(),
  number: z.string(),
  receivedOn: z.string(),
  dueOn: z.string(),
  /** Past its due date and not yet responded or closed. */
  overdue: z.boolean(),
  daysLeft: z.number().int(),
  scope: z.object({
    tracebackIds: z.array(z.string()),
    numbers: z.array(z.string()),
    from: z.string().nullable(),
    to: z.string().nullable(),
    campaignIds: z.array(z.string()),
  }),
  status: ZLegalStatus,
  notes: z.string().nullable(),
  document: z
    .object({ name: z.string(), size: z.number().int(), sha256: z.string(), url: z.string() })
    .nullable(),
  gathered: z.object({ tracebackIds: z.array(ZUuid), at: ZIsoDateTime.nullable() }),
  packageId: ZUuid.nullable(),
  packageUrl: z.string().nullable(),
  response: z.object({ at: ZIsoDateTime, method: z.string(), note: z.string().nullable() }).nullable(),
  createdAt: ZIsoDateTime,
  updatedAt: ZIsoDateTime,
});
export type TLegalRequest = z.infer<typeof ZLegalRequest>;
export const ZLegalRequestList = z.object({ items: z.array(ZLegalRequest) });
export type TLegalRequestList = z.infer<typeof ZLegalRequestList>;

/**
 * A legal request as the issuing agency's enforcement users see it: what it is and where it stands. No scope
 * (numbers), notes, document, gathered set or package: the agency holds its own copy of what it sent.
 */
export const ZIssuedLegalRequest = z.object({
  id: ZUuid,
  kind: ZLegalKind,
  number: z.string(),
  receivedOn: z.string(),
  dueOn: z.string(),
  status: ZLegalStatus,
  overdue: z.boolean(),
  respondedAt: ZIsoDateTime.nullable(),
});
export type TIssuedLegalRequest = z.infer<typeof ZIssuedLegalRequest>;
export const ZIssuedLegalRequestList = z.object({ items: z.array(ZIssuedLegalRequest) });
export type TIssuedLegalRequestList = z.infer<typeof ZIssuedLegalRequestList>;

// Cease-and-desist letters

export const LETTER_ISSUERS = ['FCC', 'FTC'] as const;
export const ZLetterCreate = z
  .object({
    issuer: z.enum(LETTER_ISSUERS),
    issuedOn: ZDay,
    responseDueOn: ZDay.optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    summary: ZText(5000),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.responseDueOn && l.responseDueOn < l.issuedOn)
      ctx.addIssue({ code: 'custom', path: ['responseDueOn'], message: 'must not be before issuedOn' });
  });
export type TLetterCreate = z.infer<typeof ZLetterCreate>;

export const ZLetter = z.object({
  id: ZUuid,
  providerId: ZUuid,
  issuer: z.enum(LETTER_ISSUERS),
  issuedOn: z.string(),
  responseDueOn: z.string().nullable(),
  url: z.string().nullable(),
  summary: z.string(),
  document: z.object({ name: z.string(), sha256: z.string(), url: z.string() }).nullable(),
  createdAt: ZIsoDateTime,
});
export type TLetter = z.infer<typeof ZLetter>;
export const ZLetterList = z.object({ items: z.array(ZLetter), count: z.number().int() });
export type TLetterList = z.infer<typeof ZLetterList>;

/** The red flag on a hop whose provider had a cease-and-desist letter on file by the time of the call. */
export const ZHopLetterFlag = z.object({
  id: ZUuid,
  issuer: z.enum(LETTER_ISSUERS),
  issuedOn: z.string(),
});
export type THopLetterFlag = z.infer<typeof ZHopLetterFlag>;
