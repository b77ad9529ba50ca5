import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  pgView,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

export interface ContactRow {
  name: string;
  email: string;
  phone?: string | undefined;
}

/** A contact of an enforcement agency; `escalation` marks who is told at once of urgent matters. */
export interface AgencyContactRow {
  name: string;
  email: string;
  escalation: boolean;
}

export interface BusinessHoursRow {
  days: number[];
  open: string;
  close: string;
  holidays: 'us-federal' | 'none';
  extraClosedDates?: string[] | undefined;
}

export const providers = pgTable(
  'providers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    dbaNames: text('dba_names')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    country: text('country').notNull().default('US'),
    ocns: text('ocns')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    frn: text('frn'),
    rmdNumber: text('rmd_number'),
    timezone: text('timezone').notNull().default('America/New_York'),
    contacts: jsonb('contacts')
      .$type<ContactRow[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    verified: boolean('verified').notNull().default(false),
    /** Business hours for the 24-hour rule (days, open, close, holidays); null means the default Mon–Fri 08:00–17:00. */
    businessHours: jsonb('business_hours').$type<BusinessHoursRow | null>(),
    /** Told when a hop reaches its deadline unanswered. */
    escalationContacts: jsonb('escalation_contacts')
      .$type<ContactRow[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** Whether a one-hop email link may answer without signing in. */
    allowLinkAnswers: boolean('allow_link_answers').notNull().default(true),
    createdBy: uuid('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /**
     * Lower-cased name, DBA names, OCNs, FRN and RMD number in one string for typo-tolerant
     * search (pg_trgm). Written by a trigger (migration 0006) on every insert and update.
     */
    searchText: text('search_text').notNull().default(''),
    /** Set when this record was merged into another: its history moved there; it stays as a pointer. */
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => providers.id),
    mergedAt: ts('merged_at'),
  },
  (t) => [
    index('providers_name_idx').on(sql`lower(${t.name})`),
    index('providers_ocns_idx').using('gin', t.ocns),
    index('providers_created_idx').on(t.createdAt, t.id),
    index('providers_search_trgm_idx').using('gin', t.searchText.op('gin_trgm_ops')),
    index('providers_merged_into_idx').on(t.mergedIntoId),
    check('providers_merge_check', sql`(${t.mergedIntoId} is null) = (${t.mergedAt} is null)`),
  ],
);

/**
 * The agencies directory (decision 0026): enforcement bodies that ask for tracebacks and receive referrals.
 * `kind` is null only on rows migrated from the old free-text agency names until an admin sets it.
 */
export const agencies = pgTable(
  'agencies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['federal', 'state', 'local'] }),
    jurisdiction: text('jurisdiction'),
    contacts: jsonb('contacts')
      .$type<AgencyContactRow[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('agencies_name_key').on(sql`lower(${t.name})`),
    check('agencies_kind_check', sql`${t.kind} in ('federal', 'state', 'local')`),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['admin', 'analyst', 'provider', 'enforcement'] }).notNull(),
    providerId: uuid('provider_id').references(() => providers.id),
    passwordHash: text('password_hash'),
    createdAt: ts('created_at').notNull().defaultNow(),
    disabledAt: ts('disabled_at'),
    /** For enforcement users: the agency they act for; they see the tracebacks referred to it. */
    agencyId: uuid('agency_id').references(() => agencies.id),
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
    index('users_agency_idx').on(t.agencyId),
    check('users_role_check', sql`${t.role} in ('admin', 'analyst', 'provider', 'enforcement')`),
    // A provider user always speaks for exactly one provider; nobody else is bound to one.
    check('users_provider_binding', sql`(${t.role} = 'provider') = (${t.providerId} is not null)`),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** The absolute end: no use extends it (HOPTRACE_SESSION_MAX_HOURS after sign-in). */
    expiresAt: ts('expires_at').notNull(),
    /** Written at most once a minute; a session unused for HOPTRACE_SESSION_IDLE_MINUTES has ended. */
    lastUsedAt: ts('last_used_at').notNull().defaultNow(),
    /** The browser's User-Agent at sign-in (cut to 512 characters), to name the device in the list. */
    userAgent: text('user_agent'),
    /** The address that signed in (as Fastify sees it: the proxy's unless HOPTRACE_TRUST_PROXY). */
    ip: text('ip'),
  },
  (t) => [
    uniqueIndex('sessions_token_hash_key').on(t.tokenHash),
    index('sessions_user_idx').on(t.userId),
    index('sessions_expires_idx').on(t.expiresAt),
  ],
);

/**
 * A user's TOTP second factor (RFC 6238, decision 0020): the secret being set up (`pending_secret`) until a
 * code confirms it, then the active one (`secret`, with `enabled_at`). Secrets are sealed with
 * HOPTRACE_SECRET_KEY when it is set (`v1.` prefix), else kept as `plain.` base32.
 */
export const userTotp = pgTable(
  'user_totp',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id),
    secret: text('secret'),
    enabledAt: ts('enabled_at'),
    pendingSecret: text('pending_secret'),
    /** The time step of the last code accepted: a code of this step or an earlier one is refused (replay). */
    lastStep: bigint('last_step', { mode: 'number' }),
    /** Wrong codes in a row (any challenge); from the fifth on, each try waits longer (backoff). */
    failedAttempts: integer('failed_attempts').notNull().default(0),
    lastFailedAt: ts('last_failed_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [check('user_totp_enabled_check', sql`(${t.secret} is null) = (${t.enabledAt} is null)`)],
);

/** Recovery codes: shown once when the second factor is enabled, kept as SHA-256 (80 random bits each). */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    codeHash: text('code_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    /** Set when the code was spent: each one works once. */
    usedAt: ts('used_at'),
  },
  (t) => [uniqueIndex('recovery_codes_user_hash_key').on(t.userId, t.codeHash)],
);

/**
 * The step between a correct password and a session when a second factor is needed (`totp`) or must first
 * be set up (`enrol`): short-lived, single-use, bound to its user, a few tries only. Kept as SHA-256.
 */
