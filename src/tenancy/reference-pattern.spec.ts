import { describe, expect, it } from '@jest/globals';
import { ReferencePattern, ReferencePatternError } from './reference-pattern.js';

const PARIS = 'Europe/Paris';
const UTC_PLUS_4 = 'Indian/Mauritius';
const at = (iso: string) => new Date(iso);

describe('ReferencePattern.format', () => {
  it.each([
    ['I-{seq:6}', 167, 'I-000167'],
    ['R-{seq:6}', 433, 'R-000433'],
    ['KOSN1-{seq}', 6, 'KOSN1-6'],
    ['{seq}', 0, '0'],
    ['{seq:3}', 0, '000'],
  ])('%s with %i gives %s', (pattern, seq, expected) => {
    expect(ReferencePattern.parse(pattern).format(at('2024-05-01T10:00:00Z'), PARIS, seq)).toBe(expected);
  });

  it('renders the date in the tenant time zone', () => {
    const p = ReferencePattern.parse('I{date:yyMMdd}_{seq:4}');
    expect(p.format(at('2013-04-16T08:00:00Z'), PARIS, 213)).toBe('I130416_0213');
  });

  it('never truncates a counter longer than its padding', () => {
    expect(ReferencePattern.parse('I-{seq:6}').format(at('2024-05-01T10:00:00Z'), PARIS, 1234567)).toBe('I-1234567');
  });

  it('supports every date field and separators inside the format', () => {
    const p = ReferencePattern.parse('{date:yyyy-MM-dd HH:mm}/{seq}');
    expect(p.format(at('2024-07-14T08:05:00Z'), PARIS, 1)).toBe('2024-07-14 10:05/1');
  });

  it('renders literal braces written doubled', () => {
    expect(ReferencePattern.parse('{{{seq}}}').format(at('2024-05-01T10:00:00Z'), PARIS, 5)).toBe('{5}');
    expect(ReferencePattern.parse('a}}b{{-{seq}').format(at('2024-05-01T10:00:00Z'), PARIS, 5)).toBe('a}b{-5');
  });

  it('renders midnight as 00, not 24', () => {
    const p = ReferencePattern.parse('{date:ddHHmm}-{seq}');
    expect(p.format(at('2024-01-01T23:00:00Z'), PARIS, 1)).toBe('020000-1');
  });

  it('rejects a negative or fractional counter', () => {
    const p = ReferencePattern.parse('I-{seq}');
    expect(() => p.format(at('2024-01-01T00:00:00Z'), PARIS, -1)).toThrow(RangeError);
    expect(() => p.format(at('2024-01-01T00:00:00Z'), PARIS, 1.5)).toThrow(RangeError);
    expect(() => p.format(at('2024-01-01T00:00:00Z'), PARIS, Number.NaN)).toThrow(RangeError);
  });

  it('rejects an invalid date or an unknown time zone when the pattern has a date', () => {
    const p = ReferencePattern.parse('{date:yy}{seq}');
    expect(() => p.format(new Date('nope'), PARIS, 1)).toThrow(RangeError);
    expect(() => p.format(at('2024-01-01T00:00:00Z'), 'Mars/Olympus', 1)).toThrow(RangeError);
  });
});

describe('ReferencePattern.scope', () => {
  it('is the pattern without its seq token', () => {
    expect(ReferencePattern.parse('I-{seq:6}').scope(at('2024-05-01T10:00:00Z'), PARIS)).toBe('I-');
    expect(ReferencePattern.parse('KOSN1-{seq}').scope(at('2024-05-01T10:00:00Z'), PARIS)).toBe('KOSN1-');
    expect(ReferencePattern.parse('I{date:yyMMdd}_{seq:4}').scope(at('2013-04-16T08:00:00Z'), PARIS)).toBe('I130416_');
  });

  it('does not depend on the date when the pattern has no date token', () => {
    const p = ReferencePattern.parse('I-{seq}');
    expect(p.scope(at('2020-01-01T00:00:00Z'), PARIS)).toBe(p.scope(at('2030-06-01T12:00:00Z'), UTC_PLUS_4));
  });

  it('follows the tenant day across the DST change (Paris is UTC+2 on 1 April 2024)', () => {
    const p = ReferencePattern.parse('{date:yyyyMMdd HH}-{seq}');
    const t = at('2024-03-31T22:30:00Z');
    expect(p.scope(t, PARIS)).toBe('20240401 00-');
    expect(p.scope(t, UTC_PLUS_4)).toBe('20240401 02-');
    expect(p.scope(t, 'UTC')).toBe('20240331 22-');
    // An hour earlier it is still 31 March in Paris.
    expect(p.scope(at('2024-03-31T21:30:00Z'), PARIS)).toBe('20240331 23-');
    // The night before the change Paris is UTC+1: 23:30Z is already 31 March.
    expect(p.scope(at('2024-03-30T23:30:00Z'), PARIS)).toBe('20240331 00-');
  });

  it('restarts the counter at midnight in the tenant time zone, not UTC', () => {
    const p = ReferencePattern.parse('I{date:yyMMdd}_{seq:4}');
    expect(p.scope(at('2024-01-01T20:30:00Z'), UTC_PLUS_4)).toBe('I240102_');
    expect(p.scope(at('2024-01-01T20:30:00Z'), PARIS)).toBe('I240101_');
    // UTC+4 changes day at 20:00Z.
    expect(p.scope(at('2024-01-01T19:59:59Z'), UTC_PLUS_4)).toBe('I240101_');
    expect(p.scope(at('2024-01-01T20:00:00Z'), UTC_PLUS_4)).toBe('I240102_');
  });

  it('changes year at the tenant new year', () => {
    const p = ReferencePattern.parse('{date:yy}-{seq}');
    expect(p.scope(at('2023-12-31T23:30:00Z'), PARIS)).toBe('24-');
    expect(p.scope(at('2023-12-31T23:30:00Z'), 'UTC')).toBe('23-');
  });
});

