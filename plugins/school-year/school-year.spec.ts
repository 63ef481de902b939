import { describe, expect, it } from '@jest/globals';
import { ReferencePattern } from '../../src/tenancy/reference-pattern.js';
import { schoolYearPlugin } from './index.js';
import { isMonthDay, parseSchoolYearFormat, schoolYearStart } from './school-year.js';

const PARIS = 'Europe/Paris';
const token = (argument: string | undefined, start = '09-01') => {
  const compiled = schoolYearPlugin.provides.referenceTokens!['school-year'].compile(argument, { start });
  if ('problem' in compiled) throw new Error(compiled.problem);
  return compiled;
};
const render = (argument: string | undefined, iso: string, start?: string, timeZone = PARIS) => token(argument, start).render({ at: new Date(iso), timeZone });

describe('the school-year reference token', () => {
  it.each([
    [undefined, '2025-09-01T08:00:00Z', '2025-2026'],
    ['yy-yy', '2026-08-31T20:00:00Z', '25-26'],
    ['yyyy-yy', '2026-01-15T10:00:00Z', '2025-26'],
    ['yy', '2025-08-31T10:00:00Z', '24'],
    ['yyyy/yyyy', '2025-12-31T10:00:00Z', '2025/2026'],
    ['yyyy', '2025-09-01T10:00:00Z', '2025'],
  ])('{school-year:%s} at %s gives %s', (argument, at, expected) => {
    expect(render(argument, at)).toBe(expected);
  });

  it('changes year at midnight of the first day in the tenant time zone', () => {
    expect(render('yy-yy', '2025-08-31T21:59:00Z')).toBe('24-25'); // 23:59 in Paris
    expect(render('yy-yy', '2025-08-31T22:00:00Z')).toBe('25-26'); // 00:00 on 1 September in Paris
    expect(render('yy-yy', '2025-08-31T20:00:00Z', undefined, 'Indian/Mauritius')).toBe('25-26'); // already 1 September at UTC+4
  });

  it('follows the pack’s first day', () => {
    expect(render('yy-yy', '2025-08-20T10:00:00Z', '08-16')).toBe('25-26');
    expect(render('yy-yy', '2025-08-15T10:00:00Z', '08-16')).toBe('24-25');
  });

  it('restarts numbering with each school year: the year is part of the counter scope', () => {
    const tokens = { names: ['school-year'], compile: (name: string, argument: string | undefined) => (name === 'school-year' ? token(argument) : undefined) };
    const pattern = ReferencePattern.parse('R{school-year:yy-yy}-{seq:4}', tokens);
    expect(pattern.format(new Date('2026-06-30T10:00:00Z'), PARIS, 812)).toBe('R25-26-0812');
    expect(pattern.scope(new Date('2026-06-30T10:00:00Z'), PARIS)).toBe('R25-26-');
    expect(pattern.scope(new Date('2026-09-02T10:00:00Z'), PARIS)).toBe('R26-27-');
    expect(pattern.toRegExp().test('R25-26-0812')).toBe(true);
    expect(pattern.toRegExp().test('R2025-0812')).toBe(false);
  });

  it('refuses formats it cannot render, saying what it expects', () => {
    expect(parseSchoolYearFormat('yyy')).toEqual({ problem: 'expected yyyy or yy and separators, got "yyy"' });
    expect(parseSchoolYearFormat('MM')).toEqual({ problem: 'expected yyyy or yy and separators, got "MM"' });
    expect(parseSchoolYearFormat('yy-yy-yy')).toEqual({ problem: 'expected at most two year fields (the start year, then the end year)' });
    expect(parseSchoolYearFormat('--')).toEqual({ problem: 'expected a year field: yyyy or yy' });
  });

  it('checks its option: the first day is a day of the year', () => {
    expect(schoolYearPlugin.options.parse({})).toEqual({ start: '09-01' });
    expect(isMonthDay('02-29')).toBe(true);
    expect(isMonthDay('02-30')).toBe(false);
    expect(isMonthDay('13-01')).toBe(false);
    expect(schoolYearPlugin.options.safeParse({ start: '9-1' }).success).toBe(false);
    expect(schoolYearStart(new Date('2028-02-29T12:00:00Z'), PARIS, '09-01')).toBe(2027);
  });
});
