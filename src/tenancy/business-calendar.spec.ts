import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '../common/clock.js';
import { BusinessCalendar, type CalendarConfig } from './business-calendar.js';
import { easterSunday, frenchPublicHolidays } from './holidays.js';
import { advanceClock, startClock, timeLeft } from '../sla/sla-clock.js';

const H = 3_600_000;
const M = 60_000;
const OFFICE = { mon: ['08:00-12:00', '13:30-17:30'], tue: ['08:00-12:00', '13:30-17:30'], wed: ['08:00-12:00', '13:30-17:30'], thu: ['08:00-12:00', '13:30-17:30'], fri: ['08:00-12:00', '13:30-17:30'] };
const ALWAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]));

function calendar(overrides: Partial<CalendarConfig> = {}): BusinessCalendar {
  return new BusinessCalendar({ timezone: 'Europe/Paris', hours: OFFICE, publicHolidays: 'fr', holidays: [], schoolHolidays: [], ...overrides });
}
const iso = (d: Date) => d.toISOString();

describe('French public holidays', () => {
  it.each([
    [2024, '03-31'],
    [2025, '04-20'],
    [2026, '04-05'],
    [2027, '03-28'],
    [2038, '04-25'],
    [2285, '03-22'],
  ])('Easter %i is on %s', (year, date) => {
    const { month, day } = easterSunday(year);
    expect(`${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`).toBe(date);
  });

  it('lists the eleven days of 2026, Easter-based ones computed', () => {
    expect(frenchPublicHolidays(2026)).toEqual([
      '2026-01-01', '2026-04-06', '2026-05-01', '2026-05-08', '2026-05-14', '2026-05-25',
      '2026-07-14', '2026-08-15', '2026-11-01', '2026-11-11', '2026-12-25',
    ]);
  });
});

describe('BusinessCalendar', () => {
  it('adds working time inside a day, skipping the lunch break', () => {
    // Monday 2 March 2026, 10:00 in Paris (UTC+1).
    expect(iso(calendar().add(new Date('2026-03-02T09:00:00Z'), 4 * H))).toBe('2026-03-02T14:30:00.000Z');
  });

  it('crosses midnight and the weekend', () => {
    // Friday 6 March 17:00 + 1 h: 30 minutes on Friday, 30 on Monday from 08:00.
    expect(iso(calendar().add(new Date('2026-03-06T16:00:00Z'), H))).toBe('2026-03-09T07:30:00.000Z');
    expect(calendar().between(new Date('2026-03-06T16:00:00Z'), new Date('2026-03-09T07:30:00Z'))).toBe(H);
  });

  it('counts from the next opening when asked out of hours', () => {
    // Tuesday 3 March, 22:00 Paris: the hour runs Wednesday 08:00–09:00.
    expect(iso(calendar().add(new Date('2026-03-03T21:00:00Z'), H))).toBe('2026-03-04T08:00:00.000Z');
    expect(calendar().isWorking(new Date('2026-03-03T21:00:00Z'))).toBe(false);
    expect(calendar().isWorking(new Date('2026-03-04T07:00:00Z'))).toBe(true);
    expect(calendar().isWorking(new Date('2026-03-04T11:30:00Z'))).toBe(false); // 12:30, lunch
  });

  it('ends a target exactly at closing time rather than at the next opening', () => {
    expect(iso(calendar().add(new Date('2026-03-02T16:00:00Z'), 30 * M))).toBe('2026-03-02T16:30:00.000Z');
  });

  it('skips public holidays computed from Easter (Ascension 2026) and fixed ones', () => {
    // Wednesday 13 May 17:00 + 1 h: Thursday 14 May is Ascension, Friday 15 May 08:30.
    expect(iso(calendar().add(new Date('2026-05-13T15:00:00Z'), H))).toBe('2026-05-15T06:30:00.000Z');
    // Monday 13 July 17:00 + 1 h: 14 July is closed.
    expect(iso(calendar().add(new Date('2026-07-13T15:00:00Z'), H))).toBe('2026-07-15T06:30:00.000Z');
    expect(iso(calendar({ publicHolidays: 'none' }).add(new Date('2026-07-13T15:00:00Z'), H))).toBe('2026-07-14T06:30:00.000Z');
  });

  it('skips local holidays, yearly or dated, in the tenant time zone (UTC+4)', () => {
    const zone = calendar({ timezone: 'Indian/Mauritius', holidays: ['12-20', '2027-12-21'] });
    // Friday 17 December 2027 17:00 local (13:00Z) + 1 h: Monday 20 and Tuesday 21 are closed.
    expect(iso(zone.add(new Date('2027-12-17T13:00:00Z'), H))).toBe('2027-12-22T04:30:00.000Z');
    expect(zone.isHoliday('2026-12-20')).toBe(true);
    expect(zone.isHoliday('2026-12-21')).toBe(false);
  });

  it('skips school holidays when the pack lists them', () => {
    const withHolidays = calendar({ schoolHolidays: [{ from: '2026-10-17', to: '2026-11-01' }] });
    // Friday 16 October 17:00 + 1 h: Monday 2 November 08:30 (UTC+1 after the change).
    expect(iso(withHolidays.add(new Date('2026-10-16T15:00:00Z'), H))).toBe('2026-11-02T07:30:00.000Z');
  });

  it('counts the wall clock across daylight-saving changes', () => {
    const always = calendar({ hours: ALWAYS, publicHolidays: 'none' });
    // Sunday 29 March 2026 has 23 hours in Paris, Sunday 25 October 25.
    expect(always.between(new Date('2026-03-28T23:00:00Z'), new Date('2026-03-29T22:00:00Z'))).toBe(23 * H);
    expect(always.between(new Date('2026-10-24T22:00:00Z'), new Date('2026-10-25T23:00:00Z'))).toBe(25 * H);
    expect(iso(always.add(new Date('2026-03-28T23:00:00Z'), 24 * H))).toBe('2026-03-29T23:00:00.000Z');
  });

  it('keeps office hours local across the spring change', () => {
    // Friday 27 March 17:00 (UTC+1) + 2 h: 30 minutes on Friday, Monday 30 March 09:30 (UTC+2).
    expect(iso(calendar().add(new Date('2026-03-27T16:00:00Z'), 2 * H))).toBe('2026-03-30T07:30:00.000Z');
    expect(calendar().between(new Date('2026-03-27T16:00:00Z'), new Date('2026-03-30T07:30:00Z'))).toBe(2 * H);
  });

  it('measures a working day and refuses to look forever', () => {
    expect(calendar().dayLength).toBe(8 * H);
    expect(() => calendar({ hours: {} }).add(new Date('2026-03-02T09:00:00Z'), H)).toThrow(RangeError);
    expect(calendar().add(new Date('2026-03-02T09:00:00Z'), 0)).toEqual(new Date('2026-03-02T09:00:00Z'));
  });
});

