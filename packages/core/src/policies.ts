import type { Actor } from './actor';
import { isStaff } from './actor';
import { NotFoundError } from './errors';

/**
 * Central authorization. Every rule denies unless it grants; commands and
 * queries call these before touching anything. A refused read and a missing
 * row get the same NotFoundError.
 */
/** A signed-in user (or key) of this provider; a one-hop link is not a member, it speaks for one hop only. */
const memberOf = (a: Actor, providerId: string) =>
  a.role === 'provider' && a.providerId === providerId && !a.hopScope;
/** The provider's users, or a link scoped to exactly this hop. */
const actsForHop = (a: Actor, hop: { id: string; providerId: string }) =>
  a.role === 'provider' && a.providerId === hop.providerId && (!a.hopScope || a.hopScope === hop.id);

export const policy = {
  openTraceback: (a: Actor) => isStaff(a),
  /** Asking the provider that holds a campaign's callback number whose customer is behind it: staff. */
  traceForward: (a: Actor) => isStaff(a),
  steerTraceback: (a: Actor) => isStaff(a),
  /** Every traceback, unasked (lists of all hops, the dashboard): staff only. */
  readAnyTraceback: (a: Actor) => isStaff(a),
  /**
   * One traceback (detail, path, timeline, attachments, STIR/SHAKEN): staff, and an enforcement user when a
   * live referral of it to the user's agency exists (`referred`, looked up by the caller with referredToActor).
   * Read-only: enforcement users get no action, answer or upload from any other rule.
   */
  readTraceback: (a: Actor, referred = false) =>
    isStaff(a) || (a.role === 'enforcement' && !a.hopScope && referred),
  /** The origin's customer (CPNI): staff, and the agency it was referred to (disclosure is what a referral is for). */
  readOrigin: (a: Actor, referred = false) => policy.readTraceback(a, referred),
  /** Referring a traceback to an agency, and withdrawing a referral: admins and analysts. */
  referTraceback: (a: Actor) => isStaff(a),
  /** The agencies directory: admins keep it; staff read it (to refer and to pick a user's agency). */
  manageAgencies: (a: Actor) => a.role === 'admin' || a.role === 'system',
  readAgencies: (a: Actor) => isStaff(a),
  /** An agency's traceback request: its enforcement users submit them (signed in or by key, never a link). */
  submitTracebackRequest: (a: Actor) => a.role === 'enforcement' && !a.hopScope && a.userId !== null,
  /** Staff read every request and accept or decline them. */
  decideTracebackRequests: (a: Actor) => isStaff(a),
  readHop: (a: Actor, hop: { id: string; providerId: string }) => isStaff(a) || actsForHop(a, hop),
  answerHop: (a: Actor, hop: { id: string; providerId: string }) => isStaff(a) || actsForHop(a, hop),
  /** Evidence (PDFs) on a hop: staff, and the hop's provider (its users, or the hop's own link). */
  attachToHop: (a: Actor, hop: { id: string; providerId: string }) => isStaff(a) || actsForHop(a, hop),
  /** Whoever reads the traceback, and the hop's own provider; never another provider. */
  readAttachments: (a: Actor, hop: { id: string; providerId: string }, referred = false) =>
    policy.readTraceback(a, referred) || actsForHop(a, hop),
  /**
   * Building an evidence package of a traceback, and downloading one: whoever reads the traceback with its
   * origin (staff, the agencies it is referred to), so customer details go only where a referral sent them.
   */
  evidencePackage: (a: Actor, referred = false) => policy.readOrigin(a, referred),
  /** A package of a whole campaign's tracebacks: staff. */
  campaignEvidencePackage: (a: Actor) => isStaff(a),
  /** The evidence keys with their fingerprints (current and retired): staff and enforcement users. */
  readEvidenceKeys: (a: Actor) => isStaff(a) || (a.role === 'enforcement' && !a.hopScope),
  /** Rotating the evidence key: admins (and the CLI's system actor). */
  rotateEvidenceKey: (a: Actor) => a.role === 'admin' || a.role === 'system',
  /** Listing hops is for the provider's own users; a link sees its one hop only. */
  listOwnHops: (a: Actor) => a.role === 'provider' && !a.hopScope,
  manageCampaigns: (a: Actor) => isStaff(a),
  /** Campaigns, call records and their numbers: consortium staff. */
  readCampaigns: (a: Actor) => isStaff(a),
  readCalls: (a: Actor) => isStaff(a),
  /**
   * Sending call records: staff for any source (`null`: a source named for the first time), a feed
   * key for its own source only.
   */
  ingestCalls: (a: Actor, sourceId: number | null) =>
    isStaff(a) || (a.role === 'feed' && sourceId !== null && a.sourceId === sourceId),
  manageCallSources: (a: Actor) => isStaff(a),
  createProvider: (a: Actor) => isStaff(a),
  /** Staff edit any provider; a provider's own users keep its contacts and time zone current. */
  updateProvider: (a: Actor, providerId: string) => isStaff(a) || memberOf(a, providerId),
  readProviderContacts: (a: Actor, providerId: string) => isStaff(a) || memberOf(a, providerId),
  /** Webhooks, their secrets and delivery logs: staff, and the provider's own users. */
  manageWebhooks: (a: Actor, providerId: string) => isStaff(a) || memberOf(a, providerId),
  readNotifications: (a: Actor) => isStaff(a),
  /** Provider users search the directory to name their upstream. */
  searchDirectory: (_a: Actor) => true,
  manageUsers: (a: Actor) => a.role === 'admin' || a.role === 'system',
  createApiKey: (a: Actor, userId: string) =>
    a.role === 'admin' || a.role === 'system' || a.userId === userId,
  readApiKeys: (a: Actor, userId: string) => a.role === 'admin' || a.role === 'system' || a.userId === userId,
  /** Consortium-wide statistics describe every provider: staff only, whatever else a role may read. */
  readStatistics: (a: Actor) => isStaff(a),
  /** The audit ledger: who did what, to whom (decision 0024). */
  readAudit: (a: Actor) => a.role === 'admin' || a.role === 'system',
  /** Publishing a period's key metrics as a public snapshot (decision 0028): admins and analysts. */
  publishStatistics: (a: Actor) => isStaff(a),
  /** A provider's response-time history: staff, and the provider's own users (their scorecard). */
  readProviderHistory: (a: Actor, providerId: string) => isStaff(a) || memberOf(a, providerId),
  /** Scorecards of every provider, the cooperation policy and determinations: consortium staff. */
  readScorecards: (a: Actor) => isStaff(a),
  /** Confirming or dismissing a computed cooperation status, and publishing it: admins and analysts. */
  reviewCooperation: (a: Actor) => isStaff(a),
  /** The non-cooperation policy itself: admins (and the CLI's system actor). */
  manageCooperationPolicy: (a: Actor) => a.role === 'admin' || a.role === 'system',
  /** The upstreams a provider named in its own answers: staff, and that provider's own users. */
  readUpstreams: (a: Actor, providerId: string) => isStaff(a) || memberOf(a, providerId),
  /** RMD imports and the matches they propose: admins (and the CLI's system actor). */
  importRmd: (a: Actor) => a.role === 'admin' || a.role === 'system',
  /** The legal process register (subpoenas, CIDs): admins and analysts only; everyone else gets 404. */
  manageLegalRequests: (a: Actor) => isStaff(a),
  /** Recording a cease-and-desist letter against a provider: staff. */
  recordLetters: (a: Actor) => isStaff(a),
  /** A provider's cease-and-desist letters: staff, and the provider's own users. */
  readLetters: (a: Actor, providerId: string) => isStaff(a) || memberOf(a, providerId),
  /**
   * The RMD's filers (public FCC records): staff, and provider users naming an upstream (their users or a
   * one-hop link); the filing's contact is for staff only (`readRmdContacts`).
   */
  searchRmdFilers: (a: Actor) => isStaff(a) || a.role === 'provider',
  readRmdContacts: (a: Actor) => isStaff(a),
  /** Adding a filer to the directory with its RMD link set: staff, as any new directory record. */
  addProviderFromRmd: (a: Actor) => isStaff(a),
  /** A provider's RMD changes: staff, and the provider's own users. */
  readProviderRmdChanges: (a: Actor, providerId: string) => isStaff(a) || memberOf(a, providerId),
  /** The DNO list is kept by consortium staff. */
  manageDno: (a: Actor) => isStaff(a),
  /** DNO subscribers are providers' networks: staff and provider users (not a one-hop link) read the list. */
  readDno: (a: Actor) => isStaff(a) || (a.role === 'provider' && !a.hopScope),
};

export function authorize(allowed: boolean, what: string): asserts allowed {
  if (!allowed) throw new NotFoundError(what);
}

/** Fields of a provider record that its own users may change; the rest is the consortium's to keep. */
export const PROVIDER_SELF_SERVICE_FIELDS = [
  'contacts',
  'escalationContacts',
  'timezone',
  'businessHours',
  'allowLinkAnswers',
] as const;
