import { describe, expect, it } from '@jest/globals';
import { inputProblems, isIsoInstant, MAX_INPUT_DEPTH, storableText } from './input-check.js';

describe('inputProblems', () => {
  it('accepts ordinary text, emoji (a well-formed surrogate pair) and buffers', () => {
    expect(inputProblems({ title: 'Clé OTP 👍', tags: ['a', 'b'], n: 1, none: null, raw: Buffer.from([0]) })).toEqual([]);
  });

  it('names each string holding a NUL or a lone surrogate by its path', () => {
    expect(inputProblems({ values: { title: 'a\0b', list: ['ok', '\ud800'] }, low: 'x\udc00' })).toEqual([
      { field: 'values.title', rule: 'rule.nul' },
      { field: 'values.list.1', rule: 'rule.unicode' },
      { field: 'low', rule: 'rule.unicode' },
    ]);
    expect(inputProblems('a\0', 'q')).toEqual([{ field: 'q', rule: 'rule.nul' }]);
    expect(inputProblems('a\0')).toEqual([{ field: 'body', rule: 'rule.nul' }]);
  });

  it('names a bad key with its characters written out', () => {
    expect(inputProblems({ values: { 'k\0': 1, ['\ud83d']: 2 } })).toEqual([
      { field: 'values.k\\u0000', rule: 'rule.nul' },
      { field: 'values.\\ud83d', rule: 'rule.unicode' },
    ]);
  });

  it('stops at MAX_INPUT_DEPTH levels, once, where it goes too deep', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i++) deep = [deep];
    const problems = inputProblems({ extra: deep });
    expect(problems).toEqual([{ field: `extra${'.0'.repeat(MAX_INPUT_DEPTH - 1)}`, rule: 'rule.depth', params: { max: MAX_INPUT_DEPTH } }]);
    let fine: unknown = 'x';
    for (let i = 0; i < MAX_INPUT_DEPTH - 1; i++) fine = [fine];
    expect(inputProblems(fine)).toEqual([]);
  });

  it('reports 20 problems at most', () => {
    expect(inputProblems(Array.from({ length: 1000 }, () => '\0'))).toHaveLength(20);
  });
});

describe('isIsoInstant', () => {
  it('takes what Date#toISOString writes for years 0001–9999, nothing else', () => {
    expect(isIsoInstant(new Date('2026-03-02T08:30:00Z').toISOString())).toBe(true);
    expect(isIsoInstant('2026-03-02T08:30:00Z')).toBe(true);
    for (const v of ['1', '2026-03-02', '2026-13-40T00:00:00Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '0000-01-01T00:00:00Z', 'infinity', 42, null]) expect(isIsoInstant(v)).toBe(false);
  });
});

describe('storableText', () => {
  it('drops NUL characters and replaces lone surrogates, keeping pairs', () => {
    expect(storableText('a\0b\ud800c 👍')).toBe('ab\uFFFDc 👍');
  });
});
