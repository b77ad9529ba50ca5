import type { ProviderRow } from '@hoptrace/db';
import {
  DEFAULT_ANSWER_WINDOW_HOURS,
  DEFAULT_BUSINESS_CALENDAR,
  receiptAndDue,
  type BusinessCalendar,
} from './clock/businessHours';

export function calendarOf(provider: Pick<ProviderRow, 'timezone' | 'businessHours'>): BusinessCalendar {
  return { ...DEFAULT_BUSINESS_CALENDAR, ...(provider.businessHours ?? {}), timezone: provider.timezone };
}

/**
 * When a request counts as received and when its answer is due, under 47 CFR
 * 64.1200(n)(1): outside the provider's business hours a request counts as
 * received at opening time on its next business day; the answer is due 24 hours
 * after receipt.
 */
export function hopDeadline(
  requestedAt: Date,
  provider: Pick<ProviderRow, 'timezone' | 'businessHours'>,
): { receivedAt: Date; dueAt: Date } {
  const { receivedAt, dueAt } = receiptAndDue(requestedAt, calendarOf(provider), DEFAULT_ANSWER_WINDOW_HOURS);
  return { receivedAt, dueAt };
}
