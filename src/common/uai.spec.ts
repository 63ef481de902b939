import { describe, expect, it } from '@jest/globals';
import { isValidUai, normalizeUai, uaiCheckLetter, validateUai } from './uai.js';

describe('uaiCheckLetter', () => {
  it.each([
    ['0140096', 'D'],
    ['9740049', 'K'],
    ['0951099', 'D'],
    ['0000000', 'A'],
    ['0000008', 'J'], // skips I
    ['0000013', 'P'], // skips O
    ['0000014', 'R'], // skips Q
    ['0000022', 'Z'],
    ['0000023', 'A'], // wraps around
    ['9999999', 'P'], // 9999999 mod 23 = 13, the largest prefix
  ])('%s → %s', (prefix, letter) => {
    expect(uaiCheckLetter(prefix)).toBe(letter);
  });

  it.each(['014009', '01400960', '', 'abcdefg', ' 014009', '014009A', '٠١٤٠٠٩٦'])('rejects %j', (bad) => {
    expect(() => uaiCheckLetter(bad)).toThrow(TypeError);
    expect(() => uaiCheckLetter(bad)).toThrow(/exactly 7 digits/);
  });

  it.each(['02A0001', '02B0001', '2A00001', '2b00001'])('rejects the Corsican prefix %s with its own reason', (bad) => {
    expect(() => uaiCheckLetter(bad)).toThrow(/Corsican/);
  });
});

describe('normalizeUai', () => {
  it('trims and upper-cases', () => {
    expect(normalizeUai('  0140096d \n')).toBe('0140096D');
  });

  it('does not remove inner spaces', () => {
    expect(normalizeUai('014 0096D')).toBe('014 0096D');
  });
});

describe('validateUai', () => {
  it.each(['0140096D', '9740049K', ' 0140096d ', '9740049k'])('accepts %j', (input) => {
    expect(validateUai(input)).toEqual({ valid: true, uai: normalizeUai(input) });
    expect(isValidUai(input)).toBe(true);
  });

  it('reports a wrong check letter with the expected one', () => {
    expect(validateUai('0140096E')).toEqual({ valid: false, reason: 'check-letter', expected: 'D' });
    expect(validateUai('9740049j')).toEqual({ valid: false, reason: 'check-letter', expected: 'K' });
    // I, O and Q are never check letters but have the right shape.
    expect(validateUai('0140096I')).toEqual({ valid: false, reason: 'check-letter', expected: 'D' });
    expect(isValidUai('0140096E')).toBe(false);
  });

  it.each([
    '0140096',
    '01400961',
    '0140096DD',
    '014 0096D',
    'O140096D',
    '02A0001X',
    '2A00001X',
    '',
    '   ',
    '0140096É',
  ])('rejects the malformed %j as format', (input) => {
    expect(validateUai(input)).toEqual({ valid: false, reason: 'format' });
    expect(isValidUai(input)).toBe(false);
  });

  it('accepts exactly one of the 26 letters for a prefix', () => {
    for (const prefix of ['0140096', '9740049', '0750001', '6200001']) {
      const letters = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((l) => isValidUai(prefix + l));
      expect(letters).toEqual([uaiCheckLetter(prefix)]);
    }
  });
});