describe('SLA clocks on the calendar, driven by a manual clock', () => {
  const cal = calendar();
  const situation = (clock: ManualClock, over: { met?: boolean; paused?: boolean; target?: number } = {}) => ({
    at: clock.now(),
    target: over.target ?? 4 * H,
    met: over.met ?? false,
    paused: over.paused ?? false,
    warning: 0.75,
  });

  it('runs, pauses while the ticket waits on the requester, resumes with what is left', () => {
    const clock = new ManualClock(new Date('2026-03-02T08:00:00Z')); // Monday 09:00
    let state = startClock(cal, situation(clock));
    expect(iso(state.dueAt!)).toBe('2026-03-02T13:30:00.000Z'); // 3 h before lunch, 1 h after 13:30
    expect(iso(state.warnAt!)).toBe('2026-03-02T11:00:00.000Z'); // 3 h of 4: at noon
    clock.advance(H); // 10:00: the agent asks the requester
    state = advanceClock(cal, state, situation(clock, { paused: true }));
    expect(state).toMatchObject({ used: H, dueAt: null, warnAt: null, runningSince: null });
    clock.set('2026-03-04T15:00:00Z'); // Wednesday 16:00: the requester answers
    expect(timeLeft(cal, state, clock.now())).toBe(3 * H);
    state = advanceClock(cal, state, situation(clock));
    expect(iso(state.dueAt!)).toBe('2026-03-05T08:30:00.000Z'); // 1 h 30 on Wednesday, 1 h 30 on Thursday
    clock.advance(30 * M);
    expect(timeLeft(cal, state, clock.now())).toBe(2.5 * H);
  });

  it('stops once met and keeps the instant; a reopened ticket resumes', () => {
    const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'));
    let state = startClock(cal, situation(clock));
    clock.advance(2 * H);
    state = advanceClock(cal, state, situation(clock, { met: true }));
    expect(state).toMatchObject({ used: 2 * H, dueAt: null, metAt: new Date('2026-03-02T10:00:00Z') });
    clock.advance(24 * H);
    state = advanceClock(cal, state, situation(clock));
    expect(state.metAt).toBeNull();
    expect(iso(state.dueAt!)).toBe('2026-03-03T13:30:00.000Z'); // Tuesday 11:00–12:00, then 13:30–14:30
  });

  it('applies a new target to the time already used, due at once when exceeded', () => {
    const clock = new ManualClock(new Date('2026-03-02T08:00:00Z'));
    let state = startClock(cal, situation(clock, { target: 8 * H }));
    clock.advance(2 * H);
    state = advanceClock(cal, state, situation(clock, { target: H }));
    expect(state.dueAt).toEqual(clock.now());
    expect(timeLeft(cal, state, clock.now())).toBe(-H);
  });
});
