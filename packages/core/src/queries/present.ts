import type { TCampaign, THopSummary, TProvider, TTraceback, TUser } from '@hoptrace/contracts';
import type {
  AttachmentMeta,
  CampaignRow,
  HopRow,
  OriginRow,
  ProviderRow,
  RmdFilingRow,
  TracebackRow,
  UserRow,
} from '@hoptrace/db';
import type { Actor } from '../actor';
import { presentAttachment } from '../commands/attachments';
import { calendarOf } from '../deadlines';
import { policy } from '../policies';
import { decideAction, type ActionRequest } from '../workflow';
import { presentProviderRmd } from './rmd';

/** Presenters: the only shapes that leave the core. Each takes the viewer, so what is shown follows the policy. */

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** `rmd`: the provider's linked filing (undefined when the caller did not look it up: no `rmd` field). */
export function presentProvider(
  actor: Actor,
  p: ProviderRow,
  rmd?: { filing: RmdFilingRow | undefined },
): TProvider {
  return {
    id: p.id,
    name: p.name,
    dbaNames: p.dbaNames,
    country: p.country,
    ocns: p.ocns,
    frn: p.frn,
    rmdNumber: p.rmdNumber,
    timezone: p.timezone,
    ...(policy.readProviderContacts(actor, p.id)
      ? { contacts: p.contacts, escalationContacts: p.escalationContacts }
      : {}),
    businessHours: (({ timezone: _tz, ...hours }) => hours)(calendarOf(p)),
    allowLinkAnswers: p.allowLinkAnswers,
    verified: p.verified,
    createdAt: iso(p.createdAt),
    can: { update: policy.updateProvider(actor, p.id) },
    ...(rmd ? { rmd: presentProviderRmd(rmd.filing) } : {}),
  };
}

export function presentCampaign(c: CampaignRow): TCampaign {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    category: c.category,
    createdAt: iso(c.createdAt),
    status: c.status,
    origin: c.origin,
    namedByAnalyst: c.namedByAnalyst,
    mergedIntoId: c.mergedIntoId,
    callCount: c.callCount,
    firstSeenAt: c.firstSeenAt ? iso(c.firstSeenAt) : null,
    lastSeenAt: c.lastSeenAt ? iso(c.lastSeenAt) : null,
  };
}

export function presentUser(u: UserRow & { agencyName?: string | null }): TUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    providerId: u.providerId,
    ...(u.agencyId ? { agencyId: u.agencyId, ...(u.agencyName ? { agency: u.agencyName } : {}) } : {}),
    ...(u.disabledAt ? { disabled: true } : {}),
    createdAt: iso(u.createdAt),
  };
}

export function presentAnswer(h: HopRow, origin?: OriginRow) {
  if (!h.answerKind) return null;
  return {
    kind: h.answerKind,
    ...(h.upstreamProviderId ? { upstreamProviderId: h.upstreamProviderId } : {}),
    ...(origin ? { action: origin.action } : {}),
    ...(h.comment ? { comment: h.comment } : {}),
  };
}

export function presentHopSummary(
  h: HopRow,
  providerNames: Map<string, string>,
  origin?: OriginRow,
  attachments?: AttachmentMeta[],
): THopSummary {
  return {
    id: h.id,
    seq: h.seq,
    line: h.line,
    providerId: h.providerId,
    providerName: providerNames.get(h.providerId) ?? '',
    namedByHopId: h.namedByHopId,
    status: h.status,
    requestedAt: iso(h.requestedAt),
    receivedAt: iso(h.receivedAt),
    dueAt: iso(h.dueAt),
    answeredAt: isoOrNull(h.answeredAt),
    answeredVia: (h.answeredVia as THopSummary['answeredVia']) ?? null,
    late: h.late,
    answer: presentAnswer(h, origin?.hopId === h.id ? origin : undefined),
    ...(attachments
      ? { attachments: attachments.filter((a) => a.hopId === h.id).map(presentAttachment) }
      : {}),
  };
}

const PROBES: Record<keyof TTraceback['can'], (hops: HopRow[]) => ActionRequest> = {
  cancel: () => ({ action: 'cancel' }),
  close: () => ({ action: 'close', outcome: 'foreign_origin' }),
  // A probe with a provider asks "could this be reopened at all".
  reopen: () => ({ action: 'reopen', providerId: 'probe' }),
  reassign: (hops) => {
    const pending = hops.find((h) => h.status === 'pending');
    return { action: 'reassign', hopId: pending?.id ?? 'none', providerId: 'probe' };
  },
  continueAbroad: () => ({ action: 'continue_abroad' }),
};

export function tracebackPermissions(actor: Actor, t: TracebackRow, hops: HopRow[]): TTraceback['can'] {
  const steer = policy.steerTraceback(actor);
  const can = (k: keyof TTraceback['can']) => steer && decideAction(t, hops, PROBES[k](hops)).ok;
  return {
    cancel: can('cancel'),
    close: can('close'),
    reopen: can('reopen'),
    reassign: can('reassign'),
    continueAbroad: can('continueAbroad'),
  };
}

/** The entry point, for a caller that sees its hop (a provider user sees only its own). */
export function presentEntryPoint(t: TracebackRow, hops: HopRow[]): string | null {
  const id = t.entryPointProviderId;
  return id && hops.some((h) => h.providerId === id) ? id : null;
}

export function presentTraceback(
  actor: Actor,
  t: TracebackRow,
  hops: HopRow[],
  providerNames: Map<string, string>,
  origin: OriginRow | undefined,
  attachments?: AttachmentMeta[],
  /** The signer's origin answer on the signer line: its claim, never the traceback's origin. */
  signerOrigin?: OriginRow,
): TTraceback {
  const presentOrigin = (o: OriginRow) => ({
    hopId: o.hopId,
    providerId: hops.find((h) => h.id === o.hopId)?.providerId ?? '',
    customer: {
      name: o.customerName,
      address: o.customerAddress,
      contact: o.customerContact,
      accountRef: o.accountRef,
    },
    action: o.action,
  });
  return {
    id: t.id,
    kind: t.kind,
    status: t.status,
    outcome: t.outcome,
    flags: t.flags,
    urgent: t.urgentHours !== null,
    call: { startedAt: iso(t.callStartedAt), callingNumber: t.callingNumber, calledNumber: t.calledNumber },
    campaignId: t.campaignId,
    firstProviderId: t.firstProviderId,
    entryPointProviderId: presentEntryPoint(t, hops),
    identityHeader: t.identityHeader,
    note: t.note,
    openedAt: iso(t.openedAt),
    closedAt: isoOrNull(t.closedAt),
    hops: hops.map((h) =>
      presentHopSummary(h, providerNames, h.id === signerOrigin?.hopId ? signerOrigin : origin, attachments),
    ),
    ...(origin ? { origin: presentOrigin(origin) } : {}),
    ...(signerOrigin ? { signerOrigin: presentOrigin(signerOrigin) } : {}),
    can: tracebackPermissions(actor, t, hops),
  };
}
