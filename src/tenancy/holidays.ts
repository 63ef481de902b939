/** Public holidays, computed rather than listed, so a calendar never runs out of years. */

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher), as `MM-DD`. */
export function easterSunday(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
}

/** `YYYY-MM-DD` of a date `offset` days after Easter Sunday (UTC arithmetic: no time zone involved). */
function afterEaster(year: number, offset: number): string {
  const { month, day } = easterSunday(year);
  return new Date(Date.UTC(year, month - 1, day + offset)).toISOString().slice(0, 10);
}

/**
 * France's eleven public holidays of `year` (Code du travail, L3133-1), as `YYYY-MM-DD`:
 * eight fixed dates, and Easter Monday, Ascension Thursday and Whit Monday from Easter.
 * Local ones (an overseas department's own day, Good Friday in Alsace-Moselle…) come from the pack.
 */
export function frenchPublicHolidays(year: number): string[] {
  const fixed = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'].map((d) => `${year}-${d}`);
  return [...fixed, afterEaster(year, 1), afterEaster(year, 39), afterEaster(year, 50)].sort();
}
