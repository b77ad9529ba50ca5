import { z } from 'zod';
import { ZIsoDateTime, ZPageQuery, ZUuid } from './common';
import { ZPhoneNumber } from './phone';
import { ZCountry } from './providers';
import { ZHopRmd } from './rmd';
import { ZHopLetterFlag } from './legal';
import { ZHopReceived, ZReceivedSignalling, ZSignerRequest, ZTracebackShaken } from './shaken';
import { storableText } from './text';

export const TRACEBACK_STATUSES = ['open', 'closed'] as const;
/**
 * `trace`: a call traced upstream hop by hop. `forward`: one request to the provider that holds a
 * campaign's callback number, asking whose customer is behind it (decision 0016).
 */
export const TRACEBACK_KINDS = ['trace', 'forward'] as const;
export type TTracebackKind = (typeof TRACEBACK_KINDS)[number];
export const OUTCOMES = [
  'origin_identified',
  'foreign_origin',
  'non_responsive',
  'dead_end',
  'cancelled',
] as const;
export const HOP_STATUSES = ['pending', 'answered', 'non_responsive', 'withdrawn'] as const;
export const ORIGIN_ACTIONS = ['terminated', 'warned', 'blocked', 'investigating', 'none'] as const;
export const ANSWER_CHANNELS = ['api', 'portal', 'link', 'bulk', 'agent', 'staff'] as const;
export type TOutcome = (typeof OUTCOMES)[number];
export type THopStatus = (typeof HOP_STATUSES)[number];
export type TOriginAction = (typeof ORIGIN_ACTIONS)[number];
export type TAnswerChannel = (typeof ANSWER_CHANNELS)[number];

/** Before this, no call record anyone could trace exists; also catches two-digit-year mistakes. */
export const EARLIEST_CALL_TIME = new Date('1990-01-01T00:00:00Z');

export const ZCall = z.object({
  startedAt: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-11-20T15:04:05Z' })
    .transform((s) => new Date(s))
    .refine((d) => d >= EARLIEST_CALL_TIME, 'must not be before 1990-01-01'),
  callingNumber: ZPhoneNumber,
  calledNumber: ZPhoneNumber,
});

export const ZTracebackOpen = z.object({
  call: ZCall,
  firstProviderId: ZUuid,
  campaignId: ZUuid.optional(),
  /** The SIP Identity header the terminating provider received, as text. */
  identityHeader: z.string().trim().min(1).max(8192).optional(),
  note: z.string().trim().max(5000).optional(),
  /** The call record traced (campaign intelligence): its source names the first provider. */
  callId: ZUuid.optional(),
  /** Why it was opened, when not by hand: kept on the timeline. */
  openedBecause: z
    .object({
      kind: z.literal('campaign_rank'),
      rank: z.number().int().min(1),
      calls24h: z.number().int().min(0),
      calls7d: z.number().int().min(0),
      policy: z.string().max(200),
    })
    .optional(),
});
export type TTracebackOpen = z.infer<typeof ZTracebackOpen>;

export const ZNewProvider = z.object({
  name: z.string().trim().min(1).max(300),
  country: ZCountry.optional(),
  contactName: z.string().trim().min(1).max(200).optional(),
  contactEmail: z.email().max(320),
  contactPhone: z.string().trim().max(40).optional(),
});

const comment = z.string().trim().max(5000).optional();

export const ZCustomer = z.object({
  name: z.string().trim().min(1).max(300),
  address: z.string().trim().max(1000).optional(),
  contact: z.string().trim().max(500).optional(),
  accountRef: z.string().trim().max(200).optional(),
});

// storableText: bulk answer files parse each row with this schema, outside the API's request check.
export const ZHopAnswer = storableText(
  z.discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('upstream'),
        upstreamProviderId: ZUuid.optional(),
        upstreamProvider: ZNewProvider.optional(),
        /** What the provider received with the call from that upstream (STIR/SHAKEN along the path). */
        received: ZReceivedSignalling.optional(),
        comment,
      })
      .superRefine((v, ctx) => {
        const given = Number(v.upstreamProviderId !== undefined) + Number(v.upstreamProvider !== undefined);
        if (given !== 1)
          ctx.addIssue({
            code: 'custom',
            path: ['upstreamProviderId'],
            message:
              'name the upstream provider: either upstreamProviderId from the directory, or upstreamProvider',
          });
      }),
    z.object({
      kind: z.literal('origin'),
      customer: ZCustomer,
      action: z.enum(ORIGIN_ACTIONS),
      /** Whether the customer holds (is assigned or licensed) the calling number; weighs A attestations. */
      numberHeld: z.boolean().optional(),
      /** What the provider received with the call from its customer. */
      received: ZReceivedSignalling.optional(),
      comment,
    }),
    z.object({ kind: z.literal('not_found'), comment }),
  ]),
);
export type THopAnswer = z.infer<typeof ZHopAnswer>;

