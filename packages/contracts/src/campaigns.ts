import { z } from 'zod';
import { cleanText } from './calls';
import { ZIsoDateTime, ZUuid } from './common';
import { ZPhoneNumber } from './phone';
import { HOP_STATUSES, ORIGIN_ACTIONS, OUTCOMES, TRACEBACK_STATUSES } from './tracebacks';

export const CAMPAIGN_CATEGORIES = [
  'government_impersonation',
  'business_impersonation',
  'auto_warranty',
  'financial',
  'health',
  'utilities',
  'political',
  'other',
] as const;

export const ZCampaignCreate = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().min(1).max(5000),
  category: z.enum(CAMPAIGN_CATEGORIES).optional(),
});
export type TCampaignCreate = z.infer<typeof ZCampaignCreate>;

export const CAMPAIGN_STATUSES = ['candidate', 'active', 'legitimate', 'merged'] as const;
export type TCampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const ZCampaign = z.object({
  id: ZUuid,
  name: z.string(),
  description: z.string(),
  category: z.string().nullable(),
  createdAt: ZIsoDateTime,
  /** `candidate`: grouped by detection, not yet enough calls; `legitimate`: lawful calls, never ranked or traced. */
  status: z.enum(CAMPAIGN_STATUSES),
  origin: z.enum(['manual', 'detected']),
  namedByAnalyst: z.boolean(),
  mergedIntoId: ZUuid.nullable(),
  callCount: z.number().int(),
  firstSeenAt: ZIsoDateTime.nullable(),
  lastSeenAt: ZIsoDateTime.nullable(),
});
export type TCampaign = z.infer<typeof ZCampaign>;

/** A campaign as ranked: its volume now and before, who reports it, how it is signed. */
export const ZCampaignRanked = ZCampaign.extend({
  rank: z.number().int().describe('position in this ranking, from 1'),
  callCount24h: z.number().int(),
  callCount7d: z.number().int(),
  callCountPrevious7d: z.number().int(),
  /** (last 7 days − the 7 before) / the 7 before; null when there were none before (a new campaign). */
  growth: z.number().nullable(),
  distinctCallerNumbers: z.number().int(),
  /** Most frequent caller IDs first (at most 20). */
  callerNumbers: z.array(z.string()),
  /** Numbers spoken in its calls ("call us back at …"), most frequent first (at most 20). */
  callbackNumbers: z.array(z.string()),
  /** Share of its calls in the last 7 days signed with A attestation (0–1; null without calls). */
  signedAShare: z.number().nullable(),
  sources: z.number().int().describe('feeds that reported it in the last 7 days'),
  /** Calls a day over the last 30 days, oldest first (UTC days ending today). */
  dailyVolume: z.array(z.number().int()),
  /** Open tracebacks of its calls (its forward requests are not counted). */
  openTracebacks: z.number().int(),
});
export type TCampaignRanked = z.infer<typeof ZCampaignRanked>;

export const ZCampaignListQuery = z.object({
  sort: z
    .enum(['recent', 'volume', 'growth'])
    .default('recent')
    .describe(
      'recent: newest first; volume: calls in the last 24 h, then 7 days; growth: last 7 days against the 7 before',
    ),
  status: z
    .enum(['active', 'candidate', 'legitimate', 'all'])
    .optional()
    .describe('default: active (with sort), every status but merged (recent)'),
  q: z.string().trim().max(200).optional().describe('words of the name or description'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TCampaignListQuery = z.infer<typeof ZCampaignListQuery>;

export const ZCampaignPatch = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().min(1).max(5000),
    category: z.enum(CAMPAIGN_CATEGORIES).nullable(),
    /** true: lawful calls (a pharmacy reminder): kept out of the ranking and never traced; false: back to a campaign. */
    legitimate: z.boolean(),
  })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'change at least one field' });
export type TCampaignPatch = z.infer<typeof ZCampaignPatch>;

