import { z } from 'zod';
import { ZIsoDateTime, ZUuid } from './common';
import { ZCall } from './tracebacks';

/** The directory of enforcement agencies (decision 0026). */
export const AGENCY_KINDS = ['federal', 'state', 'local'] as const;
export type TAgencyKind = (typeof AGENCY_KINDS)[number];

export const ZAgencyName = z.string().trim().min(1, 'must not be blank').max(200);

export const ZAgencyContact = z
  .object({
    name: z.string().trim().min(1, 'must not be blank').max(200),
    email: z.email().max(320),
    /** Told at once of urgent matters. */
    escalation: z.boolean().default(false),
  })
  .strict();
export type TAgencyContact = z.infer<typeof ZAgencyContact>;

export const ZAgencyCreate = z
  .object({
    name: ZAgencyName,
    kind: z.enum(AGENCY_KINDS),
    /** Where it acts, e.g. "United States", "Ohio", "Travis County, TX". */
    jurisdiction: z.string().trim().min(1).max(200).optional(),
    contacts: z.array(ZAgencyContact).max(50).default([]),
  })
  .strict();
export type TAgencyCreate = z.infer<typeof ZAgencyCreate>;

export const ZAgencyPatch = z
  .object({
    name: ZAgencyName.optional(),
    kind: z.enum(AGENCY_KINDS).optional(),
    jurisdiction: z.string().trim().min(1).max(200).nullable().optional(),
    /** Replaces the whole list. */
    contacts: z.array(ZAgencyContact).max(50).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, {
    message: 'change at least one of name, kind, jurisdiction, contacts',
  });
export type TAgencyPatch = z.infer<typeof ZAgencyPatch>;

export const ZAgencyOut = z.object({
  id: ZUuid,
  name: z.string(),
  /** Null only on an agency migrated from the old free-text names until an admin sets it. */
  kind: z.enum(AGENCY_KINDS).nullable(),
  jurisdiction: z.string().nullable(),
  contacts: z.array(z.object({ name: z.string(), email: z.string(), escalation: z.boolean() })),
  createdAt: ZIsoDateTime,
  updatedAt: ZIsoDateTime,
});
export type TAgency = z.infer<typeof ZAgencyOut>;

export const ZAgencyList = z.object({ items: z.array(ZAgencyOut) });
export type TAgencyList = z.infer<typeof ZAgencyList>;

/** Urgency of an agency's request: `urgent` (a live threat) runs on the short clock that ignores business hours. */
export const URGENCIES = ['normal', 'urgent'] as const;
export const REQUEST_STATUSES = ['pending', 'accepted', 'declined'] as const;
export type TRequestStatus = (typeof REQUEST_STATUSES)[number];

/** Evidence with a request: the file's bytes as base64; its type is read from the bytes (PDF, image, audio). */
export const ZRequestAttachmentIn = z
  .object({
    name: z.string().trim().min(1, 'must not be blank').max(200),
    dataBase64: z
      .string()
      .min(1, 'must not be empty')
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
  })
  .strict();

export const ZTracebackRequestCreate = z
  .object({
    call: ZCall.extend({
      /** The provider that terminated the call, when the agency knows it. */
      terminatingProviderId: z.uuid().optional(),
    }).strict(),
    /** Why it matters (the harm, the victims, the case). */
    reason: z.string().trim().min(1, 'must not be blank').max(5000),
    urgency: z.enum(URGENCIES).default('normal'),
    attachments: z.array(ZRequestAttachmentIn).max(5).default([]),
  })
  .strict();
export type TTracebackRequestCreate = z.infer<typeof ZTracebackRequestCreate>;

export const ZTracebackRequestDecline = z
  .object({ reason: z.string().trim().min(1, 'must not be blank').max(2000) })
  .strict();

export const ZTracebackRequestListQuery = z.object({
  status: z.enum(REQUEST_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

export const ZRequestAttachment = z.object({
  id: ZUuid,
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  uploadedAt: ZIsoDateTime,
});
export type TRequestAttachment = z.infer<typeof ZRequestAttachment>;

export const ZTracebackRequest = z.object({
  id: ZUuid,
  agencyId: ZUuid,
  agency: z.string(),
  submittedBy: z.string().nullable(),
  submittedAt: ZIsoDateTime,
  call: z.object({
    startedAt: ZIsoDateTime,
    callingNumber: z.string(),
    calledNumber: z.string(),
    terminatingProviderId: ZUuid.nullable(),
    terminatingProviderName: z.string().nullable(),
  }),
  reason: z.string(),
  urgency: z.enum(URGENCIES),
  /** The call was under ten days old when submitted (the ITG's priority rule): such requests sort first. */
  recentCall: z.boolean(),
  status: z.enum(REQUEST_STATUSES),
  decidedAt: ZIsoDateTime.nullable(),
  declineReason: z.string().nullable(),
  /** Once accepted: the traceback it opened, with its state. */
  traceback: z
    .object({ id: ZUuid, status: z.string(), outcome: z.string().nullable(), referredToYou: z.boolean() })
    .nullable(),
  attachments: z.array(ZRequestAttachment),
  can: z.object({ accept: z.boolean(), decline: z.boolean() }),
});
export type TTracebackRequest = z.infer<typeof ZTracebackRequest>;

export const ZTracebackRequestList = z.object({ items: z.array(ZTracebackRequest) });
export type TTracebackRequestList = z.infer<typeof ZTracebackRequestList>;
