import type {
  TAnswerChannel,
  TCampaignStatus,
  TEvent,
  TLegalKind,
  TLegalStatus,
  THopStatus,
  TOriginAction,
  TOutcome,
  TProvider,
  TRole,
} from '@hoptrace/contracts';
import { formatPhone } from './phone';

/** Words for the API's codes, in one place so every screen says the same thing. */

export const OUTCOME_LABEL: Record<TOutcome, string> = {
  origin_identified: 'Origin identified',
  foreign_origin: 'Foreign origin',
  non_responsive: 'Non-responsive',
  dead_end: 'Dead end',
  cancelled: 'Cancelled',
};

export const OUTCOME_HELP: Record<TOutcome, string> = {
  origin_identified: 'The originating provider (and usually the caller) is known',
  foreign_origin: 'The path leaves the country: the US gateway provider is identified',
  non_responsive: 'A provider did not answer in time; the traceback stops there',
  dead_end: 'A provider has no record and the path cannot be resolved',
  cancelled: 'Withdrawn by staff',
};

/** Colours carry meaning next to the words, never instead of them. */
export const OUTCOME_COLOR: Record<TOutcome, string> = {
  origin_identified: 'teal',
  foreign_origin: 'indigo',
  non_responsive: 'red',
  dead_end: 'orange',
  cancelled: 'gray',
};

export const HOP_STATUS_LABEL: Record<THopStatus, string> = {
  pending: 'Awaiting answer',
  answered: 'Answered',
  non_responsive: 'Non-responsive',
  withdrawn: 'Withdrawn',
};

export const HOP_STATUS_COLOR: Record<THopStatus, string> = {
  pending: 'blue',
  answered: 'teal',
  non_responsive: 'red',
  withdrawn: 'gray',
};

export const ACTION_LABEL: Record<TOriginAction, string> = {
  terminated: 'Customer terminated',
  warned: 'Customer warned',
  blocked: 'Traffic blocked',
  investigating: 'Under investigation',
  none: 'No action',
};

export const CHANNEL_LABEL: Record<TAnswerChannel, string> = {
  api: 'API',
  portal: 'portal',
  link: 'email link',
  bulk: 'bulk file',
  agent: 'provider agent',
  staff: 'staff',
};

export const ROLE_LABEL: Record<TRole, string> = {
  admin: 'Administrator',
  analyst: 'Analyst',
  provider: 'Provider',
  enforcement: 'Enforcement',
};

export const CATEGORY_LABEL: Record<string, string> = {
  government_impersonation: 'Government impersonation',
  business_impersonation: 'Business impersonation',
  auto_warranty: 'Auto warranty',
  financial: 'Financial',
  health: 'Health',
  utilities: 'Utilities',
  political: 'Political',
  other: 'Other',
};

export const CAMPAIGN_STATUS_LABEL: Record<TCampaignStatus, string> = {
  candidate: 'Candidate',
  active: 'Active',
  legitimate: 'Legitimate',
  merged: 'Merged',
};
export const CAMPAIGN_STATUS_COLOR: Record<TCampaignStatus, string> = {
  candidate: 'gray',
  active: 'red',
  legitimate: 'teal',
  merged: 'gray',
};

/** Week-on-week growth as people read it: "+35%", "−10%", "new" (nothing the week before). */
export function formatGrowth(growth: number | null): string {
  if (growth === null) return 'new';
  const pct = Math.round(growth * 100);
  return pct > 0 ? `+${pct}%` : pct < 0 ? `−${Math.abs(pct)}%` : '0%';
}

/** A share (0–1) as a whole percentage; a dash without calls to share. */
export const formatShare = (share: number | null): string =>
  share === null ? '—' : `${Math.round(share * 100)}%`;

export const ANSWER_KIND_LABEL = {
  upstream: 'Named its upstream',
  origin: 'Originated the call',
  not_found: 'No record of the call',
} as const;

/** The same answers to a forward request (whose customer holds a callback number). */
export const FORWARD_ANSWER_LABEL = {
  upstream: 'Named another provider',
  origin: 'Our customer',
  not_found: 'Not ours',
} as const;

/** An answer in words, as the question it answers was put (a call traced, or a number asked about). */
export const answerLabel = (kind: keyof typeof ANSWER_KIND_LABEL, forward: boolean): string =>
  (forward ? FORWARD_ANSWER_LABEL : ANSWER_KIND_LABEL)[kind];