export const loginChallenges = pgTable(
  'login_challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull(),
    purpose: text('purpose', { enum: ['totp', 'enrol'] }).notNull(),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [
    uniqueIndex('login_challenges_token_hash_key').on(t.tokenHash),
    index('login_challenges_user_idx').on(t.userId),
    index('login_challenges_expires_idx').on(t.expiresAt),
    check('login_challenges_purpose_check', sql`${t.purpose} in ('totp', 'enrol')`),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The user the key acts for; null for a feed key, which acts for its source. */
    userId: uuid('user_id').references(() => users.id),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: ts('created_at').notNull().defaultNow(),
    lastUsedAt: ts('last_used_at'),
    revokedAt: ts('revoked_at'),
    /** A feed key: may only send call records of this source (scope `feed`). */
    sourceId: integer('source_id').references((): AnyPgColumn => callSources.id),
  },
  (t) => [
    uniqueIndex('api_keys_key_hash_key').on(t.keyHash),
    index('api_keys_user_idx').on(t.userId),
    index('api_keys_source_idx').on(t.sourceId),
    check('api_keys_owner_check', sql`(${t.userId} is null) <> (${t.sourceId} is null)`),
  ],
);

export const campaigns = pgTable(
  'campaigns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    category: text('category'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    /**
     * `candidate`: calls the detector grouped that are not yet enough to count; `active`: a campaign
     * (typed in by staff, or a candidate that grew); `legitimate`: an analyst said these are lawful
     * calls (still detected, so their calls are absorbed, never ranked or traced); `merged`: folded
     * into `merged_into_id`.
     */
    status: text('status', { enum: ['candidate', 'active', 'legitimate', 'merged'] })
      .notNull()
      .default('active'),
    origin: text('origin', { enum: ['manual', 'detected'] })
      .notNull()
      .default('manual'),
    /** False while the name is the detector's; an analyst's name is never changed by detection. */
    namedByAnalyst: boolean('named_by_analyst').notNull().default(true),
    mergedIntoId: uuid('merged_into_id').references((): AnyPgColumn => campaigns.id),
    /** The detector's profile of the cluster (opaque to everything but @hoptrace/campaigns). */
    profile: jsonb('profile').$type<Record<string, unknown>>(),
    /** Calls assigned to it. */
    callCount: integer('call_count').notNull().default(0),
    firstSeenAt: ts('first_seen_at'),
    lastSeenAt: ts('last_seen_at'),
    /** Campaigns an analyst split from this one: detection never proposes to merge them again. */
    keptApart: uuid('kept_apart')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    /** A transcript of one of its calls, as the detector first saw it (for names and lists). */
    sampleTranscript: text('sample_transcript'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('campaigns_created_idx').on(t.createdAt, t.id),
    index('campaigns_status_idx').on(t.status, t.lastSeenAt),
    check('campaigns_status_check', sql`${t.status} in ('candidate', 'active', 'legitimate', 'merged')`),
    check('campaigns_merge_check', sql`(${t.status} = 'merged') = (${t.mergedIntoId} is not null)`),
  ],
);

/** A feed of call records: a honeypot operator, a complaint system. */
export const callSources = pgTable(
  'call_sources',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    description: text('description'),
    /** The provider whose network delivered this feed's calls: where a traceback of one starts. */
    terminatingProviderId: uuid('terminating_provider_id').references(() => providers.id),
    createdBy: uuid('created_by'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [uniqueIndex('call_sources_name_key').on(sql`lower(${t.name})`)],
);

/**
 * Call records, partitioned by month of `started_at` (migration 0009; partitions are created as
 * calls arrive, and retention drops whole ones). `id` is derived from (source, external id), so
 * the same record always gets the same id; `call_keys` holds every id once, which is what makes a
 * repeated import change nothing (a unique index of a partitioned table must include its key).
 */
/** A call record's columns as it arrived: the table `calls`, and the same names in `call_view`. */
const callRecordColumns = () => ({
  id: uuid('id').notNull(),
  sourceId: integer('source_id').notNull(),
  externalId: text('external_id').notNull(),
  startedAt: ts('started_at').notNull(),
  startedAtPrecision: text('started_at_precision', { enum: ['second', 'day', 'unknown'] }).notNull(),
  receivedAt: ts('received_at').notNull(),
  callingNumber: text('calling_number'),
  calledNumber: text('called_number'),
  transcript: text('transcript'),
  language: text('language'),
  durationSeconds: doublePrecision('duration_seconds'),
  kind: text('kind', { enum: ['honeypot', 'complaint', 'voicemail'] }),
  identityHeader: text('identity_header'),
  /** From the PASSporT as received; `shaken_status` says whether its signature was verified. */
  attestation: text('attestation'),
  shakenStatus: text('shaken_status'),
  signerOcn: text('signer_ocn'),
  audioFingerprint: text('audio_fingerprint'),
  /** The DNO category of the calling number when the call arrived (a DNO number should never call). */
  dnoCategory: text('dno_category'),
  neighbourSpoof: boolean('neighbour_spoof').notNull().default(false),
  metadata: jsonb('metadata').$type<Record<string, unknown>>(),
});

export const calls = pgTable('calls', callRecordColumns(), (t) => [
  // Time first: a feed arrives roughly in time order, so new keys land at the right edge of the
  // index. A call is found by id through `call_keys`, which gives its start.
  primaryKey({ name: 'calls_pk', columns: [t.startedAt, t.id] }),
  // No index on the calling number (migration 0025, decision 0015): no query read through it, and it
  // was a quarter of the database's work on every imported call.
]);

/**
 * What campaign detection (and analysts) concluded about a call, apart from the record as it arrived:
 * `calls` is written once by COPY and never updated; a verdict is one narrow row, partitioned like
 * `calls`. A call without a verdict has not been detected yet, or was detected without a campaign.
 */
export const callVerdicts = pgTable(
  'call_verdicts',
  {
    id: uuid('id').notNull(),
    startedAt: ts('started_at').notNull(),
    campaignId: uuid('campaign_id'),
    assignedBy: text('assigned_by', { enum: ['detector', 'analyst'] }),
    similarity: doublePrecision('similarity'),
    callbackNumbers: text('callback_numbers')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** The Identity header as verified by detection (null: not verified; `calls` keeps the claim). */
    shakenStatus: text('shaken_status'),
    attestation: text('attestation'),
    signerOcn: text('signer_ocn'),
  },
  (t) => [
    primaryKey({ name: 'call_verdicts_pk', columns: [t.startedAt, t.id] }),
    index('call_verdicts_campaign_idx')
      .on(t.campaignId, t.startedAt)
      .where(sql`${t.campaignId} is not null`),
  ],
);

/**
 * A call with its verdict (migration 0010): what every read of calls goes through. Its attestation,
 * shaken status and signer are the verified ones where detection verified the header, else the claim.
 */
export const callView = pgView('call_view', {
  ...callRecordColumns(),
  callbackNumbers: text('callback_numbers').array().notNull(),
  campaignId: uuid('campaign_id'),
  assignedBy: text('assigned_by', { enum: ['detector', 'analyst'] }),
  similarity: doublePrecision('similarity'),
}).existing();

/** Every call id once, whatever its partition: the global unique key of `calls`. */
export const callKeys = pgTable('call_keys', {
  id: uuid('id').primaryKey(),
  startedAt: ts('started_at').notNull(),
});

/**
 * Calls that arrived together and wait for campaign detection: one row per import batch, deleted when
 * detected. Workers claim rows with FOR UPDATE SKIP LOCKED.
 */
export const callBatches = pgTable('call_batches', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  sourceId: integer('source_id').notNull(),
  receivedAt: ts('received_at').notNull(),
  callIds: uuid('call_ids').array().notNull(),
  startedAts: timestamp('started_ats', { withTimezone: true, mode: 'string' }).array().notNull(),
});