export const ZCampaignMerge = z.object({
  absorb: z
    .array(ZUuid)
    .min(1)
    .max(50)
    .describe('campaigns folded into this one: their calls, numbers and tracebacks move here'),
});
export const ZCampaignSplit = z.object({
  callIds: z
    .array(ZUuid)
    .min(1)
    .max(10_000)
    .describe('calls of this campaign that belong to a campaign of their own'),
  name: z.string().trim().min(1).max(200),
  category: z.enum(CAMPAIGN_CATEGORIES).optional(),
});

export const ZSegment = z.object({
  text: z.string(),
  kind: z.enum(['fixed', 'number', 'amount', 'date', 'time', 'phone', 'name', 'code']),
});

export const ZCampaignCallSample = z.object({
  id: ZUuid,
  startedAt: ZIsoDateTime,
  startedAtPrecision: z.string(),
  callingNumber: z.string().nullable(),
  calledNumber: z.string().nullable(),
  attestation: z.string().nullable(),
  shakenStatus: z.string().nullable(),
  source: z.string(),
  /** The transcript cut into what every call says and what varies (names, amounts, numbers, dates). */
  segments: z.array(ZSegment),
});
export type TCampaignCallSample = z.infer<typeof ZCampaignCallSample>;

export const ZCampaignTraceback = z.object({
  id: ZUuid,
  status: z.string(),
  outcome: z.string().nullable(),
  openedAt: ZIsoDateTime,
  closedAt: ZIsoDateTime.nullable(),
  callStartedAt: ZIsoDateTime,
  callingNumber: z.string(),
  hops: z.number().int(),
  origin: z.object({ id: ZUuid, name: z.string() }).nullable(),
  entryPoint: z.object({ id: ZUuid, name: z.string() }).nullable(),
});

const ZProviderCount = z.object({ id: ZUuid, name: z.string(), tracebacks: z.number().int() });

/** Ask the provider that holds one of the campaign's callback numbers whose customer is behind it. */
export const ZTraceForward = z.object({
  /** One of the campaign's callback numbers, in any common format. */
  number: ZPhoneNumber,
  /** The provider that holds the number, from the directory. */
  providerId: ZUuid,
  /** Kept on the request (control characters dropped). */
  note: z
    .string()
    .max(5000)
    .transform((s) => cleanText(s).trim())
    .optional(),
});
export type TTraceForward = z.infer<typeof ZTraceForward>;

/** A forward request of a campaign as its page lists it. */
export const ZCampaignForward = z.object({
  /** The request is a traceback of kind `forward`: GET /tracebacks/:id has its timeline. */
  id: ZUuid,
  number: z.string(),
  status: z.enum(TRACEBACK_STATUSES),
  outcome: z.enum(OUTCOMES).nullable(),
  openedAt: ZIsoDateTime,
  closedAt: ZIsoDateTime.nullable(),
  /** The provider asked (the latest request, if it was reassigned). */
  provider: z.object({ id: ZUuid, name: z.string() }),
  hopId: ZUuid,
  hopStatus: z.enum(HOP_STATUSES),
  dueAt: ZIsoDateTime,
  answeredAt: ZIsoDateTime.nullable(),
  late: z.boolean(),
  /** `origin`: the provider's customer holds the number; `not_found`: not ours. */
  answer: z
    .object({
      kind: z.enum(['origin', 'not_found']),
      action: z.enum(ORIGIN_ACTIONS).optional(),
      comment: z.string().optional(),
    })
    .nullable(),
  /** The customer behind the number (CPNI): only for those who may read origins; every read is recorded. */
  customer: z
    .object({
      name: z.string(),
      address: z.string().nullable(),
      contact: z.string().nullable(),
      accountRef: z.string().nullable(),
    })
    .optional(),
});
export type TCampaignForward = z.infer<typeof ZCampaignForward>;

