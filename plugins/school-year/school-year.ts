import type { ReferenceInput, ReferenceToken } from '../../src/plugin-host/index.js';

/**
 * The French school year ("année scolaire", 2025-2026) an instant belongs to, in the tenant's
 * time zone: it starts on `start` (MM-DD, 1 September by default) and ends the day before the
 * next one. Rendered by a format of one or two year fields, the start year then the end year:
 * `yyyy-yyyy` → 2025-2026, `yy-yy` → 25-26, `yyyy-yy` → 2025-26, `yy` → 25 (its start).
 */
export const DEFAULT_FORMAT = 'yyyy-yyyy';

type Part = { year: 'start' | 'end'; digits: 2 | 4 } | { text: string };

/** The parts of a format, or what was expected. */
export function parseSchoolYearFormat(format: string): Part[] | { problem: string } {
  const parts: Part[] = [];
  let years = 0;
  for (const run of format.match(/(.)\1*/gsu) ?? []) {
    if (run === 'yyyy' || run === 'yy') {
      if (years === 2) return { problem: 'expected at most two year fields (the start year, then the end year)' };
      parts.push({ year: years++ === 0 ? 'start' : 'end', digits: run.length as 2 | 4 });
    } else if (/^\p{L}/u.test(run) || /[{}]/.test(run)) {
      return { problem: `expected yyyy or yy and separators, got "${run}"` };
    } else parts.push({ text: run });
  }
  return years ? parts : { problem: 'expected a year field: yyyy or yy' };
}

/** The year the school year of `at` started, in `timeZone`, for a year starting on `start` (MM-DD). */
export function schoolYearStart(at: Date, timeZone: string, start: string): number {
  const fields = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, calendar: 'gregory', numberingSystem: 'latn', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const year = Number(fields.year);
  return `${fields.month}-${fields.day}` >= start ? year : year - 1;
}

/** The token for a format and a start day (both already checked). */
export function schoolYearToken(parts: Part[], start: string): ReferenceToken {
  return {
    render: ({ at, timeZone }: ReferenceInput) => {
      const first = schoolYearStart(at, timeZone, start);
      return parts.map((p) => ('text' in p ? p.text : String(p.year === 'start' ? first : first + 1).padStart(4, '0').slice(-p.digits))).join('');
    },
    pattern: parts.map((p) => ('text' in p ? p.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : `\\d{${p.digits}}`)).join(''),
  };
}

/** Whether `MM-DD` is a day of the calendar (29 February included: every year has the days before it). */
export function isMonthDay(value: string): boolean {
  const match = /^(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [month, day] = [Number(match[1]), Number(match[2])];
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(2024, month, 0)).getUTCDate();
}