export const ZTracebackAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('cancel'), note: comment }),
  z.object({ action: z.literal('close'), outcome: z.enum(OUTCOMES), note: comment }),
  /** Resume the inquiry: with providerId, request a new hop from that provider; without, re-request the last unanswered one. */
  z.object({ action: z.literal('reopen'), providerId: ZUuid.optional(), note: comment }),
  z.object({ action: z.literal('reassign'), hopId: ZUuid, providerId: ZUuid, note: comment }),
  /** Ask the provider that signed the call (STIR/SHAKEN) to confirm the origin, beside the path. */
  z.object({ action: z.literal('request_signer_hop'), note: comment }),
  /**
   * A path that ended at the border (foreign_origin, decision 0035) goes on abroad: reopened with a request to the
   * provider abroad the entry point named, where that provider cooperates. The entry point stays recorded.
   */
  z.object({ action: z.literal('continue_abroad'), note: comment }),
]);
export type TTracebackAction = z.infer<typeof ZTracebackAction>;

// PostgreSQL has no year 0, which an ISO string with a negative offset can reach.
const ZInstant = ZIsoDateTime.transform((s) => new Date(s)).refine(
  (d) => d.getUTCFullYear() >= 1000,
  'must be after the year 1000',
);

export const ZTracebackListQuery = ZPageQuery.extend({
  /** Traces by default: forward requests (one question about a callback number) are listed apart. */
  kind: z
    .enum([...TRACEBACK_KINDS, 'all'])
    .default('trace')
    .describe('trace (default): calls traced upstream; forward: requests about callback numbers; all'),
  status: z.enum(TRACEBACK_STATUSES).optional(),
  /** `opened` (default): newest first; `due`: waiting on a provider, the soonest deadline first. */
  sort: z.enum(['opened', 'due']).optional(),
  outcome: z.enum(OUTCOMES).optional(),
  campaignId: ZUuid.optional(),
  providerId: ZUuid.optional(),
  /** Calling or called number, in any common format. */
  number: ZPhoneNumber.optional(),
  /** Opened at or after this instant. */
  openedFrom: ZInstant.optional(),
  /** Opened before this instant. */
  openedBefore: ZInstant.optional(),
});
export type TTracebackListQuery = z.infer<typeof ZTracebackListQuery>;

export const ZHopListQuery = ZPageQuery.extend({ status: z.enum(HOP_STATUSES).optional() });

/**
 * The call traced. A forward request has no call: `callingNumber` is the number asked about,
 * `calledNumber` is empty, and `startedAt` is when the number was last heard in the campaign's calls.
 */
const ZCallOut = z.object({ startedAt: ZIsoDateTime, callingNumber: z.string(), calledNumber: z.string() });

/** What a forward request asks its provider: whose customer is behind this number (last heard then). */
export const ZForwardRequest = z.object({ number: z.string(), lastHeardAt: ZIsoDateTime });

export const ZAnswerOut = z.object({
  kind: z.enum(['upstream', 'origin', 'not_found']),
  upstreamProviderId: ZUuid.optional(),
  action: z.enum(ORIGIN_ACTIONS).optional(),
  comment: z.string().optional(),
});

/** A PDF a provider attached to its hop (the bytes are downloaded from /attachments/:id). */
export const ZAttachment = z.object({
  id: ZUuid,
  hopId: ZUuid,
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  uploadedAt: ZIsoDateTime,
});
export type TAttachment = z.infer<typeof ZAttachment>;
export const ZAttachmentList = z.object({ items: z.array(ZAttachment) });

export const ZHopSummary = z.object({
  id: ZUuid,
  seq: z.number().int(),
  line: z.string(),
  providerId: ZUuid,
  providerName: z.string(),
  namedByHopId: ZUuid.nullable(),
  status: z.enum(HOP_STATUSES),
  requestedAt: ZIsoDateTime,
  receivedAt: ZIsoDateTime,
  dueAt: ZIsoDateTime,
  answeredAt: ZIsoDateTime.nullable(),
  answeredVia: z.enum(ANSWER_CHANNELS).nullable(),
  late: z.boolean(),
  answer: ZAnswerOut.nullable(),
  /** The provider's RMD standing at the time of the call; present once an RMD export has been imported. */
  rmd: ZHopRmd.optional(),
  /**
   * Cease-and-desist letters (FCC, FTC) to the hop's provider dated on or before the call (decision 0029):
   * a red flag; present (possibly empty) in the traceback view.
   */
  letters: z.array(ZHopLetterFlag).optional(),
  /** PDFs attached to the hop; present when the caller may read them. */
  attachments: z.array(ZAttachment).optional(),
  /** What the hop's provider received with the call (Identity header, From, P-Asserted-Identity), verified; staff view. */
  received: ZHopReceived.optional(),
});
export type THopSummary = z.infer<typeof ZHopSummary>;

