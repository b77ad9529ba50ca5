import type { Actor } from './actor';
import { isStaff } from './actor';
import { NotFoundError } from './errors';

/**
 * Central authorization. Every rule denies unless it grants; commands and
 * queries call these before touching anything. A refused read and a missing
 * row get the same NotFoundError.
 */
export const policy = {
  openTraceback: (a: Actor) => isStaff(a),
  steerTraceback: (a: Actor) => isStaff(a),
  /** Referrals to agencies arrive with the enforcement issue; until then enforcement users see no traceback. */
  readTraceback: (a: Actor) => isStaff(a),
  readOrigin: (a: Actor) => isStaff(a),
  readHop: (a: Actor, hop: { providerId: string }) =>
    isStaff(a) || (a.role === 'provider' && a.providerId === hop.providerId),
  answerHop: (a: Actor, hop: { providerId: string }) =>
    isStaff(a) || (a.role === 'provider' && a.providerId === hop.providerId),
  manageCampaigns: (a: Actor) => isStaff(a),
  createProvider: (a: Actor) => isStaff(a),
  /** Staff edit any provider; a provider's own users keep its contacts and time zone current. */
  updateProvider: (a: Actor, providerId: string) =>
    isStaff(a) || (a.role === 'provider' && a.providerId === providerId),
  readProviderContacts: (a: Actor, providerId: string) =>
    isStaff(a) || (a.role === 'provider' && a.providerId === providerId),
  /** Provider users search the directory to name their upstream. */
  searchDirectory: (_a: Actor) => true,
  manageUsers: (a: Actor) => a.role === 'admin' || a.role === 'system',
  createApiKey: (a: Actor, userId: string) =>
    a.role === 'admin' || a.role === 'system' || a.userId === userId,
};

export function authorize(allowed: boolean, what: string): asserts allowed {
  if (!allowed) throw new NotFoundError(what);
}

/** Fields of a provider record that its own users may change; the rest is the consortium's to keep. */
export const PROVIDER_SELF_SERVICE_FIELDS = ['contacts', 'timezone'] as const;
