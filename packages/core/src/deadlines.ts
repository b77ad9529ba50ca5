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
 * after receipt. An urgent traceback passes `urgentHours`: due that many hours after the request, any hour.
 */
export function hopDeadline(
  requestedAt: Date,
  provider: Pick<ProviderRow, 'timezone' | 'businessHours'>,
  urgentHours?: number | null,
): { receivedAt: Date; dueAt: Date } {
  // An urgent traceback (a live threat an agency asked about): received at once, due this many hours later,
  // whatever the hour or the day; the business-hours receipt rule does not apply.
  if (urgentHours !== undefined && urgentHours !== null)
    return { receivedAt: requestedAt, dueAt: new Date(requestedAt.getTime() + urgentHours * 3_600_000) };
  const { receivedAt, dueAt } = receiptAndDue(requestedAt, calendarOf(provider), DEFAULT_ANSWER_WINDOW_HOURS);
  return { receivedAt, dueAt };
}
