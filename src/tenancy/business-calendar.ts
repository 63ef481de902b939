import { DateTime } from 'luxon';
import { frenchPublicHolidays } from './holidays.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A pack's business calendar, as the schema gives it (the time zone is the tenant's). */
export interface CalendarConfig {
  timezone: string;
  /** Working hours per weekday, local time, `HH:MM-HH:MM` (`24:00` ends at midnight). Missing days are closed. */
  hours: Partial<Record<Weekday, string[]>>;
  /** Public holidays computed for every year. */
  publicHolidays: 'fr' | 'none';
  /** Other closed days: `MM-DD` every year, or `YYYY-MM-DD` once. */
  holidays: string[];
  /** Closed periods (school holidays, when the pack counts them), inclusive local dates. */
  schoolHolidays: { from: string; to: string }[];
}

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-(([01]\d|2[0-3]):([0-5]\d)|24:00)$/;
/** How far `add` looks ahead before giving up: a calendar with no working day in 10 years is broken. */
const MAX_DAYS = 3660;

/** Minutes after midnight of each `HH:MM-HH:MM`, or the problem with it. */
export function parseRange(range: string): { from: number; to: number } | string {
  const m = RANGE.exec(range);
  if (!m) return `expected hours such as "08:00-12:00", got "${range}"`;
  const from = Number(m[1]) * 60 + Number(m[2]);
  const to = m[3] === '24:00' ? 24 * 60 : Number(m[4]) * 60 + Number(m[5]);
  if (to <= from) return `expected an end after the start, got "${range}"`;
  return { from, to };
}

/**
 * Working time in a tenant's time zone: weekly hours minus public, local and school holidays.
 * Pure (no clock, no database): instants in, instants or durations out. Each working interval's
 * ends are placed in the zone separately, so a day that loses or gains an hour to daylight saving
 * counts what the wall clock really showed.
 */
export class BusinessCalendar {
  private readonly week: { from: number; to: number }[][];
  private readonly years = new Map<number, Set<string>>();
  private readonly once: Set<string>;
  private readonly yearly: Set<string>;

  constructor(readonly config: CalendarConfig) {
    this.week = WEEKDAYS.map((d) =>
      (config.hours[d] ?? [])
        .map(parseRange)
        .filter((r): r is { from: number; to: number } => typeof r !== 'string')
        .sort((a, b) => a.from - b.from),
    );
    this.once = new Set(config.holidays.filter((h) => h.length === 10));
    this.yearly = new Set(config.holidays.filter((h) => h.length === 5));
  }

  /** The length of the longest working day, the meaning of one "day" in business durations. */
  get dayLength(): number {
    return Math.max(0, ...this.week.map((ranges) => ranges.reduce((n, r) => n + (r.to - r.from) * 60_000, 0)));
  }

  /** Whether the local date (`YYYY-MM-DD`) is closed all day as a holiday. */
  isHoliday(date: string): boolean {
    const year = Number(date.slice(0, 4));
    if (!this.years.has(year)) this.years.set(year, new Set(this.config.publicHolidays === 'fr' ? frenchPublicHolidays(year) : []));
    if (this.years.get(year)!.has(date) || this.once.has(date) || this.yearly.has(date.slice(5))) return true;
    return this.config.schoolHolidays.some((p) => p.from <= date && date <= p.to);
  }

  /** Working intervals `[start, end)` in epoch milliseconds of the local day starting at `day`. */
  intervalsOn(day: DateTime): [number, number][] {
    if (this.isHoliday(day.toISODate()!)) return [];
    return this.week[day.weekday - 1].map(({ from, to }) => [this.at(day, from), this.at(day, to)]);
  }

  /**
   * The instant at which `ms` of working time has passed since `from`. A start outside working
   * hours counts from the next opening; `ms <= 0` is `from` itself (already due).
   */
  add(from: Date, ms: number): Date {
    if (ms <= 0) return from;
    const start = from.getTime();
    let remaining = ms;
    let day = DateTime.fromMillis(start, { zone: this.config.timezone }).startOf('day');
    for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 })) {
      for (const [s, e] of this.intervalsOn(day)) {
        const begin = Math.max(s, start);
        if (begin >= e) continue;
        if (remaining <= e - begin) return new Date(begin + remaining);
        remaining -= e - begin;
      }
    }
    throw new RangeError(`no working time within ${MAX_DAYS} days of ${from.toISOString()}`);
  }

  /** Working time between two instants, in milliseconds (0 when `to` is not after `from`). */
  between(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    if (b <= a) return 0;
    let total = 0;
    let day = DateTime.fromMillis(a, { zone: this.config.timezone }).startOf('day');
    while (day.toMillis() < b) {
      for (const [s, e] of this.intervalsOn(day)) total += Math.max(0, Math.min(e, b) - Math.max(s, a));
      day = day.plus({ days: 1 });
    }
    return total;
  }

  /** Whether `at` falls inside working hours. */
  isWorking(at: Date): boolean {
    const t = at.getTime();
    const day = DateTime.fromMillis(t, { zone: this.config.timezone }).startOf('day');
    return this.intervalsOn(day).some(([s, e]) => s <= t && t < e);
  }

  private at(day: DateTime, minutes: number): number {
    if (minutes === 24 * 60) return day.plus({ days: 1 }).startOf('day').toMillis();
    // A time skipped by a spring-forward change is moved forward by luxon, which is what a wall clock does.
    return day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
  }
}
