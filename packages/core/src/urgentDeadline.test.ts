import { describe, expect, it } from 'vitest';
import { hopDeadline } from './deadlines';

/** The urgent clock (decision 0026) against the FCC business-hours rule, for one provider in New York. */
describe('hopDeadline', () => {
  const provider = { timezone: 'America/New_York', businessHours: null };
  // Saturday 28 November 2026, 23:00 EST.
  const saturdayNight = new Date('2026-11-29T04:00:00Z');

  it('an urgent hop is received when asked and due exactly that many hours later, any day, any hour', () => {
    expect(hopDeadline(saturdayNight, provider, 4)).toEqual({
      receivedAt: saturdayNight,
      dueAt: new Date('2026-11-29T08:00:00Z'),
    });
    expect(hopDeadline(saturdayNight, provider, 2).dueAt).toEqual(new Date('2026-11-29T06:00:00Z'));
  });

  it('a normal hop keeps the business-hours rule: received Monday 08:00, due 24 hours later', () => {
    for (const urgentHours of [undefined, null])
      expect(hopDeadline(saturdayNight, provider, urgentHours)).toEqual({
        receivedAt: new Date('2026-11-30T13:00:00Z'),
        dueAt: new Date('2026-12-01T13:00:00Z'),
      });
  });
});
