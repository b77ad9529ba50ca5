import type { TAnswerChannel, TRole } from '@hoptrace/contracts';

/** Who is acting, as established by a door (session, API key, link, CLI, simulator). */
export interface Actor {
  userId: string | null;
  /** `feed`: a feed key, which may only send call records of its own source. */
  role: TRole | 'system' | 'feed';
  providerId: string | null;
  /** Human-readable label for the timeline, e.g. an email address or `system:clock`. */
  label: string;
  /** How an answer arrives through this door. */
  channel: TAnswerChannel;
  /** A one-hop link acts for its provider on this hop only. */
  hopScope?: string;
  /** A feed key's source (call_sources.id). */
  sourceId?: number;
}

export const systemActor = (label: string): Actor => ({
  userId: null,
  role: 'system',
  providerId: null,
  label: `system:${label}`,
  channel: 'staff',
});

export const isStaff = (actor: Actor): boolean =>
  actor.role === 'admin' || actor.role === 'analyst' || actor.role === 'system';
