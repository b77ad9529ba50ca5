import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export interface ContactRow {
  name: string;
  email: string;
  phone?: string | undefined;
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
    createdBy: uuid('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('providers_name_idx').on(sql`lower(${t.name})`),
    index('providers_ocns_idx').using('gin', t.ocns),
    index('providers_created_idx').on(t.createdAt, t.id),
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
  },
  (t) => [
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
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
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [uniqueIndex('sessions_token_hash_key').on(t.tokenHash)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
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
  },
  (t) => [uniqueIndex('api_keys_key_hash_key').on(t.keyHash), index('api_keys_user_idx').on(t.userId)],
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
  },
  (t) => [index('campaigns_created_idx').on(t.createdAt, t.id)],
);

export const tracebacks = pgTable(
  'tracebacks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
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
    firstProviderId: uuid('first_provider_id')
      .notNull()
      .references(() => providers.id),
    identityHeader: text('identity_header'),
    note: text('note'),
    requestedBy: uuid('requested_by').references(() => users.id),
    openedAt: ts('opened_at').notNull(),
    closedAt: ts('closed_at'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    check('tracebacks_status_check', sql`${t.status} in ('open', 'closed')`),
    check(
      'tracebacks_outcome_check',
      sql`(${t.status} = 'open' and ${t.outcome} is null) or (${t.status} = 'closed' and ${t.outcome} in ('origin_identified', 'foreign_origin', 'non_responsive', 'dead_end', 'cancelled'))`,
    ),
    index('tracebacks_opened_idx').on(t.openedAt, t.id),
    index('tracebacks_status_opened_idx').on(t.status, t.openedAt),
    index('tracebacks_campaign_idx').on(t.campaignId),
    index('tracebacks_calling_idx').on(t.callingNumber),
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
  },
  (t) => [
    uniqueIndex('hops_traceback_line_seq_key').on(t.tracebackId, t.line, t.seq),
    index('hops_provider_status_idx').on(t.providerId, t.status, t.requestedAt),
    index('hops_status_due_idx').on(t.status, t.dueAt),
    check('hops_status_check', sql`${t.status} in ('pending', 'answered', 'non_responsive', 'withdrawn')`),
    check(
      'hops_answer_check',
      sql`(${t.status} = 'answered') = (${t.answerKind} is not null and ${t.answeredAt} is not null)`,
    ),
    check('hops_upstream_check', sql`(${t.answerKind} = 'upstream') = (${t.upstreamProviderId} is not null)`),
  ],
);

/** Customer data from an origin answer: CPNI, kept apart so that every read of it is deliberate. */
export const origins = pgTable('origins', {
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
});

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

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    responseBody: text('response_body'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
);