/** Calls per campaign, source and hour: what ranking, growth and the volume charts read. */
export const campaignVolume = pgTable(
  'campaign_volume',
  {
    campaignId: uuid('campaign_id').notNull(),
    sourceId: integer('source_id').notNull(),
    hour: ts('hour').notNull(),
    calls: integer('calls').notNull(),
    signedA: integer('signed_a').notNull().default(0),
    signed: integer('signed').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.hour, t.sourceId] })],
);

/** Caller IDs and callback numbers (spoken in transcripts) seen in each campaign's calls. */
export const campaignNumbers = pgTable(
  'campaign_numbers',
  {
    campaignId: uuid('campaign_id').notNull(),
    role: text('role', { enum: ['caller', 'callback'] }).notNull(),
    number: text('number').notNull(),
    calls: integer('calls').notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.role, t.number] }),
    index('campaign_numbers_number_idx').on(t.number),
  ],
);

/** Deployment settings that staff change in the portal (one JSON value per key, checked by contracts). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<Record<string, unknown>>().notNull(),
  updatedBy: uuid('updated_by'),
  updatedAt: ts('updated_at').notNull(),
});

export const tracebacks = pgTable(
  'tracebacks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /**
     * `trace`: a call traced upstream hop by hop. `forward` (decision 0016): one request to the provider
     * that holds a campaign's callback number, asking whose customer is behind it; it has no call:
     * `calling_number` is the number asked about, `called_number` is empty and `call_started_at` is
     * when the number was last heard in the campaign's calls.
     */
    kind: text('kind', { enum: ['trace', 'forward'] })
      .notNull()
      .default('trace'),
    status: text('status', { enum: ['open', 'closed'] }).notNull(),
    outcome: text('outcome', {
      enum: ['origin_identified', 'foreign_origin', 'non_responsive', 'dead_end', 'cancelled'],
    }),
    flags: text('flags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    callStartedAt: ts('call_started_at').notNull(),
    callingNumber: text('calling_number').notNull(),
    calledNumber: text('called_number').notNull(),
    campaignId: uuid('campaign_id').references(() => campaigns.id),
    /** The call record this traceback traces, when it was opened from one (campaign intelligence). */
    callId: uuid('call_id'),
    firstProviderId: uuid('first_provider_id')
      .notNull()
      .references(() => providers.id),
    identityHeader: text('identity_header'),
    note: text('note'),
    requestedBy: uuid('requested_by').references(() => users.id),
    /**
     * Opened from an urgent agency request: every hop is due this many hours after it is requested, business
     * hours ignored (HOPTRACE_URGENT_HOURS when it was accepted). Null: the FCC business-hours rule.
     */
    urgentHours: integer('urgent_hours'),
    /**
     * A call from abroad (decision 0035): the last US provider of the path, the one that named an upstream the
     * directory lists outside the US (the gateway). Set when the path reaches the border, kept when staff
     * continue the path abroad.
     */
    entryPointProviderId: uuid('entry_point_provider_id').references(() => providers.id),
    openedAt: ts('opened_at').notNull(),
    closedAt: ts('closed_at'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    check('tracebacks_status_check', sql`${t.status} in ('open', 'closed')`),
    check('tracebacks_kind_check', sql`${t.kind} in ('trace', 'forward')`),
    check(
      'tracebacks_forward_check',
      sql`${t.kind} = 'trace' or (${t.campaignId} is not null and ${t.calledNumber} = '')`,
    ),
    check(
      'tracebacks_outcome_check',
      sql`(${t.status} = 'open' and ${t.outcome} is null) or (${t.status} = 'closed' and ${t.outcome} in ('origin_identified', 'foreign_origin', 'non_responsive', 'dead_end', 'cancelled'))`,
    ),
    index('tracebacks_opened_idx').on(t.openedAt, t.id),
    // id last: a list filtered by status pages in its (opened_at, id) order, and the dashboard's
    // join of open tracebacks reads their ids from the index alone.
    index('tracebacks_status_opened_idx').on(t.status, t.openedAt, t.id),
    index('tracebacks_campaign_idx').on(t.campaignId),
    // Forward requests are few beside traces: their list pages here, and the statistics of traces
    // leave them out by an anti-join on this small index, so the covering indexes above stay as they are.
    index('tracebacks_forward_idx')
      .on(t.openedAt, t.id)
      .where(sql`${t.kind} = 'forward'`),
    index('tracebacks_calling_idx').on(t.callingNumber),
    index('tracebacks_called_idx').on(t.calledNumber),
    // Covers what the dashboard reads of closed tracebacks (closed per week, time to close, outcomes).
    index('tracebacks_closed_at_idx')
      .on(t.closedAt, t.openedAt, t.outcome)
      .where(sql`${t.status} = 'closed'`),
  ],
);

/**
 * One request to one provider. `line` keeps lines of inquiry apart: the main
 * path walks upstream hop by hop ('path'); a later line may run beside it
 * (e.g. 'signer', a direct request to the provider that signed the call) with
 * its own sequence, without reshaping this table.
 */
