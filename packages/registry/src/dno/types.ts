/** The four kinds of Do-Not-Originate number in 47 CFR 64.1200(k). */
export type DnoCategory = 'subscriber_requested' | 'invalid' | 'unallocated' | 'allocated_unused';

export const DNO_CATEGORIES: readonly DnoCategory[] = [
  'subscriber_requested',
  'invalid',
  'unallocated',
  'allocated_unused',
];

/**
 * One entry as the index needs it: a single number (start = end) or an inclusive range of E.164
 * numbers of the same length, e.g. a whole area code `+12110000000`–`+12119999999`.
 */
export interface DnoEntry {
  id: string;
  category: DnoCategory;
  start: string;
  end: string;
}