export const ZOrigin = z.object({
  hopId: ZUuid,
  providerId: ZUuid,
  customer: z.object({
    name: z.string(),
    address: z.string().nullable(),
    contact: z.string().nullable(),
    accountRef: z.string().nullable(),
  }),
  action: z.enum(ORIGIN_ACTIONS),
});

export const ZTracebackActions = z.object({
  cancel: z.boolean(),
  close: z.boolean(),
  reopen: z.boolean(),
  reassign: z.boolean(),
  /** Reopen a foreign_origin path with a request to the provider abroad (decision 0035). */
  continueAbroad: z.boolean(),
});

export const ZTraceback = z.object({
  id: ZUuid,
  kind: z.enum(TRACEBACK_KINDS),
  status: z.enum(TRACEBACK_STATUSES),
  outcome: z.enum(OUTCOMES).nullable(),
  flags: z.array(z.string()),
  /** Opened from an urgent agency request: every hop runs on the short clock that ignores business hours. */
  urgent: z.boolean(),
  call: ZCallOut,
  campaignId: ZUuid.nullable(),
  firstProviderId: ZUuid,
  /**
   * A call from abroad (decision 0035): the last US provider of the path, which named an upstream outside the US
   * (the gateway). Null otherwise, and for a caller that does not see that provider's hop.
   */
  entryPointProviderId: ZUuid.nullable(),
  identityHeader: z.string().nullable(),
  note: z.string().nullable(),
  openedAt: ZIsoDateTime,
  closedAt: ZIsoDateTime.nullable(),
  hops: z.array(ZHopSummary),
  /** Customer details of the origin (CPNI): only for consortium staff; every read is recorded. */
  origin: ZOrigin.optional(),
  /**
   * The call's STIR/SHAKEN signer's own origin answer on the signer line (CPNI, same rules as `origin`):
   * the signer's claim, never the traceback's origin, which comes from the path only.
   */
  signerOrigin: ZOrigin.optional(),
  /** The STIR/SHAKEN verification of the Identity header, when the traceback carries one. */
  shaken: ZTracebackShaken.optional(),
  can: ZTracebackActions,
  /** Evidence packages (decision 0025): whether the caller may build and download one of this traceback. */
  evidence: z.object({ can: z.object({ build: z.boolean() }) }).optional(),
});
export type TTraceback = z.infer<typeof ZTraceback>;

export const ZTracebackListItem = ZTraceback.omit({
  hops: true,
  origin: true,
  signerOrigin: true,
  identityHeader: true,
  shaken: true,
  evidence: true,
}).extend({
  hopCount: z.number().int(),
  currentProviderId: ZUuid.nullable(),
  /** The deadline of the pending hop on the path (null when nothing is pending). */
  dueAt: ZIsoDateTime.nullable(),
  /** Pending past that deadline (the clock marks it non-responsive within a minute). */
  overdue: z.boolean(),
});
export type TTracebackListItem = z.infer<typeof ZTracebackListItem>;

/** What a provider sees of a hop addressed to it: enough to answer, nothing of the rest of the path. */
export const ZHop = z.object({
  id: ZUuid,
  tracebackId: ZUuid,
  seq: z.number().int(),
  line: z.string(),
  providerId: ZUuid,
  status: z.enum(HOP_STATUSES),
  requestedAt: ZIsoDateTime,
  receivedAt: ZIsoDateTime,
  dueAt: ZIsoDateTime,
  answeredAt: ZIsoDateTime.nullable(),
  answeredVia: z.enum(ANSWER_CHANNELS).nullable(),
  late: z.boolean(),
  /** The provider's own answer; for an origin answer, the action taken but never the customer (CPNI). */
  answer: ZAnswerOut.nullable(),
  call: ZCallOut,
  campaign: z
    .object({ name: z.string(), description: z.string(), category: z.string().nullable() })
    .nullable(),
  /** The downstream provider whose answer named this provider as its upstream. */
  namedBy: z.object({ providerId: ZUuid, providerName: z.string() }).nullable(),
  /** PDFs attached to the hop (LOAs, contracts, call records). */
  attachments: z.array(ZAttachment).optional(),
  /** On a hop to the call's signer: the PASSporT claims to look the call up by (origid). */
  signer: ZSignerRequest.optional(),
  /**
   * On a forward request: not a call to trace, but a number the provider holds. It answers `origin`
   * (our customer: who) or `not_found` (not ours); `upstream` is refused.
   */
  forward: ZForwardRequest.optional(),
  /** Present (true) on a hop of an urgent traceback: due hours after the request, business hours ignored. */
  urgent: z.boolean().optional(),
  can: z.object({ answer: z.boolean(), attach: z.boolean().optional() }),
});
export type THop = z.infer<typeof ZHop>;

export const ZEvent = z.object({
  id: z.number().int(),
  at: ZIsoDateTime,
  type: z.string(),
  actor: z.string(),
  hopId: ZUuid.nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type TEvent = z.infer<typeof ZEvent>;
