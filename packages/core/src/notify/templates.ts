import { formatLocal } from '../clock/businessHours';
import type { SignerClaims } from '../shaken/claims';

/** The structured content of a hop notice; rendered to text and HTML when the message is sent. */
export interface EmailPayload {
  hopId: string;
  tracebackId: string;
  seq: number;
  providerName: string;
  timezone: string;
  call: { startedAt: string; callingNumber: string; calledNumber: string };
  campaign: { name: string; description: string } | null;
  requestedAt: string;
  receivedAt: string;
  dueAt: string;
  hoursBeforeDue?: number;
  /** On a hop to the call's signer (line `signer`): the PASSporT's claims to look the call up by. */
  signer?: SignerClaims;
  /** On a forward request: the number the provider holds, and when it was last heard in the campaign's calls. */
  forward?: { number: string; lastHeardAt: string };
  /** On an urgent traceback (an agency's urgent request): the hours its hops have, business hours ignored. */
  urgentHours?: number;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
/** A deadline is read by the provider's on-call engineer: local time first, UTC beside it. */
const both = (iso: string, tz: string) => `${formatLocal(new Date(iso), tz)} (${utc(iso)})`;

export function hopLinkUrl(publicUrl: string, hopId: string, token: string): string {
  // The token rides in the fragment: browsers never send it to servers or proxies, so it stays out of access logs.
  return `${publicUrl.replace(/\/$/, '')}/hop/${hopId}#t=${encodeURIComponent(token)}`;
}

const INTRO: Record<string, (p: EmailPayload) => string> = {
  'hop.assigned': (p) =>
    `${p.providerName}: a traceback asks who handed you this call. Please answer within 24 hours of receipt (47 CFR 64.1200(n)(1)).`,
  'hop.reminder': (p) =>
    `${p.providerName}: reminder — this traceback request is still unanswered and is due in ${p.hoursBeforeDue ?? '?'} hours.`,
  'hop.escalation': (p) =>
    `${p.providerName}: this traceback request has reached its deadline without an answer. You are listed as an escalation contact. A late answer is still accepted.`,
};

/** A signer is not asked who handed it the call, but whether the call it signed originated with its customer. */
const SIGNER_INTRO: Record<string, (p: EmailPayload) => string> = {
  'hop.assigned': (p) =>
    `${p.providerName}: you signed this call (STIR/SHAKEN${p.signer?.attest ? `, attestation ${p.signer.attest}` : ''}). A traceback asks you to confirm, by its origination ID, whether it originated on your network and with which customer. Please answer within 24 hours of receipt (47 CFR 64.1200(n)(1)).`,
  'hop.reminder': (p) =>
    `${p.providerName}: reminder — you have not yet confirmed the origin of a call you signed; the request is due in ${p.hoursBeforeDue ?? '?'} hours.`,
  'hop.escalation': (p) =>
    `${p.providerName}: a request to confirm the origin of a call you signed has reached its deadline without an answer. You are listed as an escalation contact. A late answer is still accepted.`,
};

const SIGNER_SUBJECT: Record<string, (p: EmailPayload) => string> = {
  'hop.assigned': (p) =>
    `Traceback: confirm the origin of a call you signed (origid ${p.signer?.origid ?? 'unknown'}) — due ${utc(p.dueAt)}`,
  'hop.reminder': (p) =>
    `Reminder: confirm the origin of a call you signed (origid ${p.signer?.origid ?? 'unknown'}), due in ${p.hoursBeforeDue ?? '?'} h`,
  'hop.escalation': (p) =>
    `Overdue: confirm the origin of a call you signed (origid ${p.signer?.origid ?? 'unknown'})`,
};

/** A forward request asks who is behind a number the provider holds, not who handed it a call. */
const FORWARD_INTRO: Record<string, (p: EmailPayload) => string> = {
  'hop.assigned': (p) =>
    `${p.providerName}: a number you hold is the callback number of a robocall campaign (the calls tell people to call it back). Who is your customer behind ${p.forward?.number ?? 'this number'}? Please answer within 24 hours of receipt.`,
  'hop.reminder': (p) =>
    `${p.providerName}: reminder — the request about your customer behind ${p.forward?.number ?? 'a number you hold'} is still unanswered and is due in ${p.hoursBeforeDue ?? '?'} hours.`,
  'hop.escalation': (p) =>
    `${p.providerName}: the request about your customer behind ${p.forward?.number ?? 'a number you hold'} has reached its deadline without an answer. You are listed as an escalation contact. A late answer is still accepted.`,
};

const FORWARD_SUBJECT: Record<string, (p: EmailPayload) => string> = {
  'hop.assigned': (p) =>
    `Forward request: who is your customer behind ${p.forward?.number ?? 'this number'}? — answer due ${utc(p.dueAt)}`,
  'hop.reminder': (p) =>
    `Reminder: forward request about ${p.forward?.number ?? 'a number you hold'} due in ${p.hoursBeforeDue ?? '?'} h`,
  'hop.escalation': (p) => `Overdue forward request: ${p.forward?.number ?? 'a number you hold'}`,
};

const signedAt = (iat: number | null) =>
  iat === null ? 'not given' : utc(new Date(iat * 1000).toISOString());

const SUBJECT: Record<string, (p: EmailPayload) => string> = {
  'hop.assigned': (p) => `Traceback request: call from ${p.call.callingNumber} — answer due ${utc(p.dueAt)}`,
  'hop.reminder': (p) =>
    `Reminder: traceback request due in ${p.hoursBeforeDue ?? '?'} h (call from ${p.call.callingNumber})`,
  'hop.escalation': (p) => `Overdue traceback request: call from ${p.call.callingNumber}`,
};

/** A traceback's closing email to a provider in its path (sent when there is something it must know). */
export interface TracebackClosedPayload {
  tracebackId: string;
  outcome: string;
  closedAt: string;
  providerName: string;
  timezone: string;
  call: EmailPayload['call'];
  yourHopIds: string[];
  rmdWarnings: Array<{
    hopId: string;
    upstreamProviderId: string;
    upstreamName: string;
    rmdStatus: 'absent' | 'removed';
    removedAt: string | null;
    rule: string;
  }>;
}

const OUTCOME_TEXT: Record<string, string> = {
  origin_identified: 'the origin of the call was identified',
  foreign_origin: 'the call entered the US network from abroad',
  non_responsive: 'a provider in the path did not answer',
  dead_end: 'the path could not be followed further',
  cancelled: 'the traceback was cancelled',
};

/** One sentence per upstream: who, its RMD standing at the call, and the rule. */
export function rmdWarningText(w: TracebackClosedPayload['rmdWarnings'][number]): string {
  const standing =
    w.rmdStatus === 'removed'
      ? `had been removed from the FCC's Robocall Mitigation Database (RMD) since ${w.removedAt ? w.removedAt.slice(0, 10) : 'an earlier date'}`
      : "was not in the FCC's Robocall Mitigation Database (RMD)";
  return `You accepted this call from ${w.upstreamName}, which ${standing} at the time of the call. FCC rules (${w.rule}) forbid accepting traffic from a provider that is not in the RMD.`;
}

export function renderTracebackClosedEmail(p: TracebackClosedPayload): RenderedEmail {
  const warned = p.rmdWarnings.length > 0;
  const subject = warned
    ? `Traceback closed — your upstream was not in the Robocall Mitigation Database (call from ${p.call.callingNumber})`
    : `Traceback closed (call from ${p.call.callingNumber})`;
  const intro = `${p.providerName}: a traceback you took part in is closed: ${OUTCOME_TEXT[p.outcome] ?? p.outcome}.`;
  const facts: Array<[string, string]> = [
    ['Call time', both(p.call.startedAt, p.timezone)],
    ['Calling number (caller ID)', p.call.callingNumber],
    ['Called number', p.call.calledNumber],
    ['Closed', both(p.closedAt, p.timezone)],
  ];
  const warnings = p.rmdWarnings.map(rmdWarningText);
  const reference = `Reference: traceback ${p.tracebackId}; your hop${p.yourHopIds.length === 1 ? '' : 's'} ${p.yourHopIds.join(', ')}.`;
  const text = [
    intro,
    '',
    ...(warned ? ['IMPORTANT — Robocall Mitigation Database:', ...warnings.map((w) => `- ${w}`), ''] : []),
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    reference,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1a1a1a">
<p>${esc(intro)}</p>
${warned ? `<div style="border-left:4px solid #b3261e;padding:4px 12px;margin:12px 0"><p><b>Robocall Mitigation Database</b></p><ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>` : ''}
<table cellpadding="4" style="border-collapse:collapse">${facts.map(([k, v]) => `<tr><th align="left" style="padding-right:12px">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<p><small>${esc(reference)}</small></p>
</body></html>`;
  return { subject, text, html };
}

export function renderHopEmail(topic: string, p: EmailPayload, link: string | null): RenderedEmail {
  // The dispatcher renders every provider email through here; a closing notice has its own shape.
  if (topic === 'traceback.closed') return renderTracebackClosedEmail(p as unknown as TracebackClosedPayload);
  const signer = p.signer;
  const forward = p.forward;
  const intros = forward ? FORWARD_INTRO : signer ? SIGNER_INTRO : INTRO;
  const subjects = forward ? FORWARD_SUBJECT : signer ? SIGNER_SUBJECT : SUBJECT;
  // An urgent traceback (a live threat) says so first; `hop.urgent` goes to the escalation contacts at once.
  const urgentLead = p.urgentHours
    ? `URGENT (a live threat): answer within ${p.urgentHours} hours of this request, at any hour — business hours do not apply.${topic === 'hop.urgent' ? ' You are listed as an escalation contact.' : ''} `
    : '';
  const intro = urgentLead + (intros[topic] ?? intros['hop.assigned']!)(p);
  const subject = (p.urgentHours ? 'URGENT ' : '') + (subjects[topic] ?? subjects['hop.assigned']!)(p);
  const signed: Array<[string, string]> = signer
    ? [
        ['Origination ID (origid)', signer.origid ?? 'not given'],
        ['Attestation', signer.attest ?? 'not given'],
        ['Signed at', signedAt(signer.iat)],
        [
          'Signed calling → called',
          `${signer.origTn ?? p.call.callingNumber} → ${signer.destTns.join(', ') || p.call.calledNumber}`,
        ],
      ]
    : [];
  const campaign: [string, string] = [
    'Campaign',
    p.campaign ? `${p.campaign.name} — ${p.campaign.description}` : 'not assigned',
  ];
  const asked: Array<[string, string]> = forward
    ? [
        ['Number', forward.number],
        ["Last heard in the campaign's calls", both(forward.lastHeardAt, p.timezone)],
        campaign,
      ]
    : [
        ...signed,
        ['Call time', both(p.call.startedAt, p.timezone)],
        ['Calling number (caller ID)', p.call.callingNumber],
        ['Called number', p.call.calledNumber],
        campaign,
      ];
  const facts: Array<[string, string]> = [
    ...asked,
    ['Received', both(p.receivedAt, p.timezone)],
    ['Answer due', both(p.dueAt, p.timezone)],
  ];
  const how = link
    ? `Answer with this link (it works for this request only; no password needed):\n${link}`
    : 'Sign in to hoptrace to answer this request.';
  const text = [
    intro,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    how,
    '',
    forward
      ? 'Answer "origin" with the customer who holds this number (and what you did about it), or "not found" if the number is not yours.'
      : signer
        ? 'Answer "origin" if it originated with your customer (and say which), "upstream" if you signed it but received it from another provider (name it), or "not found".'
        : 'Answer "upstream" with the provider that handed you the call, "origin" if your customer placed it, or "not found".',
    `Reference: ${forward ? 'forward request' : 'traceback'} ${p.tracebackId}, hop ${p.seq} (${p.hopId}).`,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1a1a1a">
<p>${esc(intro)}</p>
<table cellpadding="4" style="border-collapse:collapse">${facts.map(([k, v]) => `<tr><th align="left" style="padding-right:12px">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<p>${link ? `<a href="${esc(link)}" style="background:#1c4e80;color:#fff;padding:10px 16px;border-radius:4px;text-decoration:none">Answer this request</a><br><small>The link works for this request only; no password needed.</small>` : 'Sign in to hoptrace to answer this request.'}</p>
<p>${forward ? 'Answer <b>origin</b> with the customer who holds this number (and what you did about it), or <b>not found</b> if the number is not yours.' : signer ? 'Answer <b>origin</b> if it originated with your customer (and say which), <b>upstream</b> if you signed it but received it from another provider (name it), or <b>not found</b>.' : 'Answer <b>upstream</b> with the provider that handed you the call, <b>origin</b> if your customer placed it, or <b>not found</b>.'}</p>
<p><small>Reference: ${forward ? 'forward request' : 'traceback'} ${esc(p.tracebackId)}, hop ${p.seq} (${esc(p.hopId)}).</small></p>
</body></html>`;
  return { subject, text, html };
}

export function renderStaffEmail(
  p: {
    tracebackId: string;
    providerName: string;
    timezone: string;
    dueAt: string | null;
    call: EmailPayload['call'];
    /** A forward request (the number asked about) rather than a trace. */
    forward?: { number: string };
  },
  publicUrl: string,
): RenderedEmail {
  const url = `${publicUrl.replace(/\/$/, '')}/tracebacks/${p.tracebackId}`;
  const what = p.forward ? 'forward request' : 'traceback';
  const subject = p.forward
    ? `Non-responsive: ${p.providerName} did not answer a forward request (callback number ${p.forward.number})`
    : `Non-responsive: ${p.providerName} did not answer a traceback (call from ${p.call.callingNumber})`;
  const lines = [
    `${p.providerName} did not answer its ${p.forward ? 'forward request' : 'traceback request'} by ${p.dueAt ? both(p.dueAt, p.timezone) : 'its deadline'}.`,
    `The ${what} is closed as non-responsive; a late answer will reopen it.`,
    '',
    p.forward
      ? `Number asked about: ${p.forward.number}`
      : `Call: ${utc(p.call.startedAt)}, from ${p.call.callingNumber} to ${p.call.calledNumber}`,
    `${p.forward ? 'Forward request' : 'Traceback'}: ${url}`,
  ];
  return {
    subject,
    text: lines.join('\n'),
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif">${lines.map((l) => (l ? `<p>${esc(l)}</p>` : '')).join('')}</body></html>`,
  };
}

/** An email to an agency's contacts: a traceback was referred to it (no customer details: those are behind the link). */
export interface ReferralPayload {
  tracebackId: string;
  agency: string;
  note: string | null;
  referredAt: string;
  call: EmailPayload['call'];
}

export function renderReferralEmail(p: ReferralPayload, publicUrl: string): RenderedEmail {
  const url = `${publicUrl.replace(/\/$/, '')}/tracebacks/${p.tracebackId}`;
  const subject = `Traceback referred to ${p.agency} (call from ${p.call.callingNumber})`;
  const lines = [
    `A traceback has been referred to ${p.agency} for enforcement. Your agency's users can read it (the path hop by hop, the timeline and the origin) by signing in:`,
    url,
    '',
    `Call: ${utc(p.call.startedAt)}, from ${p.call.callingNumber} to ${p.call.calledNumber}`,
    `Referred: ${utc(p.referredAt)}`,
    ...(p.note ? [`Note: ${p.note}`] : []),
  ];
  return {
    subject,
    text: lines.join('\n'),
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif">${lines
      .map((l) => (l === url ? `<p><a href="${esc(url)}">${esc(url)}</a></p>` : l ? `<p>${esc(l)}</p>` : ''))
      .join('')}</body></html>`,
  };
}

/** A reminder to staff that a subpoena or CID is due soon (decision 0029); names no customer detail. */
export function renderLegalReminderEmail(
  p: {
    legalRequestId: string;
    kind: string;
    issuingAgency: string;
    number: string;
    dueOn: string;
    daysLeft: number;
  },
  publicUrl: string,
): RenderedEmail {
  const url = `${publicUrl.replace(/\/$/, '')}/legal-requests/${p.legalRequestId}`;
  const what =
    p.kind === 'cid' ? 'Civil investigative demand' : p.kind === 'subpoena' ? 'Subpoena' : 'Legal request';
  const when = p.daysLeft === 0 ? 'today' : p.daysLeft === 1 ? 'tomorrow' : `in ${p.daysLeft} days`;
  const subject = `Due ${when}: ${what} ${p.number} from ${p.issuingAgency} (${p.dueOn})`;
  const lines = [
    `${what} ${p.number} from ${p.issuingAgency} is due ${when}, on ${p.dueOn}.`,
    'Gather the tracebacks it covers, build the evidence package and record the response.',
    '',
    `Legal request: ${url}`,
  ];
  return {
    subject,
    text: lines.join('\n'),
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif">${lines.map((l) => (l ? `<p>${esc(l)}</p>` : '')).join('')}</body></html>`,
  };
}

/** RMD watch (decision 0032): an upstream a provider named recently is absent from or removed from the RMD. */
export interface RmdUpstreamRemovedPayload {
  providerName: string;
  timezone: string;
  upstreamProviderId: string;
  upstreamName: string;
  rmdStatus: 'removed' | 'absent';
  removedAt: string | null;
  filingNumber: string | null;
  /** How many of the provider's recent answers named this upstream. */
  hops: number;
  lastNamedAt: string;
  yourHopIds: string[];
  rule: string;
}

export function renderRmdUpstreamRemovedEmail(p: RmdUpstreamRemovedPayload): RenderedEmail {
  const standing =
    p.rmdStatus === 'removed'
      ? `was removed from the FCC's Robocall Mitigation Database (RMD)${p.removedAt ? ` on ${p.removedAt.slice(0, 10)}` : ''}${p.filingNumber ? ` (filing ${p.filingNumber})` : ''}`
      : "is not in the FCC's Robocall Mitigation Database (RMD)";
  const subject = `Your upstream ${p.upstreamName} ${p.rmdStatus === 'removed' ? 'was removed from' : 'is not in'} the Robocall Mitigation Database`;
  const lines = [
    `${p.providerName}: ${p.upstreamName}, which you named as the provider that handed you traffic in ${p.hops} traceback answer${p.hops === 1 ? '' : 's'} (the latest ${both(p.lastNamedAt, p.timezone)}), ${standing}.`,
    `FCC rules (${p.rule}) forbid accepting traffic from a provider that is not in the RMD. Review your interconnection with ${p.upstreamName}.`,
    '',
    `Reference: your hop${p.yourHopIds.length === 1 ? '' : 's'} ${p.yourHopIds.join(', ')}.`,
  ];
  return {
    subject,
    text: lines.join('\n'),
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif">${lines.map((l) => (l ? `<p>${esc(l)}</p>` : '')).join('')}</body></html>`,
  };
}

/**
 * A provider contact's first email from hoptrace (issue 19.5): what a traceback request is, the 24-hour rule and
 * the ways to answer, before the first request arrives. Names no call and no customer.
 */
export interface WelcomePayload {
  providerId: string;
  providerName: string;
  contactName: string;
  timezone: string;
  /** Traceback contacts receive the requests; escalation contacts hear of those that ran out of time. */
  role: 'contact' | 'escalation';
}

export function renderWelcomeEmail(p: WelcomePayload, publicUrl: string): RenderedEmail {
  const base = publicUrl.replace(/\/$/, '');
  const subject = `${p.providerName}: you are now a traceback contact on hoptrace`;
  const role =
    p.role === 'escalation'
      ? `You are listed as an escalation contact for ${p.providerName} on hoptrace, the traceback portal: you will hear from us when a traceback request to ${p.providerName} reaches its deadline without an answer, and at once for an urgent one.`
      : `You are listed as a traceback contact for ${p.providerName} on hoptrace, the traceback portal: traceback requests to ${p.providerName} will be emailed to this address.`;
  const what =
    'A traceback request asks about one illegal robocall that passed through your network: which provider handed you the call (your upstream), or, if your customer placed it, who that customer is. Each provider in the path is asked in turn until the call is traced to where it started.';
  const rule = `Please answer within 24 hours of receipt (47 CFR 64.1200(n)(1)). A request that arrives outside business hours counts as received at 8:00 a.m. the next business day (Monday to Friday, US federal holidays excepted) in your time zone, ${p.timezone}. Each request states its deadline.`;
  const ways: Array<[string, string]> = [
    [
      'The link in the email',
      'each request email carries a link that answers that one request, no password needed.',
    ],
    ['The portal', `sign in at ${base}/inbox to see every open request and answer it.`],
    [
      'The API',
      `answer from your own systems with an API key (made on the portal): ${base}/api/docs describes it, and webhooks can tell you of new requests.`,
    ],
    [
      'A bulk file',
      'download your open requests as CSV from the portal or the API, fill in the answer columns, and upload the file: each row is checked and applied on its own.',
    ],
  ];
  const closing =
    'Answer "upstream" with the provider that handed you the call, "origin" if your customer placed it (and what you did about it), or "not found". If this address should not receive traceback requests, ask the traceback consortium to change your provider\'s contacts.';
  const text = [
    `Hello ${p.contactName},`,
    '',
    role,
    '',
    what,
    '',
    rule,
    '',
    'You can answer in any of four ways:',
    ...ways.map(([k, v]) => `- ${k}: ${v}`),
    '',
    closing,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1a1a1a">
<p>Hello ${esc(p.contactName)},</p>
<p>${esc(role)}</p>
<p>${esc(what)}</p>
<p><b>${esc(rule)}</b></p>
<p>You can answer in any of four ways:</p>
<ul>${ways.map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`).join('')}</ul>
<p>${esc(closing)}</p>
</body></html>`;
  return { subject, text, html };
}
