import { describe, expect, it } from '@jest/globals';
import { addDuration, durationToSqlInterval, formatSize, parseDuration, parseSize } from './units.js';

describe('parseSize', () => {
  it.each([
    ['2MB', 2_000_000],
    ['2.5 MB', 2_500_000],
    ['128MiB', 134_217_728],
    ['500KB', 500_000],
    ['1KiB', 1024],
    ['10B', 10],
    ['1GB', 1_000_000_000],
    ['1GiB', 1_073_741_824],
    ['1.5KiB', 1536],
    ['2.3MB', 2_300_000], // 2.3 * 1e6 is 2299999.9999999995 in floating point
    ['0.5B', 1], // rounded to the nearest byte
    ['.5KB', 500],
    ['1024', 1024],
    ['  2 mb ', 2_000_000],
    ['2 Mo', 2_000_000],
    ['128 Mio', 134_217_728],
    ['3 Go', 3_000_000_000],
    ['12 o', 12],
    ['0', 0],
  ])('%j → %i', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it('accepts a whole number of bytes', () => {
    expect(parseSize(0)).toBe(0);
    expect(parseSize(4096)).toBe(4096);
  });

  it.each([1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('rejects the number %d', (n) => {
    expect(() => parseSize(n)).toThrow(RangeError);
  });

  it.each(['', 'MB', '2 TB', '2 MBs', '-2MB', '2,5 Mo', '1,000 KB', '2 M B', '1e3', 'two MB', '2..5MB', '9007199254740993'])(
    'rejects %j',
    (input) => {
      expect(() => parseSize(input)).toThrow(RangeError);
    },
  );

  it('names the input in its message', () => {
    expect(() => parseSize('2 TB')).toThrow('invalid size "2 TB"');
  });
});

describe('formatSize', () => {
  it.each([
    [2_000_000, '2 Mo', '2 MB'],
    [134_217_728, '128 Mio', '128 MiB'],
    [0, '0 o', '0 B'],
    [999, '999 o', '999 B'],
    [1000, '1 Ko', '1 KB'],
    [1024, '1 Kio', '1 KiB'],
    [1_024_000, '1000 Kio', '1000 KiB'], // exact in KiB, not in MiB nor MB
    [1_073_741_824, '1 Gio', '1 GiB'],
    [5_000_000_000_000, '5000 Go', '5000 GB'],
    [1500, '1,5 Ko', '1.5 KB'],
    [1536, '1,5 Kio', '1.5 KiB'],
    [1_500_000, '1,5 Mo', '1.5 MB'],
    [2_250_000, '2,25 Mo', '2.25 MB'],
    [1_536_000, '1500 Kio', '1500 KiB'], // exact in KiB, while 1.536 MB needs three decimals
    [2_345_678, '2,3 Mo', '2.3 MB'],
    [2_355_000, '2355 Ko', '2355 KB'],
    [2_355_001, '2,4 Mo', '2.4 MB'],
    [999_999, '1 Mo', '1 MB'], // would round to 1000 Ko
    [1001, '1 Ko', '1 KB'],
    [Number.MAX_SAFE_INTEGER, '9007199,3 Go', '9007199.3 GB'],
  ])('%i → %j / %j', (bytes, fr, en) => {
    expect(formatSize(bytes, 'fr')).toBe(fr);
    expect(formatSize(bytes, 'en')).toBe(en);
  });

  it('reads back exactly when a unit divides the count', () => {
    for (const bytes of [0, 10, 2_000_000, 134_217_728, 1_024_000, 3 * 2 ** 30]) {
      expect(parseSize(formatSize(bytes, 'en'))).toBe(bytes);
      expect(parseSize(formatSize(bytes, 'fr'))).toBe(bytes);
    }
    for (const size of ['1.5KiB', '2.25MB', '0.75GiB', '1.5MB']) {
      expect(parseSize(formatSize(parseSize(size), 'en'))).toBe(parseSize(size));
    }
  });

  it.each([-1, 1.5, Number.NaN])('rejects %d', (bytes) => {
    expect(() => formatSize(bytes, 'en')).toThrow(RangeError);
  });
});

describe('parseDuration', () => {
  const zero = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };

  it.each([
    ['P14D', { days: 14 }],
    ['PT4H', { hours: 4 }],
    ['P2W', { weeks: 2 }],
    ['P1M', { months: 1 }],
    ['PT1M', { minutes: 1 }],
    ['P1Y2M3DT4H5M6S', { years: 1, months: 2, days: 3, hours: 4, minutes: 5, seconds: 6 }],
    ['P1W2D', { weeks: 1, days: 2 }],
    ['P0D', {}],
    [' p1dt12h ', { days: 1, hours: 12 }],
  ])('%j', (iso, fields) => {
    expect(parseDuration(iso)).toEqual({ ...zero, ...fields });
  });

  it.each(['', 'P', 'PT', 'P1DT', '1D', 'P1.5D', 'PT0.5S', 'P-1D', 'P1H', 'PT1D', 'P1D1Y', 'P 1D', 'P99999999999999999D'])(
    'rejects %j',
    (iso) => {
      expect(() => parseDuration(iso)).toThrow(RangeError);
    },
  );
});

describe('addDuration', () => {
  const PARIS = 'Europe/Paris';
  const add = (iso: string, duration: string, zone = PARIS) => addDuration(new Date(iso), duration, zone).toISOString();

  it('keeps the wall-clock time for P1D across the spring DST change', () => {
    // 12:00+01:00 on 30 March 2024 → 12:00+02:00 on 31 March: only 23 hours later.
    expect(add('2024-03-30T11:00:00Z', 'P1D')).toBe('2024-03-31T10:00:00.000Z');
    expect(add('2024-03-30T11:00:00Z', 'PT24H')).toBe('2024-03-31T11:00:00.000Z');
  });

  it('keeps the wall-clock time for P1D across the autumn DST change', () => {
    expect(add('2024-10-26T10:00:00Z', 'P1D')).toBe('2024-10-27T11:00:00.000Z');
    expect(add('2024-10-26T10:00:00Z', 'P1W')).toBe('2024-11-02T11:00:00.000Z');
  });

  it('moves a wall-clock time the DST change skips forward by the gap', () => {
    // 02:30 on 31 March 2024 does not exist in Paris; it becomes 03:30+02:00.
    expect(add('2024-03-30T01:30:00Z', 'P1D')).toBe('2024-03-31T01:30:00.000Z');
  });

  it('adds calendar units before clock units', () => {
    expect(add('2024-03-30T11:00:00Z', 'P1DT1H')).toBe('2024-03-31T11:00:00.000Z');
  });

  it('depends on the time zone', () => {
    expect(add('2024-03-30T11:00:00Z', 'P1D', 'UTC')).toBe('2024-03-31T11:00:00.000Z');
    expect(add('2024-03-30T11:00:00Z', 'P1D', 'Indian/Mauritius')).toBe('2024-03-31T11:00:00.000Z');
  });

  it('clamps to the end of shorter months', () => {
    expect(add('2024-01-31T10:00:00Z', 'P1M')).toBe('2024-02-29T10:00:00.000Z');
    expect(add('2023-01-31T10:00:00Z', 'P1M')).toBe('2023-02-28T10:00:00.000Z');
    expect(add('2024-02-29T10:00:00Z', 'P1Y')).toBe('2025-02-28T10:00:00.000Z');
  });

  it('adds clock units as exact elapsed time', () => {
    expect(add('2024-10-27T00:30:00Z', 'PT1H')).toBe('2024-10-27T01:30:00.000Z');
    expect(add('2024-01-01T00:00:00Z', 'PT90M30S')).toBe('2024-01-01T01:30:30.000Z');
  });

  it('does not change its input', () => {
    const at = new Date('2024-03-30T11:00:00Z');
    addDuration(at, 'P1D', PARIS);
    expect(at.toISOString()).toBe('2024-03-30T11:00:00.000Z');
  });

  it('rejects an unknown time zone, an invalid date and a bad duration', () => {
    expect(() => addDuration(new Date(), 'P1D', 'Mars/Olympus')).toThrow(RangeError);
    expect(() => addDuration(new Date('nope'), 'P1D', PARIS)).toThrow(RangeError);
    expect(() => addDuration(new Date(), '1 day', PARIS)).toThrow(RangeError);
  });
});

describe('durationToSqlInterval', () => {
  it.each([
    ['P14D', '14 days'],
    ['P1D', '1 day'],
    ['P2W', '14 days'],
    ['P1W3D', '10 days'],
    ['P1Y2M3DT4H5M6S', '1 year 2 months 3 days 04:05:06'],
    ['P2Y1M', '2 years 1 month'],
    ['PT4H', '04:00:00'],
    ['PT36H', '36:00:00'],
    ['PT90M', '01:30:00'],
    ['PT3661S', '01:01:01'],
    ['P0D', '0 days'],
    ['PT0S', '0 days'],
  ])('%s → %j', (iso, sql) => {
    expect(durationToSqlInterval(iso)).toBe(sql);
  });

  it('rejects an invalid duration', () => {
    expect(() => durationToSqlInterval('14 days')).toThrow(RangeError);
  });
});
