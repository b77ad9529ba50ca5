import { randomUUID } from 'node:crypto';
import {
  endpointsFor,
  enqueueOutbox,
  expireHopLinks,
  findCampaign,
  addHopLink,
  findProviders,
  insertScheduledNotices,
  staffEmails,
  type AgencyRow,
  type HopRow,
  type OutboxInsert,
  type ProviderRow,
  type ScheduledNoticeRow,
  type TracebackRow,
  type Tx,
  type UpstreamOutsideRmdRow,
} from '@hoptrace/db';
import { generateSecret, hashSecret } from '../auth';
import { DEFAULT_REMINDER_SCHEDULE, noticesFor, type ReminderSchedule } from '../clock/reminders';
import { signerClaimsOf } from '../shaken/claims';
import { rmdWarningsOf } from './rmdWarnings';
import type {
  EmailPayload,
  ReferralPayload,
  RmdUpstreamRemovedPayload,
  TracebackClosedPayload,
  WelcomePayload,
} from './templates';
import { RMD_ACCEPTANCE_RULE } from './rmdWarnings';

/**
 * Notices are written to the outbox inside the transaction of the change that
 * causes them, so a change and its notices commit together or not at all. The
 * dispatcher sends them afterwards. Every row has a dedupe key: running a
 * handler twice enqueues nothing new.
 */

export const LINK_LIFETIME_AFTER_CLOSE_MS = 7 * 24 * 3_600_000;