export const hops = pgTable(
  'hops',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tracebackId: uuid('traceback_id')
      .notNull()
      .references(() => tracebacks.id),
    line: text('line').notNull().default('path'),
    seq: integer('seq').notNull(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => providers.id),
    namedByHopId: uuid('named_by_hop_id'),
    status: text('status', { enum: ['pending', 'answered', 'non_responsive', 'withdrawn'] }).notNull(),
    requestedAt: ts('requested_at').notNull(),
    receivedAt: ts('received_at').notNull(),
    dueAt: ts('due_at').notNull(),
    answeredAt: ts('answered_at'),
    answerKind: text('answer_kind', { enum: ['upstream', 'origin', 'not_found'] }),
    upstreamProviderId: uuid('upstream_provider_id').references(() => providers.id),
    comment: text('comment'),
    answeredBy: uuid('answered_by').references(() => users.id),
    answeredVia: text('answered_via'),
    late: boolean('late').notNull().default(false),
    closedAt: ts('closed_at'),
    /** The Identity header the provider says it received with the call, or 'none' (decision 0034). */
    receivedIdentity: text('received_identity'),
    /** The From and P-Asserted-Identity numbers it received (E.164). */
    receivedFrom: text('received_from'),
    receivedPai: text('received_pai'),
    /** The verification of `received_identity` at the call time (verdict, attest, SPC, signer, certificate, checks). */
    receivedShaken: jsonb('received_shaken').$type<Record<string, unknown>>(),
    /** An origin answer's word on whether the customer holds the calling number. */
    numberHeld: boolean('number_held'),
  },
  (t) => [
    uniqueIndex('hops_traceback_line_seq_key').on(t.tracebackId, t.line, t.seq),
    index('hops_provider_status_idx').on(t.providerId, t.status, t.requestedAt),
    // provider_id and traceback_id ride along so the dashboard's counts of pending and unanswered
    // hops read the index alone (index-only scans), not a heap row per hop.
    index('hops_status_due_idx').on(t.status, t.dueAt, t.providerId, t.tracebackId),
    index('hops_provider_traceback_idx').on(t.providerId, t.tracebackId),
    index('hops_origin_answered_idx')
      .on(t.answeredAt, t.providerId)
      .where(sql`${t.answerKind} = 'origin'`),
    check('hops_status_check', sql`${t.status} in ('pending', 'answered', 'non_responsive', 'withdrawn')`),
    check(
      'hops_answer_check',
      sql`(${t.status} = 'answered') = (${t.answerKind} is not null and ${t.answeredAt} is not null)`,
    ),
    check('hops_upstream_check', sql`(${t.answerKind} = 'upstream') = (${t.upstreamProviderId} is not null)`),
  ],
);

/** Customer data from an origin answer: CPNI, kept apart so that every read of it is deliberate. */
export const origins = pgTable(
  'origins',
  {
    hopId: uuid('hop_id')
      .primaryKey()
      .references(() => hops.id),
    tracebackId: uuid('traceback_id')
      .notNull()
      .references(() => tracebacks.id),
    customerName: text('customer_name').notNull(),
    customerAddress: text('customer_address'),
    customerContact: text('customer_contact'),
    accountRef: text('account_ref'),
    action: text('action', { enum: ['terminated', 'warned', 'blocked', 'investigating', 'none'] }).notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('origins_traceback_idx').on(t.tracebackId)],
);

/** The traceback's timeline. Append-only: a trigger refuses UPDATE and DELETE. */
export const events = pgTable(
  'events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    tracebackId: uuid('traceback_id').references(() => tracebacks.id),
    hopId: uuid('hop_id'),
    at: ts('at').notNull(),
    actorUserId: uuid('actor_user_id'),
    actor: text('actor').notNull(),
    type: text('type').notNull(),
    data: jsonb('data')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
  },
  (t) => [index('events_traceback_idx').on(t.tracebackId, t.id)],
);

/**
 * `Idempotency-Key` claims (decision 0005, 0019). `owner` is whose key it is: `user:<id>`, `hop:<id>` for a
 * one-hop link, `feed:<source>`. A claim without a response is in progress while `locked_until` lies ahead (the
 * process running it renews it); once it lapses the request is taken to have died and the key is free again.
 * `request_hash` is null while a streamed body is still being read (its hash is known at the end).
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    owner: text('owner').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash'),
    statusCode: integer('status_code'),
    responseBody: text('response_body'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
  },
  (t) => [primaryKey({ columns: [t.owner, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
);

/**
 * Rate-limit counters shared by every process (decision 0019): one row per bucket (a limit's name and
 * what it counts, hashed) and fixed window; `expires_at` is when the window ends and the row may go.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    bucket: text('bucket').notNull(),
    windowStart: ts('window_start').notNull(),
    hits: integer('hits').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.bucket, t.windowStart] }),
    index('rate_limits_expires_idx').on(t.expiresAt),
  ],
);

/**
 * Failed sign-ins by account, and by account and address (decision 0019). `key` is a SHA-256 of what
 * is counted, never the email or address itself. Failures past a free allowance block the next
 * attempt until `blocked_until` (exponential, capped); a success resets the row and marks the address
 * as one the account signed in from (`last_success_at`).
 */
export const loginThrottles = pgTable(
  'login_throttles',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull().default(0),
    blockedUntil: ts('blocked_until'),
    lastFailureAt: ts('last_failure_at'),
    lastSuccessAt: ts('last_success_at'),
  },
  (t) => [index('login_throttles_failure_idx').on(t.lastFailureAt)],
);

/**
 * Slots for work that may run only so many at once across processes (a provider's bulk upload):
 * held by `holder` until `expires_at`, renewed while the work runs, free again when it lapses.
 */
export const busySlots = pgTable('busy_slots', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

/** Reminders and escalations planned when a hop is requested; a sweep turns due ones into notices. */
export const scheduledNotices = pgTable(
  'scheduled_notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hopId: uuid('hop_id')
      .notNull()
      .references(() => hops.id),
    kind: text('kind', { enum: ['reminder', 'escalation'] }).notNull(),
    dueAt: ts('due_at').notNull(),
    hoursBeforeDue: integer('hours_before_due').notNull(),
    doneAt: ts('done_at'),
  },
  (t) => [
    uniqueIndex('scheduled_notices_hop_kind_due_key').on(t.hopId, t.kind, t.dueAt),
    index('scheduled_notices_due_idx')
      .on(t.dueAt)
      .where(sql`${t.doneAt} is null`),
  ],
);

