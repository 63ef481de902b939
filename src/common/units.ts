/** Sizes and ISO 8601 durations as written in tenant packs, with their French/English rendering. */
import { DateTime } from 'luxon';

// Decimal units are powers of 1000, binary ones of 1024; French writes octets (o) for bytes.
const SIZE_UNITS: Record<string, number> = {
  b: 1, o: 1,
  kb: 1e3, ko: 1e3, mb: 1e6, mo: 1e6, gb: 1e9, go: 1e9,
  kib: 2 ** 10, kio: 2 ** 10, mib: 2 ** 20, mio: 2 ** 20, gib: 2 ** 30, gio: 2 ** 30,
};

/**
 * A byte count from a number of bytes or a string such as `2MB`, `2.5 MB`, `128MiB`, `10B`.
 * Units: B, KB, MB, GB (powers of 1000), KiB, MiB, GiB (powers of 1024), case-insensitive, and
 * their French forms o, Ko, Mo, Go, Kio, Mio, Gio. A bare string number is bytes. Decimals are
 * rounded to the nearest byte; a decimal comma is refused because `1,000` would be ambiguous.
 * @throws RangeError on anything else, a negative value, or beyond Number.MAX_SAFE_INTEGER.
 */
export function parseSize(value: number | string): number {
  let bytes: number;
  if (typeof value === 'number') {
    bytes = value;
    if (!Number.isInteger(bytes)) throw new RangeError(`a size in bytes must be a whole number, got ${value}`);
  } else {
    const match = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec(value.trim());
    const factor = match && SIZE_UNITS[(match[2] || 'b').toLowerCase()];
    if (!match || !factor) {
      throw new RangeError(`invalid size "${value}": expected a number of bytes or a number with B, KB, MB, GB, KiB, MiB or GiB`);
    }
    bytes = Math.round(Number(match[1]) * factor);
  }
  if (!(bytes >= 0) || !Number.isSafeInteger(bytes)) throw new RangeError(`size out of range: ${value}`);
  return bytes;
}

const SIZE_LABELS = [
  { size: 2 ** 30, fr: 'Gio', en: 'GiB', binary: true },
  { size: 1e9, fr: 'Go', en: 'GB', binary: false },
  { size: 2 ** 20, fr: 'Mio', en: 'MiB', binary: true },
  { size: 1e6, fr: 'Mo', en: 'MB', binary: false },
  { size: 2 ** 10, fr: 'Kio', en: 'KiB', binary: true },
  { size: 1e3, fr: 'Ko', en: 'KB', binary: false },
  { size: 1, fr: 'o', en: 'B', binary: false },
];

/**
 * A size for people: `2 Mo` / `2 MB`, `128 Mio` / `128 MiB`, `1,5 Mo` / `1.5 MB`.
 *
 * Under 1000 the count is in bytes. A configured limit should read as configured, so the largest
 * unit (binary or decimal) in which the count is at least 1 with at most two exact decimals is
 * used: 1 536 → `1.5 KiB`, 2 250 000 → `2.25 MB`. Otherwise the largest decimal unit not above the
 * count is used, rounded to one decimal: 2 345 678 → `2.3 MB`. Numbers use the locale's decimal
 * separator, no digit grouping, and a plain space before the unit.
 */
export function formatSize(bytes: number, locale: 'fr' | 'en'): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`a size must be a non-negative whole number, got ${bytes}`);
  const render = (unit: (typeof SIZE_LABELS)[number], digits: number) => {
    const number = new Intl.NumberFormat(locale, { maximumFractionDigits: digits, useGrouping: false });
    return `${number.format(bytes / unit.size)} ${unit[locale]}`;
  };
  if (bytes < 1000) return render(SIZE_LABELS[SIZE_LABELS.length - 1], 0);
  // Remainder arithmetic stays exact where bytes * 100 would overflow the safe integers.
  const exact = SIZE_LABELS.find((u) => bytes >= u.size && ((bytes % u.size) * 100) % u.size === 0);
  if (exact && exact.size > 1) return render(exact, 2);
  const decimal = SIZE_LABELS.filter((u) => !u.binary);
  let index = decimal.findIndex((u) => bytes >= u.size);
  // 999 999 bytes would round to "1000 Ko": move up a unit instead.
  if (index > 0 && Math.round((bytes / decimal[index].size) * 10) >= 10_000) index -= 1;
  return render(decimal[index], 1);
}

/** The fields of an ISO 8601 duration; absent fields are 0. */
export interface IsoDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const ISO_DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * Parses an ISO 8601 duration such as `P14D`, `PT4H` or `P1Y2M3DT4H5M6S` (case-insensitive).
 * Whole, non-negative numbers only; weeks may be combined with other units.
 * @throws RangeError on anything else.
 */
export function parseDuration(iso: string): IsoDuration {
  const match = ISO_DURATION.exec(iso.trim().toUpperCase());
  if (!match) throw new RangeError(`invalid ISO 8601 duration "${iso}": expected e.g. P14D, PT4H or P1Y2M3DT4H5M6S`);
  const [years, months, weeks, days, hours, minutes, seconds] = match.slice(1).map((n) => Number(n ?? 0));
  if (![years, months, weeks, days, hours, minutes, seconds].every(Number.isSafeInteger)) {
    throw new RangeError(`duration "${iso}" is too large`);
  }
  return { years, months, weeks, days, hours, minutes, seconds };
}

/**
 * `at` plus a duration. Calendar units (Y, M, W, D) move the wall clock in `timeZone`, so P1D
 * across a DST change keeps the local time (a time the change skips moves forward by the gap;
 * a month-end clamps, Jan 31 + P1M = Feb 28/29). Clock units (H, M, S) then add exact elapsed time.
 * @throws RangeError for an invalid date, duration or time zone.
 */
export function addDuration(at: Date, iso: string, timeZone: string): Date {
  const d = parseDuration(iso);
  const start = DateTime.fromJSDate(at, { zone: timeZone });
  if (!start.isValid) throw new RangeError(`cannot add a duration: ${start.invalidExplanation ?? start.invalidReason}`);
  return start
    .plus({ years: d.years, months: d.months, weeks: d.weeks, days: d.days })
    .plus({ hours: d.hours, minutes: d.minutes, seconds: d.seconds })
    .toJSDate();
}

/**
 * A PostgreSQL interval literal for an ISO duration: `P14D` → `14 days`, `P1Y2M3DT4H5M6S` →
 * `1 year 2 months 3 days 04:05:06`. Weeks become days; the clock part stays an `HH:MM:SS`
 * amount of elapsed time (PT36H → `36:00:00`, not `1 day 12:00:00`), which is the same split as
 * {@link addDuration} when the session time zone is the tenant's.
 */
export function durationToSqlInterval(iso: string): string {
  const d = parseDuration(iso);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (d.years) parts.push(plural(d.years, 'year'));
  if (d.months) parts.push(plural(d.months, 'month'));
  if (d.weeks || d.days) parts.push(plural(d.weeks * 7 + d.days, 'day'));
  const total = d.hours * 3600 + d.minutes * 60 + d.seconds;
  if (total) {
    const pad = (n: number) => String(n).padStart(2, '0');
    parts.push(`${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`);
  }
  return parts.length ? parts.join(' ') : '0 days';
}
