import { HOUR_MS } from './clock/clock';

export const ANSWER_WINDOW_HOURS = 24;

/**
 * When a request counts as received and when its answer is due. For now every
 * request is received when it is made and due 24 hours later; the business-hours
 * rule of 47 CFR 64.1200(n)(1) replaces this in one place.
 */
export function hopDeadline(
  requestedAt: Date,
  _provider: { timezone: string },
): { receivedAt: Date; dueAt: Date } {
  return { receivedAt: requestedAt, dueAt: new Date(requestedAt.getTime() + ANSWER_WINDOW_HOURS * HOUR_MS) };
}