/**
 * The transactional outbox: a notice is written in the same transaction as the
 * change that caused it, and dispatched afterwards. `dedupeKey` makes enqueueing
 * idempotent; `messageId` stays the same across retries.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    channel: text('channel', { enum: ['email', 'webhook'] }).notNull(),
    topic: text('topic').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    recipient: text('recipient').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** One-hop link tokens in plain text, needed until the message is sent, then erased. */
    secrets: jsonb('secrets').$type<Record<string, string> | null>(),
    messageId: text('message_id').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'dead'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    tracebackId: uuid('traceback_id'),
    hopId: uuid('hop_id'),
    providerId: uuid('provider_id'),
    endpointId: uuid('endpoint_id'),
    createdAt: ts('created_at').notNull(),
    sentAt: ts('sent_at'),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_key').on(t.dedupeKey),
    index('outbox_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index('outbox_created_idx').on(t.createdAt, t.id),
  ],
);

/** One-hop links: a random token, stored hashed, that lets its holder see and answer one hop. */
export const hopLinks = pgTable(
  'hop_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    hopId: uuid('hop_id')
      .notNull()
      .references(() => hops.id),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull(),
    /** Set when the hop closes: the link lives seven days past that. */
    expiresAt: ts('expires_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [uniqueIndex('hop_links_token_hash_key').on(t.tokenHash), index('hop_links_hop_idx').on(t.hopId)],
);

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => providers.id),
    url: text('url').notNull(),
    /** Shared HMAC secret: kept as is, since signing needs it. */
    secret: text('secret').notNull(),
    events: text('events').array().notNull(),
    active: boolean('active').notNull().default(true),
    createdBy: uuid('created_by'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('webhook_endpoints_provider_idx').on(t.providerId)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    outboxId: uuid('outbox_id').notNull(),
    endpointId: uuid('endpoint_id').notNull(),
    attempt: integer('attempt').notNull(),
    at: ts('at').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.id)],
);

export type DnoCategoryRow = 'subscriber_requested' | 'invalid' | 'unallocated' | 'allocated_unused';

/**
 * Do-Not-Originate entries: a single number (start = end) or an inclusive E.164 range. Retiring
 * sets `removedAt`; rows are never deleted, so the list at any version can be rebuilt.
 */
export const dnoEntries = pgTable(
  'dno_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    category: text('category', {
      enum: ['subscriber_requested', 'invalid', 'unallocated', 'allocated_unused'],
    }).notNull(),
    start: text('start').notNull(),
    end: text('end').notNull(),
    source: text('source'),
    reason: text('reason'),
    organisation: text('organisation'),
    evidence: text('evidence'),
    addedAt: ts('added_at').notNull(),
    removedAt: ts('removed_at'),
    addedBy: uuid('added_by'),
    removedBy: uuid('removed_by'),
    versionAdded: bigint('version_added', { mode: 'number' }).notNull(),
    versionRemoved: bigint('version_removed', { mode: 'number' }),
  },
  (t) => [
    check(
      'dno_entries_category_check',
      sql`${t.category} in ('subscriber_requested', 'invalid', 'unallocated', 'allocated_unused')`,
    ),
    check('dno_entries_range_check', sql`length(${t.start}) = length(${t.end}) and ${t.start} <= ${t.end}`),
    check('dno_entries_removed_check', sql`(${t.removedAt} is null) = (${t.versionRemoved} is null)`),
    // One live entry per range and category: a repeated import finds it and adds nothing.
    uniqueIndex('dno_entries_live_key')
      .on(t.start, t.end, t.category)
      .where(sql`${t.removedAt} is null`),
    index('dno_entries_version_idx').on(t.versionAdded),
  ],
);

/**
 * The DNO list's change log and version: each change is one row, its `version` is the list version
 * after it. Append-only (trigger). Writers take an exclusive lock on this table and number changes
 * max + 1, so versions are gap-free and commit in order: a reader of "changes since N" never misses
 * one committed late (a sequence would hand out numbers that commit out of order).
 */
export const dnoChanges = pgTable(
  'dno_changes',
  {
    version: bigint('version', { mode: 'number' }).primaryKey(),
    entryId: uuid('entry_id')
      .notNull()
      .references(() => dnoEntries.id),
    kind: text('kind', { enum: ['added', 'removed'] }).notNull(),
    at: ts('at').notNull(),
    actorUserId: uuid('actor_user_id'),
    actor: text('actor').notNull(),
    data: jsonb('data')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
  },
  (t) => [
    check('dno_changes_kind_check', sql`${t.kind} in ('added', 'removed')`),
    index('dno_changes_entry_idx').on(t.entryId),
  ],
);

/** One run of `importRmd`: what was read and what it changed. */
export const rmdImports = pgTable('rmd_imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  fileName: text('file_name'),
  keyedBy: text('keyed_by', { enum: ['filingNumber', 'frn'] }).notNull(),
  /** Normalised field → header, as the parser understood the export. */
  columns: jsonb('columns').$type<Record<string, string>>().notNull(),
  rows: integer('rows').notNull(),
  records: integer('records').notNull(),
  added: integer('added').notNull(),
  changed: integer('changed').notNull(),
  removed: integer('removed').notNull(),
  unchanged: integer('unchanged').notNull(),
  rowProblems: integer('row_problems').notNull(),
  /** When the export was taken (the date removals are recorded with). */
  noticedAt: ts('noticed_at').notNull(),
  importedAt: ts('imported_at').notNull(),
  importedBy: uuid('imported_by'),
});

/** RMD filings as last seen, normalised by @hoptrace/registry; a filing gone from an export gets `removedAt`. */
export const rmdFilings = pgTable(
  'rmd_filings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    filingNumber: text('filing_number'),
    frn: text('frn'),
    businessName: text('business_name'),
    implementation: text('implementation', { enum: ['complete', 'partial', 'none', 'unknown'] }).notNull(),
    /** The whole normalised filing (RmdFiling). */
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    /** In the first export ever imported: filed before anything we know of, so "filed" at any earlier call. */
    inBaseline: boolean('in_baseline').notNull(),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
    removedAt: ts('removed_at'),
    /**
     * Lower-cased business name, DBA and previous DBA names, FRNs and filing number in one string for
     * typo-tolerant search of the filers (pg_trgm). Written by a trigger (decision 0030) on every insert and update.
     */
    searchText: text('search_text').notNull().default(''),
  },
  (t) => [
    index('rmd_filings_filing_number_idx').on(t.filingNumber),
    index('rmd_filings_frn_idx').on(t.frn),
    index('rmd_filings_search_trgm_idx').using('gin', t.searchText.op('gin_trgm_ops')),
  ],
);