/** Flags a traceback can carry (tracebacks.flags), in words. */
export const FLAG_LABEL: Record<string, string> = {
  loop: 'Loop in the path',
  spoofed_dno: 'Calling number on the Do-Not-Originate list',
  shaken_signer_not_in_path: 'Signer not in the path',
  shaken_signer_not_origin: 'Signer is not the origin',
  shaken_attest_a_number_not_held: 'A attestation, number not held',
  shaken_cert_expired_or_revoked: 'Certificate expired or revoked',
  shaken_invalid_signature: 'Invalid signature',
  shaken_path_signer_not_origin: 'Signed along the path by a provider that is not the origin',
  shaken_path_attest_a_number_not_held: 'A attestation along the path, number not held',
  shaken_header_dropped: 'Identity header dropped along the path',
  shaken_header_replaced: 'Identity header replaced (re-signed) along the path',
  shaken_path_cert_expired_or_revoked: 'Certificate expired or revoked along the path',
  shaken_path_invalid_signature: 'Invalid signature along the path',
};

/** A path flag as shown on the hop it was raised at (decision 0034). */
export const HOP_FLAG_LABEL: Record<string, string> = {
  shaken_path_signer_not_origin: 'Signer is not the origin',
  shaken_path_attest_a_number_not_held: 'A attestation, number not held by the origin’s customer',
  shaken_header_dropped: 'Passed the call on without this header',
  shaken_header_replaced: 'Passed the call on with another header (re-signed)',
  shaken_path_cert_expired_or_revoked: 'Certificate expired or revoked at the call time',
  shaken_path_invalid_signature: 'Invalid signature',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const kilobytes = (v: unknown) => (typeof v === 'number' ? ` (${Math.max(1, Math.round(v / 1024))} KB)` : '');

function describeVerification(d: Record<string, unknown>, signer: string | null): string {
  const attest = str(d.attest) ? `, attestation ${str(d.attest)}` : '';
  const sip = typeof d.sipCode === 'number' ? ` (SIP ${d.sipCode})` : '';
  const reason = str(d.reason) ? `: ${str(d.reason)}` : '';
  switch (d.verdict) {
    case 'valid':
      return `STIR/SHAKEN signature verified${attest}${signer ? `, signed by ${signer}` : str(d.spc) ? `, SPC ${str(d.spc)} not in the directory` : ''}`;
    case 'invalid':
      return `STIR/SHAKEN signature invalid${sip}${reason}`;
    default:
      return `STIR/SHAKEN signature could not be verified${reason}`;
  }
}

/**
 * One sentence per timeline event. `name` resolves provider ids the event
 * carries; unknown event types (added later) still read sensibly.
 */
export function describeEvent(e: TEvent, name: (providerId: string | undefined) => string): string {
  const d = e.data;
  const provider = name(str(d.providerId));
  switch (e.type) {
    case 'traceback.opened': {
      const f = d.forward as { number?: unknown; campaignName?: unknown } | undefined;
      return f
        ? `Forward request opened: who is behind ${typeof f.number === 'string' ? formatPhone(f.number) : 'the number'}, a callback number of the campaign ${str(f.campaignName) ?? ''}`.trimEnd()
        : 'Traceback opened';
    }
    case 'hop.requested':
      if (d.forward === true)
        return `Asked ${str(d.providerName) ?? provider} whose customer holds the number (hop ${typeof d.seq === 'number' ? d.seq : '?'})`;
      return d.line === 'signer'
        ? `Asked ${str(d.providerName) ?? provider}, the call's signer, to confirm where the call originated (hop ${typeof d.seq === 'number' ? d.seq : '?'})`
        : `Asked ${str(d.providerName) ?? provider} who handed over the call (hop ${typeof d.seq === 'number' ? d.seq : '?'})`;
    case 'hop.answered': {
      const how = str(d.via) ? ` via ${CHANNEL_LABEL[d.via as TAnswerChannel] ?? String(d.via)}` : '';
      const late = d.late === true ? ', late' : '';
      if (d.forward === true)
        return d.kind === 'origin'
          ? `${provider}: the number is its customer's (${ACTION_LABEL[d.action as TOriginAction] ?? 'action not given'})${how}${late}`
          : `${provider}: the number is not its customer's${how}${late}`;
      switch (d.kind) {
        case 'upstream':
          return `${provider} named ${name(str(d.upstreamProviderId))} as its upstream${how}${late}`;
        case 'origin':
          return `${provider} originated the call: ${ACTION_LABEL[d.action as TOriginAction] ?? 'action not given'}${how}${late}`;
        case 'not_found':
          return `${provider} has no record of the call${how}${late}`;
        default:
          return `${provider} answered${how}${late}`;
      }
    }
    case 'hop.non_responsive':
      return `${provider} did not answer by the deadline`;
    case 'hop.withdrawn':
      return `Request to ${provider} withdrawn${str(d.reason) ? ` (${str(d.reason)})` : ''}`;
    case 'traceback.closed':
      return `Closed: ${OUTCOME_LABEL[d.outcome as TOutcome] ?? String(d.outcome)}`;
    case 'traceback.reopened':
      return `Reopened${str(d.reason) ? `: ${str(d.reason)}` : ''}`;
    case 'traceback.flagged':
      return d.flag === 'loop'
        ? `Loop: ${provider} is already in the path`
        : `Flagged: ${FLAG_LABEL[String(d.flag)] ?? String(d.flag)}${str(d.detail) ? ` (${str(d.detail)})` : ''}`;
    case 'provider.created':
      return `${str(d.name) ?? 'A provider'} added to the directory (named by ${name(str(d.namedBy))}, not yet verified)`;
    case 'provider.merged':
      return `${str(d.fromName) ?? name(str(d.fromProviderId))} merged into ${str(d.intoName) ?? name(str(d.intoProviderId))} (a duplicate directory entry)`;
    case 'origin.viewed':
      return 'Customer details viewed';
    case 'shaken.verified':
      return describeVerification(d, str(d.signerProviderId) ? name(str(d.signerProviderId)) : null);
    case 'hop.attachment_added':
      return `PDF attached${str(d.fileName) ? `: ${str(d.fileName)}` : ''}${kilobytes(d.size)}`;
    case 'link.used':
      return d.action === 'answer' ? 'Answer sent through the email link' : 'Email link opened';
    case 'traceback.referred':
      return `Referred to ${str(d.agency) ?? 'an agency'}${str(d.note) ? `: ${str(d.note)}` : ''}`;
    case 'evidence.built':
      return `Evidence package built${d.scope === 'campaign' ? ' (with its campaign)' : ''}; manifest SHA-256 ${str(d.manifestSha256)?.slice(0, 16) ?? '?'}…`;
    case 'referral.withdrawn':
    case 'traceback.referral_withdrawn':
      return `Referral to ${str(d.agency) ?? 'an agency'} withdrawn`;
    default:
      return e.type.replace(/[._]/g, ' ');
  }
}

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** `Mon–Fri 08:00–17:00, closed on US federal holidays`: when a provider's requests count as received. */
export function describeHours(h: TProvider['businessHours']): string {
  const days = [...h.days].sort((a, b) => a - b);
  const consecutive = days.every((d, i) => i === 0 || d === days[i - 1]! + 1);
  const dayText =
    days.length === 7
      ? 'Every day'
      : consecutive && days.length > 2
        ? `${DAY_NAMES[days[0]! - 1]}–${DAY_NAMES[days[days.length - 1]! - 1]}`
        : days.map((d) => DAY_NAMES[d - 1]).join(', ');
  const holidays = h.holidays === 'us-federal' ? ', closed on US federal holidays' : '';
  return `${dayText} ${h.open}–${h.close}${holidays}`;
}

/** A provider's cooperation status (issue 16): words and a colour that never reads as an endorsement. */
export const COOPERATION_LABEL: Record<'cooperative' | 'watch' | 'non_cooperative', string> = {
  cooperative: 'Cooperative',
  watch: 'Watch',
  non_cooperative: 'Non-cooperative',
};
export const COOPERATION_COLOR: Record<'cooperative' | 'watch' | 'non_cooperative', string> = {
  cooperative: 'gray',
  watch: 'orange',
  non_cooperative: 'red',
};

export const LEGAL_KIND_LABEL: Record<TLegalKind, string> = {
  subpoena: 'Subpoena',
  cid: 'Civil investigative demand',
  other: 'Other',
};

export const LEGAL_STATUS_LABEL: Record<TLegalStatus, string> = {
  received: 'Received',
  gathering: 'Gathering',
  responded: 'Responded',
  closed: 'Closed',
};

export const LEGAL_STATUS_COLOR: Record<TLegalStatus, string> = {
  received: 'blue',
  gathering: 'yellow',
  responded: 'teal',
  closed: 'gray',
};