export const WEBHOOK_EVENTS = [
  'hop.assigned',
  'hop.reminder',
  'hop.closed',
  'traceback.closed',
  'rmd.upstream_removed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

const messageId = () => `<${randomUUID()}@hoptrace>`;

async function hopPayload(
  tx: Tx,
  traceback: TracebackRow,
  hop: HopRow,
  provider: ProviderRow,
): Promise<EmailPayload> {
  const campaign = traceback.campaignId ? await findCampaign(tx, traceback.campaignId) : undefined;
  const signer = await signerClaimsOf(tx, hop);
  return {
    hopId: hop.id,
    tracebackId: traceback.id,
    seq: hop.seq,
    providerName: provider.name,
    timezone: provider.timezone,
    call: {
      startedAt: traceback.callStartedAt.toISOString(),
      callingNumber: traceback.callingNumber,
      calledNumber: traceback.calledNumber,
    },
    campaign: campaign ? { name: campaign.name, description: campaign.description } : null,
    requestedAt: hop.requestedAt.toISOString(),
    receivedAt: hop.receivedAt.toISOString(),
    dueAt: hop.dueAt.toISOString(),
    ...(signer ? { signer } : {}),
    ...(traceback.kind === 'forward'
      ? { forward: { number: traceback.callingNumber, lastHeardAt: traceback.callStartedAt.toISOString() } }
      : {}),
    ...(traceback.urgentHours !== null ? { urgentHours: traceback.urgentHours } : {}),
  };
}

/** What a provider's webhook may carry about its own hop: the call and the deadline, nothing of the path. */
function hopWebhookData(p: EmailPayload) {
  return {
    hopId: p.hopId,
    tracebackId: p.tracebackId,
    call: p.call,
    campaign: p.campaign,
    ...(p.urgentHours ? { urgent: true, urgentHours: p.urgentHours } : {}),
    receivedAt: p.receivedAt,
    dueAt: p.dueAt,
    // A hop to the call's signer: its own PASSporT's claims (origid, attestation), nothing of the path.
    ...(p.signer ? { line: 'signer', signer: p.signer } : {}),
    // A forward request: a number the provider holds, not a call (answer origin or not_found).
    ...(p.forward ? { kind: 'forward', forward: p.forward } : {}),
  };
}

async function webhookRows(
  tx: Tx,
  opts: {
    providerIds: string[];
    event: WebhookEvent;
    key: string;
    now: Date;
    data: (providerId: string) => unknown;
    hop?: HopRow;
    tracebackId: string | null;
  },
): Promise<OutboxInsert[]> {
  const endpoints = await endpointsFor(tx, opts.providerIds, opts.event);
  return endpoints.map((e) => ({
    channel: 'webhook' as const,
    topic: opts.event,
    dedupeKey: `webhook:${opts.event}:${opts.key}:${e.id}`,
    recipient: e.url,
    payload: {
      event: opts.event,
      occurredAt: opts.now.toISOString(),
      data: opts.data(e.providerId) as Record<string, unknown>,
    },
    messageId: messageId(),
    nextAttemptAt: opts.now,
    createdAt: opts.now,
    tracebackId: opts.tracebackId,
    hopId: opts.hop?.id ?? null,
    providerId: e.providerId,
    endpointId: e.id,
  }));
}

function emailRows(
  recipients: string[],
  opts: {
    topic: string;
    key: string;
    now: Date;
    payload: EmailPayload | Record<string, unknown>;
    secrets?: Record<string, string>;
    hop?: HopRow;
    tracebackId: string | null;
    providerId?: string;
  },
): OutboxInsert[] {
  return [...new Set(recipients.map((r) => r.toLowerCase()))].map((recipient) => ({
    channel: 'email' as const,
    topic: opts.topic,
    dedupeKey: `email:${opts.topic}:${opts.key}:${recipient}`,
    recipient,
    payload: opts.payload as Record<string, unknown>,
    secrets: opts.secrets ?? null,
    messageId: messageId(),
    nextAttemptAt: opts.now,
    createdAt: opts.now,
    tracebackId: opts.tracebackId,
    hopId: opts.hop?.id ?? null,
    providerId: opts.providerId ?? null,
  }));
}

/** A one-hop link for an email: the token travels only in the message; the database keeps its hash. */
async function newLink(tx: Tx, hop: HopRow, now: Date): Promise<Record<string, string>> {
  const token = generateSecret('hl');
  await addHopLink(tx, { hopId: hop.id, tokenHash: hashSecret(token), createdAt: now });
  return { linkToken: token };
}

/**
 * Emails about one hop to these contacts, each carrying a new one-hop link. The link travels only
 * in these emails: with no recipient no link is made (it would be a credential nobody holds).
 */
async function linkedEmailRows(
  tx: Tx,
  contacts: Array<{ email: string }>,
  opts: {
    topic: string;
    key: string;
    now: Date;
    payload: EmailPayload | Record<string, unknown>;
    hop: HopRow;
    traceback: TracebackRow;
    provider: ProviderRow;
  },
): Promise<OutboxInsert[]> {
  if (contacts.length === 0) return [];
  const { topic, key, now, payload, hop, traceback, provider } = opts;
  return emailRows(
    contacts.map((c) => c.email),
    {
      topic,
      key,
      now,
      payload,
      secrets: await newLink(tx, hop, now),
      hop,
      tracebackId: traceback.id,
      providerId: provider.id,
    },
  );
}

/** One hop notice to a provider: email to its traceback contacts (each message with a one-hop link) and its webhooks. */
async function toProvider(
  tx: Tx,
  opts: {
    topic: 'hop.assigned' | 'hop.reminder';
    key: string;
    traceback: TracebackRow;
    hop: HopRow;
    provider: ProviderRow;
    now: Date;
    payload: EmailPayload;
    webhookData: unknown;
  },
): Promise<void> {
  const { topic, key, traceback, hop, provider, now, payload } = opts;
  const rows = await linkedEmailRows(tx, provider.contacts, {
    topic,
    key,
    now,
    payload,
    hop,
    traceback,
    provider,
  });
  rows.push(
    ...(await webhookRows(tx, {
      providerIds: [provider.id],
      event: topic,
      key,
      now,
      data: () => opts.webhookData,
      hop,
      tracebackId: traceback.id,
    })),
  );
  await enqueueOutbox(tx, rows);
}

export async function noticeHopAssigned(
  tx: Tx,
  opts: {
    traceback: TracebackRow;
    hop: HopRow;
    provider: ProviderRow;
    now: Date;
    schedule?: ReminderSchedule | undefined;
  },
): Promise<void> {
  const { traceback, hop, provider, now } = opts;
  const payload = await hopPayload(tx, traceback, hop, provider);
  await toProvider(tx, {
    topic: 'hop.assigned',
    key: hop.id,
    traceback,
    hop,
    provider,
    now,
    payload,
    webhookData: hopWebhookData(payload),
  });
  // An urgent traceback (a live threat) goes to the provider's escalation contacts at once, not at the deadline.
  if (traceback.urgentHours !== null && provider.escalationContacts.length > 0)
    await enqueueOutbox(
      tx,
      await linkedEmailRows(tx, provider.escalationContacts, {
        topic: 'hop.urgent',
        key: hop.id,
        now,
        payload,
        hop,
        traceback,
        provider,
      }),
    );
  const planned = noticesFor(hop, opts.schedule ?? DEFAULT_REMINDER_SCHEDULE);
  await insertScheduledNotices(
    tx,
    planned.map((n) => ({ hopId: hop.id, kind: n.kind, dueAt: n.at, hoursBeforeDue: n.hoursBeforeDue })),
  );
}

/** A due reminder or escalation, turned into messages if the hop is still waiting. */
export async function noticeScheduled(
  tx: Tx,
  opts: {
    notice: ScheduledNoticeRow;
    traceback: TracebackRow;
    hop: HopRow;
    provider: ProviderRow;
    now: Date;
  },
): Promise<void> {
  const { notice, traceback, hop, provider, now } = opts;
  // A reminder is moot once the hop stopped waiting; an escalation is not when the reason is that it ran out of time.
  if (hop.status !== 'pending' && !(notice.kind === 'escalation' && hop.status === 'non_responsive')) return;
  const payload = {
    ...(await hopPayload(tx, traceback, hop, provider)),
    hoursBeforeDue: notice.hoursBeforeDue,
  };
  const key = `${hop.id}:${notice.id}`;
  if (notice.kind === 'reminder') {
    await toProvider(tx, {
      topic: 'hop.reminder',
      key,
      traceback,
      hop,
      provider,
      now,
      payload,
      webhookData: { ...hopWebhookData(payload), hoursBeforeDue: notice.hoursBeforeDue },
    });
    return;
  }
  const escalation = provider.escalationContacts.length ? provider.escalationContacts : provider.contacts;
  await enqueueOutbox(
    tx,
    await linkedEmailRows(tx, escalation, {
      topic: 'hop.escalation',
      key,
      now,
      payload,
      hop,
      traceback,
      provider,
    }),
  );
}

/** A hop stopped waiting (answered, withdrawn, non-responsive): tell its provider's webhooks, start the link's last week. */
export async function noticeHopClosed(
  tx: Tx,
  opts: { traceback: TracebackRow; hop: HopRow; now: Date; status: HopRow['status']; late?: boolean },
): Promise<void> {
  const { traceback, hop, now } = opts;
  await expireHopLinks(tx, hop.id, new Date(now.getTime() + LINK_LIFETIME_AFTER_CLOSE_MS));
  await enqueueOutbox(
    tx,
    await webhookRows(tx, {
      providerIds: [hop.providerId],
      event: 'hop.closed',
      key: hop.id,
      now,
      hop,
      tracebackId: traceback.id,
      data: () => ({
        hopId: hop.id,
        tracebackId: traceback.id,
        status: opts.status,
        late: opts.late ?? false,
        closedAt: now.toISOString(),
      }),
    }),
  );
}

/**
 * A traceback ended: each provider in the path learns the outcome and which of
 * its hops it concerns (so it can act on its upstream); nobody learns the origin
 * customer this way. Staff are told when the end is non-responsive.
 */
export async function noticeTracebackClosed(
  tx: Tx,
  opts: { traceback: TracebackRow; hops: HopRow[]; now: Date },
): Promise<void> {
  const { traceback, hops, now } = opts;
  // Everyone who was asked, including providers whose request was withdrawn: they may still be holding records.
  const providerIds = [...new Set(hops.map((h) => h.providerId))];
  const key = `${traceback.id}:${now.getTime()}`;
  // A provider that accepted the call from an upstream not in the RMD is told so (issue 7).
  const warnings = await rmdWarningsOf(tx, traceback, hops);
  const rows = await webhookRows(tx, {
    providerIds,
    event: 'traceback.closed',
    key,
    now,
    tracebackId: traceback.id,
    data: (providerId) => ({
      tracebackId: traceback.id,
      outcome: traceback.outcome,
      closedAt: now.toISOString(),
      yourHopIds: hops.filter((h) => h.providerId === providerId).map((h) => h.id),
      ...(warnings.has(providerId) ? { rmdWarnings: warnings.get(providerId) } : {}),
    }),
  });
  if (warnings.size > 0) {
    for (const provider of await findProviders(tx, [...warnings.keys()])) {
      const payload: TracebackClosedPayload = {
        tracebackId: traceback.id,
        outcome: traceback.outcome ?? 'closed',
        closedAt: now.toISOString(),
        providerName: provider.name,
        timezone: provider.timezone,
        call: {
          startedAt: traceback.callStartedAt.toISOString(),
          callingNumber: traceback.callingNumber,
          calledNumber: traceback.calledNumber,
        },
        yourHopIds: hops.filter((h) => h.providerId === provider.id).map((h) => h.id),
        rmdWarnings: warnings.get(provider.id) ?? [],
      };
      rows.push(
        ...emailRows(
          provider.contacts.map((c) => c.email),
          {
            topic: 'traceback.closed',
            key,
            now,
            payload: payload as unknown as Record<string, unknown>,
            tracebackId: traceback.id,
            providerId: provider.id,
          },
        ),
      );
    }
  }
  if (traceback.outcome === 'non_responsive') {
    const stuck = hops.find((h) => h.status === 'non_responsive');
    const [provider] = stuck ? await findProviders(tx, [stuck.providerId]) : [];
    rows.push(
      ...emailRows(await staffEmails(tx), {
        topic: 'traceback.non_responsive',
        key,
        now,
        tracebackId: traceback.id,
        payload: {
          tracebackId: traceback.id,
          hopId: stuck?.id ?? null,
          providerName: provider?.name ?? 'unknown provider',
          timezone: provider?.timezone ?? 'UTC',
          dueAt: stuck?.dueAt.toISOString() ?? null,
          ...(traceback.kind === 'forward' ? { forward: { number: traceback.callingNumber } } : {}),
          call: {
            startedAt: traceback.callStartedAt.toISOString(),
            callingNumber: traceback.callingNumber,
            calledNumber: traceback.calledNumber,
          },
        },
      }),
    );
  }
  await enqueueOutbox(tx, rows);
}

/** A referral's email to each contact of the agency, with a link to the traceback (through the outbox). */
export async function noticeReferral(
  tx: Tx,
  opts: { traceback: TracebackRow; agency: AgencyRow; referralId: string; note: string | null; now: Date },
): Promise<void> {
  const { traceback, agency, referralId, note, now } = opts;
  const payload: ReferralPayload = {
    tracebackId: traceback.id,
    agency: agency.name,
    note,
    referredAt: now.toISOString(),
    call: {
      startedAt: traceback.callStartedAt.toISOString(),
      callingNumber: traceback.callingNumber,
      calledNumber: traceback.calledNumber,
    },
  };
  await enqueueOutbox(
    tx,
    emailRows(
      agency.contacts.map((c) => c.email),
      {
        topic: 'referral.sent',
        key: referralId,
        now,
        payload: payload as unknown as Record<string, unknown>,
        tracebackId: traceback.id,
      },
    ),
  );
}

/**
 * RMD watch (decision 0032): each downstream provider is told, once per removal, that an upstream it named
 * in its recent answers is absent from or was removed from the RMD: email to its contacts and the
 * `rmd.upstream_removed` webhook. The dedupe key names the downstream, the upstream and the removal (the
 * filing and its removal date, or "absent"), so a re-run writes nothing and a filing that comes back and is
 * removed again is a new removal. Returns the rows written (new ones only) by channel.
 */
export async function noticeRmdUpstreamsRemoved(
  tx: Tx,
  pairs: UpstreamOutsideRmdRow[],
  now: Date,
): Promise<{ emails: number; webhooks: number }> {
  const emails: OutboxInsert[] = [];
  const hooks: OutboxInsert[] = [];
  const endpoints = await endpointsFor(
    tx,
    [...new Set(pairs.map((p) => p.downstreamId))],
    'rmd.upstream_removed',
  );
  for (const p of pairs) {
    const removal = p.filingId && p.removedAt ? `${p.filingId}:${p.removedAt.toISOString()}` : 'absent';
    const key = `${p.downstreamId}:${p.upstreamId}:${removal}`;
    const payload: RmdUpstreamRemovedPayload = {
      providerName: p.downstreamName,
      timezone: p.downstreamTimezone,
      upstreamProviderId: p.upstreamId,
      upstreamName: p.upstreamName,
      rmdStatus: p.removedAt ? 'removed' : 'absent',
      removedAt: p.removedAt?.toISOString() ?? null,
      filingNumber: p.filingNumber,
      hops: p.hops,
      lastNamedAt: p.lastNamedAt.toISOString(),
      yourHopIds: p.hopIds,
      rule: RMD_ACCEPTANCE_RULE,
    };
    const mine = emailRows(
      p.downstreamContacts.map((c) => c.email),
      {
        topic: 'rmd.upstream_removed',
        key,
        now,
        payload: payload as unknown as Record<string, unknown>,
        tracebackId: null,
        providerId: p.downstreamId,
      },
    );
    const { providerName: _n, timezone: _t, ...data } = payload;
    const theirs = endpoints
      .filter((e) => e.providerId === p.downstreamId)
      .map((e) => ({
        channel: 'webhook' as const,
        topic: 'rmd.upstream_removed',
        dedupeKey: `webhook:rmd.upstream_removed:${key}:${e.id}`,
        recipient: e.url,
        payload: { event: 'rmd.upstream_removed', occurredAt: now.toISOString(), data },
        messageId: messageId(),
        nextAttemptAt: now,
        createdAt: now,
        tracebackId: null,
        hopId: null,
        providerId: e.providerId,
        endpointId: e.id,
      }));
    emails.push(...mine);
    hooks.push(...theirs);
  }
  const sentEmails = await enqueueOutbox(tx, emails);
  const sentHooks = await enqueueOutbox(tx, hooks);
  return { emails: sentEmails, webhooks: sentHooks };
}

/**
 * A provider contact added for the first time (issue 19.5) is welcomed: one email explaining traceback
 * requests, the 24-hour rule and the ways to answer. The dedupe key names the provider and the address, so an
 * address is welcomed once per provider however often it is removed and added again. `before` is the provider
 * as it was (absent for a new one): only addresses it did not list are new.
 */
export async function noticeContactsWelcome(
  tx: Tx,
  opts: { provider: ProviderRow; before?: ProviderRow; now: Date },
): Promise<number> {
  const { provider, before, now } = opts;
  const known = new Set(
    [...(before?.contacts ?? []), ...(before?.escalationContacts ?? [])].map((c) => c.email.toLowerCase()),
  );
  const seen = new Set<string>();
  const rows: OutboxInsert[] = [];
  const roles = [
    ['contact', provider.contacts],
    ['escalation', provider.escalationContacts],
  ] as const;
  for (const [role, contacts] of roles)
    for (const c of contacts) {
      const address = c.email.toLowerCase();
      if (known.has(address) || seen.has(address)) continue;
      seen.add(address);
      const payload: WelcomePayload = {
        providerId: provider.id,
        providerName: provider.name,
        contactName: c.name,
        timezone: provider.timezone,
        role,
      };
      rows.push(
        ...emailRows([address], {
          topic: 'provider.welcome',
          key: provider.id,
          now,
          payload: payload as unknown as Record<string, unknown>,
          tracebackId: null,
          providerId: provider.id,
        }),
      );
    }
  return enqueueOutbox(tx, rows);
}