/** What each import changed, per filing. */
export const rmdChanges = pgTable(
  'rmd_changes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    importId: uuid('import_id')
      .notNull()
      .references(() => rmdImports.id),
    filingId: uuid('filing_id')
      .notNull()
      .references(() => rmdFilings.id),
    key: text('key').notNull(),
    kind: text('kind', { enum: ['added', 'changed', 'removed'] }).notNull(),
    /** For `changed`: [{ field, before, after }]. */
    fields: jsonb('fields').$type<unknown[]>().notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('rmd_changes_import_idx').on(t.importId), index('rmd_changes_filing_idx').on(t.filingId)],
);

/** A directory provider's RMD filing: strong matches (filing number, FRN) or weak ones an admin accepted. */
export const providerRmdLinks = pgTable('provider_rmd_links', {
  providerId: uuid('provider_id')
    .primaryKey()
    .references(() => providers.id),
  filingId: uuid('filing_id')
    .notNull()
    .references(() => rmdFilings.id),
  strength: text('strength', { enum: ['strong', 'confirmed'] }).notNull(),
  reasons: jsonb('reasons').$type<unknown[]>().notNull(),
  linkedAt: ts('linked_at').notNull(),
  linkedBy: uuid('linked_by'),
});

/** Weak matches waiting for an admin: never linked until accepted. */
export const rmdMatchProposals = pgTable(
  'rmd_match_proposals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    filingId: uuid('filing_id')
      .notNull()
      .references(() => rmdFilings.id),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => providers.id),
    importId: uuid('import_id').references(() => rmdImports.id),
    score: doublePrecision('score').notNull(),
    reasons: jsonb('reasons').$type<unknown[]>().notNull(),
    status: text('status', { enum: ['pending', 'accepted', 'rejected'] })
      .notNull()
      .default('pending'),
    createdAt: ts('created_at').notNull(),
    decidedAt: ts('decided_at'),
    decidedBy: uuid('decided_by'),
  },
  (t) => [
    uniqueIndex('rmd_match_proposals_pair_key').on(t.filingId, t.providerId),
    index('rmd_match_proposals_status_idx').on(t.status, t.createdAt),
  ],
);

/**
 * The STIR/SHAKEN verification of a traceback's Identity header, at the call time. One row per
 * traceback that carried a header. `result` is the whole VerificationResult of @hoptrace/shaken.
 */
export const tracebackShaken = pgTable(
  'traceback_shaken',
  {
    tracebackId: uuid('traceback_id')
      .primaryKey()
      .references(() => tracebacks.id),
    verifiedAt: ts('verified_at').notNull(),
    /** valid | invalid | error (could not be checked, e.g. certificate unreachable) */
    verdict: text('verdict', { enum: ['valid', 'invalid', 'error'] }).notNull(),
    /** RFC 8224 response code (e.g. 436, 437, 438, 403) when not valid. */
    sipCode: integer('sip_code'),
    verstat: text('verstat').notNull(),
    attest: text('attest'),
    origTn: text('orig_tn'),
    destTns: text('dest_tns')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    origid: text('origid'),
    x5u: text('x5u'),
    /** SPC (OCN) from the signer certificate's TNAuthList. */
    spc: text('spc'),
    signerProviderId: uuid('signer_provider_id').references(() => providers.id),
    /** Inconsistency codes found so far (signer_not_in_path, signer_not_origin, …), refreshed as the path grows. */
    inconsistencies: text('inconsistencies')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    result: jsonb('result').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [index('traceback_shaken_signer_idx').on(t.signerProviderId)],
);

/**
 * Flags from what the providers along a path received (decision 0034): one row per traceback, hop and
 * flag, with the provider it is counted against (null: nobody). Raised, never withdrawn.
 */
export const shakenPathFlags = pgTable(
  'shaken_path_flags',
  {
    tracebackId: uuid('traceback_id')
      .notNull()
      .references(() => tracebacks.id),
    hopId: uuid('hop_id')
      .notNull()
      .references(() => hops.id),
    code: text('code').notNull(),
    providerId: uuid('provider_id').references(() => providers.id),
    at: ts('at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tracebackId, t.hopId, t.code] }),
    index('shaken_path_flags_provider_idx').on(t.providerId, t.code),
  ],
);

/** Files attached to a hop's answer (PDF evidence). Immutable once written. */
export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tracebackId: uuid('traceback_id')
      .notNull()
      .references(() => tracebacks.id),
    hopId: uuid('hop_id')
      .notNull()
      .references(() => hops.id),
    fileName: text('file_name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    data: bytea('data').notNull(),
    uploadedBy: uuid('uploaded_by'),
    uploadedAt: ts('uploaded_at').notNull(),
  },
  (t) => [index('attachments_hop_idx').on(t.hopId), index('attachments_traceback_idx').on(t.tracebackId)],
);

/**
 * A traceback referred to an enforcement agency: the agency's users may read it (path, timeline,
 * origin). Withdrawing a referral keeps the row (withdrawn_at) so the record of disclosure stays.
 */
export const referrals = pgTable(
  'referrals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tracebackId: uuid('traceback_id')
      .notNull()
      .references(() => tracebacks.id),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id),
    /** The agency's name when it was referred (the record of disclosure keeps it if the agency is renamed). */
    agency: text('agency').notNull(),
    note: text('note'),
    referredBy: uuid('referred_by').references(() => users.id),
    referredAt: ts('referred_at').notNull(),
    withdrawnAt: ts('withdrawn_at'),
    withdrawnBy: uuid('withdrawn_by').references(() => users.id),
  },
  (t) => [
    uniqueIndex('referrals_live_key')
      .on(t.tracebackId, t.agencyId)
      .where(sql`${t.withdrawnAt} is null`),
    index('referrals_agency_idx').on(t.agencyId, t.referredAt),
  ],
);

/**
 * The audit ledger (decision 0024): one entry per change and per read of customer details, hash-chained.
 * Callers insert `at`, the actor, `action`, the subject and `details`; a BEFORE INSERT trigger takes the
 * head (`audit_head`, locked until commit), sets `seq` (gap-free), `prev_hash`, `entry` (the canonical
 * JSON of the entry, the exact text hashed) and `hash = sha256(prev_hash ‖ entry)`. Append-only (trigger).
 * Timeline events reach it through a deferred trigger on `events`, so every command that writes the
 * timeline is audited at its commit.
 */