export const ZCampaignDetail = ZCampaignRanked.extend({
  keptApart: z.array(ZUuid),
  samples: z.array(ZCampaignCallSample),
  callerNumberCounts: z.array(z.object({ number: z.string(), calls: z.number().int() })),
  callbackNumberCounts: z.array(z.object({ number: z.string(), calls: z.number().int() })),
  /** Its tracebacks of calls (forward requests are in `forwardRequests`). */
  tracebacks: z.array(ZCampaignTraceback),
  /** Requests to the providers of its callback numbers, newest first. */
  forwardRequests: z.array(ZCampaignForward),
  /** Providers that answered as origin of its calls, and (calls from abroad) the US entry points. */
  origins: z.array(ZProviderCount),
  entryPoints: z.array(ZProviderCount),
  /** The call hoptrace would trace now (recent, exact time, both numbers, not traced yet, verified signature first). */
  representativeCall: ZCampaignCallSample.nullable(),
});
export type TCampaignDetail = z.infer<typeof ZCampaignDetail>;

/**
 * Opening tracebacks for the worst campaigns by itself: every `everyMinutes`, each of the top `topK`
 * campaigns with no open traceback and none opened in the last `retraceAfterHours` gets one (a
 * traceback that closed without an origin does not count, with `retraceUnresolved`), at most
 * `maxPerDay` in any 24 hours. A policy saved before the last four fields existed reads with their
 * defaults.
 */
export const ZAutoOpenPolicy = z.object({
  enabled: z.boolean().default(false),
  /** The campaigns ranked highest by volume that get a traceback (at most one open per campaign). */
  topK: z.number().int().min(1).max(100).default(5),
  /** Only calls this recent are traced (the ITG prefers calls under 10 days old). */
  windowDays: z.number().int().min(1).max(90).default(10),
  /** A campaign with fewer calls in the last 24 hours is not traced automatically. */
  minCalls24h: z.number().int().min(0).max(1_000_000).default(1),
  /** How often the worker runs it: a new campaign gets its traceback within this many minutes (1440: once a day). */
  everyMinutes: z.number().int().min(1).max(1440).default(5),
  /** At most this many tracebacks opened automatically in any 24 hours. */
  maxPerDay: z.number().int().min(1).max(1000).default(20),
  /** A campaign with a traceback opened in the last this many hours is not traced again yet (0: as soon as none is open). */
  retraceAfterHours: z.number().int().min(0).max(720).default(24),
  /**
   * A campaign whose traceback closed without an origin (non-responsive, dead end) is traced again at
   * the next run, from another of its calls, without waiting `retraceAfterHours` (false: it waits too).
   */
  retraceUnresolved: z.boolean().default(true),
});
export type TAutoOpenPolicy = z.infer<typeof ZAutoOpenPolicy>;
/** A policy as written: the fields left out take their defaults. */
export type TAutoOpenPolicyInput = z.input<typeof ZAutoOpenPolicy>;

export const ZAutoOpenPlanItem = z.object({
  campaignId: ZUuid,
  campaignName: z.string(),
  rank: z.number().int(),
  calls24h: z.number().int(),
  calls7d: z.number().int(),
  action: z.enum(['open', 'skip']),
  reason: z.string(),
  callId: ZUuid.nullable(),
  firstProviderId: ZUuid.nullable(),
  tracebackId: ZUuid.nullable(),
});
export const ZAutoOpenResult = z.object({
  dryRun: z.boolean(),
  items: z.array(ZAutoOpenPlanItem),
});
export type TAutoOpenResult = z.infer<typeof ZAutoOpenResult>;

/** Calls of a campaign selected to trace: one traceback each (POST /campaigns/:id/tracebacks). */
export const ZOpenCalls = z.object({
  callIds: z.array(ZUuid).min(1).max(100),
  note: z.string().trim().max(5000).optional(),
});
export type TOpenCalls = z.infer<typeof ZOpenCalls>;

export const ZOpenCallsResult = z.object({
  opened: z.number().int(),
  existing: z.number().int(),
  refused: z.number().int(),
  items: z.array(
    z.object({
      callId: ZUuid,
      /** `existing`: the call already has a traceback (`tracebackId`); asking again opens nothing. */
      status: z.enum(['opened', 'existing', 'refused']),
      tracebackId: ZUuid.nullable(),
      reason: z.string().optional(),
    }),
  ),
});
export type TOpenCallsResult = z.infer<typeof ZOpenCallsResult>;