describe('ReferencePattern.toRegExp', () => {
  it('matches what format produces and captures the counter', () => {
    const p = ReferencePattern.parse('I{date:yyMMdd}_{seq:4}');
    const re = p.toRegExp();
    for (const seq of [0, 7, 213, 9999, 10000, 123456]) {
      const ref = p.format(at('2013-04-16T08:00:00Z'), PARIS, seq);
      expect(re.exec(ref)?.groups?.seq).toBe(ref.slice(8));
      expect(Number(re.exec(ref)?.groups?.seq)).toBe(seq);
    }
  });

  it('is anchored', () => {
    const re = ReferencePattern.parse('I-{seq:6}').toRegExp();
    expect(re.test('I-000167')).toBe(true);
    expect(re.test('XI-000167')).toBe(false);
    expect(re.test('I-000167X')).toBe(false);
    expect(re.test('i-000167')).toBe(false);
  });

  it('accepts exactly the padded width, or longer without a leading zero', () => {
    const re = ReferencePattern.parse('I-{seq:6}').toRegExp();
    expect(re.test('I-1234567')).toBe(true);
    expect(re.test('I-00167')).toBe(false);
    expect(re.test('I-0000167')).toBe(false);
  });

  it('rejects leading zeros on an unpadded counter', () => {
    const re = ReferencePattern.parse('KOSN1-{seq}').toRegExp();
    expect(re.test('KOSN1-6')).toBe(true);
    expect(re.test('KOSN1-0')).toBe(true);
    expect(re.test('KOSN1-06')).toBe(false);
    expect(re.test('KOSN1-')).toBe(false);
  });

  it('escapes regex characters in literals', () => {
    const re = ReferencePattern.parse('A.B+({seq})').toRegExp();
    expect(re.test('A.B+(3)')).toBe(true);
    expect(re.test('AxB+(3)')).toBe(false);
    expect(ReferencePattern.parse('{{{seq}}}').toRegExp().test('{12}')).toBe(true);
  });

  it('only accepts plausible dates', () => {
    const re = ReferencePattern.parse('{date:yyyyMMddHHmm}-{seq}').toRegExp();
    expect(re.test('202404010230-1')).toBe(true);
    expect(re.test('202413010230-1')).toBe(false);
    expect(re.test('202404320230-1')).toBe(false);
    expect(re.test('202404012430-1')).toBe(false);
    expect(re.test('202404010260-1')).toBe(false);
  });
});

describe('ReferencePattern.parse errors', () => {
  it.each([
    ['I-', /exactly one \{seq\} token, found 0/],
    ['{seq}-{seq}', /exactly one \{seq\} token, found 2/],
    ['{{seq}}', /exactly one \{seq\} token/],
    ['{foo}-{seq}', /unknown token \{foo\}/],
    ['{type}-{seq}', /unknown token \{type\}/],
    ['{}{seq}', /unknown token \{\}/],
    ['{ seq }', /unknown token/],
    ['{seq:0}', /invalid width/],
    ['{seq:x}', /invalid width/],
    ['{seq:}', /invalid width/],
    ['{seq:-2}', /invalid width/],
    ['{seq:17}', /invalid width/],
    ['{date}{seq}', /needs a format/],
    ['{date:}{seq}', /needs a format/],
    ['{date:yyy}{seq}', /unknown date format letter "yyy"/],
    ['{date:ss}{seq}', /unknown date format letter "ss"/],
    ['{date:YYYY}{seq}', /unknown date format letter "YYYY"/],
    ['{date:M}{seq}', /unknown date format letter "M"/],
    ['I-{seq', /unclosed "\{"/],
    ['I-{date:yy{seq}', /unclosed "\{"/],
    ['I}-{seq}', /unexpected "\}"/],
  ])('%s is rejected', (pattern, message) => {
    expect(() => ReferencePattern.parse(pattern)).toThrow(ReferencePatternError);
    expect(() => ReferencePattern.parse(pattern)).toThrow(message);
  });

  it('keeps the source text', () => {
    expect(ReferencePattern.parse('I-{seq:6}').source).toBe('I-{seq:6}');
  });
});