export const auditLedger = pgTable(
  'audit_ledger',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull(),
    actor: text('actor').notNull(),
    actorUserId: uuid('actor_user_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id'),
    details: jsonb('details')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    entry: text('entry').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_ledger_actor_idx').on(t.actor, t.seq),
    index('audit_ledger_actor_user_idx').on(t.actorUserId, t.seq),
    index('audit_ledger_subject_idx').on(t.subjectType, t.subjectId, t.seq),
    index('audit_ledger_action_idx').on(t.action, t.seq),
  ],
);

/** The ledger's head: one row, the last entry's sequence number and hash; the lock every append takes. */
export const auditHead = pgTable(
  'audit_head',
  {
    id: integer('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('audit_head_one_row', sql`${t.id} = 1`)],
);

/** Heads published at intervals (the log, the public statistics page), so a rewritten chain shows. */
export const auditPublishedHeads = pgTable('audit_published_heads', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull(),
  publishedAt: ts('published_at').notNull(),
});

/**
 * Key metrics of a period (a year, or a month of it) as staff published them (decision 0028): the figures
 * computed at publication, kept as they were; later data does not change them. Append-only (a trigger
 * refuses UPDATE and DELETE, migration 0015), so a published figure is never rewritten.
 */
export const publishedStatistics = pgTable(
  'published_statistics',
  {
    /** `2024` for a year, `2024-03` for a month (UTC). */
    period: text('period').primaryKey(),
    year: integer('year').notNull(),
    /** 1–12 for a month, null for the whole year. */
    month: integer('month'),
    figures: jsonb('figures').$type<Record<string, unknown>>().notNull(),
    publishedBy: uuid('published_by').references(() => users.id),
    publishedAt: ts('published_at').notNull(),
  },
  (t) => [
    index('published_statistics_year_idx').on(t.year, t.month),
    check(
      'published_statistics_period_check',
      sql`(${t.month} is null and ${t.period} = ${t.year}::text) or (${t.month} between 1 and 12 and ${t.period} = ${t.year}::text || '-' || lpad(${t.month}::text, 2, '0'))`,
    ),
  ],
);

/**
 * A staff review of a provider's cooperation (issue 16, decision 0027): the status the policy computed, the
 * evidence behind it as it stood (counts, reasons, traceback ids, the policy), and what staff decided.
 * Only a confirmed determination may be published; a published non-cooperative one is what lets a provider
 * be named publicly (`publishedNonCooperative`). Rows are kept: a later review supersedes, never overwrites.
 */
export const cooperationDeterminations = pgTable(
  'cooperation_determinations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Decision order: the latest determination is the one with the highest `seq`, even within one instant. */
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => providers.id),
    status: text('status', { enum: ['cooperative', 'watch', 'non_cooperative'] }).notNull(),
    evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull(),
    computedAt: ts('computed_at').notNull(),
    decision: text('decision', { enum: ['confirmed', 'dismissed'] }).notNull(),
    decidedBy: uuid('decided_by').references(() => users.id),
    decidedAt: ts('decided_at').notNull(),
    note: text('note'),
    published: boolean('published').notNull().default(false),
    publishedAt: ts('published_at'),
    publishedBy: uuid('published_by').references(() => users.id),
  },
  (t) => [
    index('cooperation_determinations_provider_idx').on(t.providerId, t.seq),
    index('cooperation_determinations_decided_idx').on(t.decidedAt, t.id),
    index('cooperation_determinations_confirmed_idx')
      .on(t.providerId, t.seq)
      .where(sql`${t.decision} = 'confirmed'`),
    check(
      'cooperation_determinations_status_check',
      sql`${t.status} in ('cooperative', 'watch', 'non_cooperative')`,
    ),
    check('cooperation_determinations_decision_check', sql`${t.decision} in ('confirmed', 'dismissed')`),
    // Staff confirm before anything is published: a dismissed determination is never shown to anyone else.
    check(
      'cooperation_determinations_publish_check',
      sql`(not ${t.published} or ${t.decision} = 'confirmed') and (${t.published} = (${t.publishedAt} is not null))`,
    ),
  ],
);

/**
 * The instance's evidence keys (Ed25519): one current (retired_at null), retired ones kept so packages
 * signed with them still verify. The private key is sealed with HOPTRACE_SECRET_KEY when set (`v1.`),
 * else kept as is (`plain.`), like TOTP secrets (decision 0025).
 */
export const evidenceKeys = pgTable(
  'evidence_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** SPKI, PEM. */
    publicKeyPem: text('public_key_pem').notNull(),
    /** SHA-256 of the SPKI DER, hex: what packages and `hoptrace evidence verify` name the key by. */
    fingerprint: text('fingerprint').notNull(),
    /** PKCS#8 PEM, sealed (or marked plain). */
    privateKey: text('private_key').notNull(),
    createdAt: ts('created_at').notNull(),
    retiredAt: ts('retired_at'),
  },
  (t) => [
    uniqueIndex('evidence_keys_fingerprint_key').on(t.fingerprint),
    // At most one current key: two processes creating the first one at once keep one.
    uniqueIndex('evidence_keys_current_key')
      .on(sql`(true)`)
      .where(sql`${t.retiredAt} is null`),
  ],
);

/**
 * A built evidence package: the ZIP's exact bytes, so every download is the file that was hashed and
 * signed. `traceback_ids` are the tracebacks in it (access is decided on them); `traceback_id` or
 * `campaign_id` is what it was built for.
 */
export const evidencePackages = pgTable(
  'evidence_packages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    scope: text('scope').notNull(),
    tracebackId: uuid('traceback_id').references(() => tracebacks.id),
    campaignId: uuid('campaign_id').references(() => campaigns.id),
    tracebackIds: uuid('traceback_ids').array().notNull(),
    builtBy: uuid('built_by').references(() => users.id),
    builtByLabel: text('built_by_label').notNull(),
    builtAt: ts('built_at').notNull(),
    sha256: text('sha256').notNull(),
    manifestSha256: text('manifest_sha256').notNull(),
    keyId: uuid('key_id')
      .notNull()
      .references(() => evidenceKeys.id),
    sizeBytes: integer('size_bytes').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [
    check('evidence_packages_scope_check', sql`${t.scope} in ('traceback', 'campaign', 'tracebacks')`),
    index('evidence_packages_traceback_idx').on(t.tracebackId),
    index('evidence_packages_campaign_idx').on(t.campaignId),
  ],
);

/**
 * Every provider's scorecard figures over the policy's window, as last computed (decision 0027): the
 * scorecard table reads these few rows instead of aggregating every hop of the window on each page. The
 * worker refreshes them every few minutes in one statement; a provider's own scorecard is computed live.
 */
