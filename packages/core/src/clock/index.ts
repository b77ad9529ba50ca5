export { HOUR_MS, ManualClock, systemClock } from './clock';
export type { Clock } from './clock';
export {
  ALWAYS_OPEN_CALENDAR,
  DEFAULT_ANSWER_WINDOW_HOURS,
  DEFAULT_BUSINESS_CALENDAR,
  formatLocal,
  isBusinessDay,
  receiptAndDue,
  validateBusinessCalendar,
} from './businessHours';
export type {
  BusinessCalendar,
  BusinessCalendarValidation,
  ReceiptAndDue,
  ValidationError,
} from './businessHours';
export { FIRST_COMPUTED_HOLIDAY_YEAR, usFederalHolidays } from './holidays';
export type { FederalHoliday } from './holidays';
export { DEFAULT_REMINDER_SCHEDULE, noticesFor } from './reminders';
export type { HopNotice, ReminderSchedule } from './reminders';
