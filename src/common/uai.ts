/**
 * French establishment code (UAI, formerly RNE): 7 digits then a check letter, e.g. `0140096D`.
 *
 * Check letter (verified on 0140096D and 9740049K): read the 7 digits as a decimal number, take
 * it modulo 23, and use the remainder as a 0-based index into the 23-letter alphabet without
 * I, O and Q. 0140096 mod 23 = 3 → D; 9740049 mod 23 = 9 → K.
 *
 * Only all-digit prefixes are accepted. A prefix written with a Corsican department (`2A`/`2B`)
 * is rejected: the modulo rule is only defined on digits. (As far as we know the directory gives
 * Corsican establishments digit codes, 620/720, which pass; this was not checked against data.)
 */

const ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const UAI_SHAPE = /^\d{7}[A-Z]$/;

/**
 * The check letter for the 7 leading characters of a UAI.
 * @throws TypeError unless `first7` is exactly seven digits.
 */
export function uaiCheckLetter(first7: string): string {
  if (/^0?2[AB]/i.test(first7)) {
    throw new TypeError(`Corsican department codes (2A/2B) are not supported in a UAI prefix: "${first7}"`);
  }
  if (!/^\d{7}$/.test(first7)) {
    throw new TypeError(`a UAI prefix is exactly 7 digits, got "${first7}"`);
  }
  return ALPHABET[Number(first7) % 23];
}

/** Trims and upper-cases user input; does not validate. */
export function normalizeUai(input: string): string {
  return input.trim().toUpperCase();
}

/**
 * Validates a UAI after normalisation. On a wrong check letter, `expected` is the letter the
 * seven digits call for, so a form can suggest the correction.
 */
export function validateUai(
  input: string,
): { valid: true; uai: string } | { valid: false; reason: 'format' | 'check-letter'; expected?: string } {
  const uai = normalizeUai(input);
  if (!UAI_SHAPE.test(uai)) return { valid: false, reason: 'format' };
  const expected = uaiCheckLetter(uai.slice(0, 7));
  return uai[7] === expected ? { valid: true, uai } : { valid: false, reason: 'check-letter', expected };
}

/** Whether the input is a valid UAI once trimmed and upper-cased. */
export function isValidUai(input: string): boolean {
  return validateUai(input).valid;
}