export const providerScorecards = pgTable('provider_scorecards', {
  providerId: uuid('provider_id')
    .primaryKey()
    .references(() => providers.id),
  computedAt: ts('computed_at').notNull(),
  windowFrom: ts('window_from').notNull(),
  requested: integer('requested').notNull(),
  onTime: integer('on_time').notNull(),
  late: integer('late').notNull(),
  never: integer('never').notNull(),
  medianHours: doublePrecision('median_h'),
  p90Hours: doublePrecision('p90_h'),
  asOrigin: integer('as_origin').notNull(),
  asEntry: integer('as_entry').notNull(),
  asHop: integer('as_hop').notNull(),
  noUpstream: integer('no_upstream').notNull(),
  campaigns: integer('campaigns').notNull(),
  originActions: integer('origin_actions').notNull(),
  warnedTerminated: integer('warned_terminated').notNull(),
});

/**
 * A traceback an enforcement agency asks for (decision 0026): the call, why it matters, its urgency.
 * Staff accept it (which opens the traceback, linked here) or decline it with a reason.
 */
export const tracebackRequests = pgTable(
  'traceback_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id),
    submittedBy: uuid('submitted_by').references(() => users.id),
    submittedAt: ts('submitted_at').notNull(),
    callStartedAt: ts('call_started_at').notNull(),
    callingNumber: text('calling_number').notNull(),
    calledNumber: text('called_number').notNull(),
    terminatingProviderId: uuid('terminating_provider_id').references(() => providers.id),
    reason: text('reason').notNull(),
    urgency: text('urgency', { enum: ['normal', 'urgent'] }).notNull(),
    status: text('status', { enum: ['pending', 'accepted', 'declined'] }).notNull(),
    decidedAt: ts('decided_at'),
    decidedBy: uuid('decided_by').references(() => users.id),
    declineReason: text('decline_reason'),
    tracebackId: uuid('traceback_id').references(() => tracebacks.id),
  },
  (t) => [
    check('traceback_requests_urgency_check', sql`${t.urgency} in ('normal', 'urgent')`),
    check('traceback_requests_status_check', sql`${t.status} in ('pending', 'accepted', 'declined')`),
    check(
      'traceback_requests_decision_check',
      sql`(${t.status} = 'accepted') = (${t.tracebackId} is not null) and (${t.status} = 'declined') = (${t.declineReason} is not null)`,
    ),
    uniqueIndex('traceback_requests_traceback_key').on(t.tracebackId),
    index('traceback_requests_agency_idx').on(t.agencyId, t.submittedAt),
    index('traceback_requests_status_idx').on(t.status, t.submittedAt),
  ],
);

/** Evidence attached to an agency request (PDF, image, audio), stored with its SHA-256; append-only (trigger). */
export const requestAttachments = pgTable(
  'request_attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => tracebackRequests.id),
    /** Its place among the request's files, as the agency sent them (0, 1, …). */
    position: integer('position').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    data: bytea('data').notNull(),
    uploadedBy: uuid('uploaded_by'),
    uploadedAt: ts('uploaded_at').notNull(),
  },
  (t) => [index('request_attachments_request_idx').on(t.requestId)],
);

/** What a legal request asks for: explicit tracebacks, numbers (E.164), a call date range, campaigns. */
export interface LegalScopeRow {
  tracebackIds: string[];
  numbers: string[];
  from: string | null;
  to: string | null;
  campaignIds: string[];
}

/**
 * The legal process register (decision 0029): subpoenas and civil investigative demands received by the
 * consortium. The issuing agency is its name as text, in one column (linked to the agencies directory
 * later). Dates are calendar dates (`received_on` counts it in the public statistics, `due_on` drives the
 * reminders). The document is the PDF as received, with its SHA-256. Staff confirm the tracebacks that
 * match the scope (`gathered_traceback_ids`), answer with an evidence package and record the response.
 */
export const legalRequests = pgTable(
  'legal_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['subpoena', 'cid', 'other'] }).notNull(),
    issuingAgency: text('issuing_agency').notNull(),
    /** The issuing agency in the directory, when it is there: its enforcement users see the request's status. */
    issuingAgencyId: uuid('issuing_agency_id').references(() => agencies.id),
    number: text('number').notNull(),
    receivedOn: date('received_on', { mode: 'string' }).notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    scope: jsonb('scope').$type<LegalScopeRow>().notNull(),
    status: text('status', { enum: ['received', 'gathering', 'responded', 'closed'] }).notNull(),
    notes: text('notes'),
    documentName: text('document_name'),
    documentSha256: text('document_sha256'),
    documentSize: integer('document_size'),
    documentData: bytea('document_data'),
    gatheredTracebackIds: uuid('gathered_traceback_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    gatheredAt: ts('gathered_at'),
    packageId: uuid('package_id').references(() => evidencePackages.id),
    respondedAt: ts('responded_at'),
    responseMethod: text('response_method'),
    responseNote: text('response_note'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    check('legal_requests_kind_check', sql`${t.kind} in ('subpoena', 'cid', 'other')`),
    check(
      'legal_requests_status_check',
      sql`${t.status} in ('received', 'gathering', 'responded', 'closed')`,
    ),
    check('legal_requests_document_check', sql`(${t.documentData} is null) = (${t.documentSha256} is null)`),
    index('legal_requests_due_idx').on(t.dueOn, t.id),
    index('legal_requests_received_idx').on(t.receivedOn),
    index('legal_requests_issuing_agency_idx').on(t.issuingAgencyId, t.dueOn),
  ],
);

/**
 * Cease-and-desist letters from the FCC or the FTC against a provider (decision 0029): its hops carry a
 * red flag from `issued_on` on. A link or a PDF (with its SHA-256). Append-only in practice: no route
 * changes one.
 */
export const providerLetters = pgTable(
  'provider_letters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => providers.id),
    issuer: text('issuer', { enum: ['FCC', 'FTC'] }).notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    responseDueOn: date('response_due_on', { mode: 'string' }),
    url: text('url'),
    summary: text('summary').notNull(),
    documentName: text('document_name'),
    documentSha256: text('document_sha256'),
    documentData: bytea('document_data'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    check('provider_letters_issuer_check', sql`${t.issuer} in ('FCC', 'FTC')`),
    index('provider_letters_provider_idx').on(t.providerId, t.issuedOn),
  ],
);
