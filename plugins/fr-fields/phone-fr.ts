import type { FieldCheckResult } from '../../src/plugin-host/index.js';

/** Country codes of the overseas departments, whose numbers are national ten-digit numbers (0262…, 0590…, 0594…, 0596…). */
const DEPARTMENTS = ['262', '590', '594', '596'];
/** Overseas collectivities with numbering plans of their own, and the length of their numbers. */
const COLLECTIVITIES: Record<string, number> = { '508': 6, '681': 6, '687': 6, '689': 8 };

export interface PhoneFrOptions {
  /** Also accept numbers of Saint-Pierre-et-Miquelon, Wallis-et-Futuna, New Caledonia and French Polynesia (`+687 12 34 56`). */
  overseasCollectivities: boolean;
}

const REFUSED = {
  fr: 'Numéro de téléphone français attendu : 10 chiffres commençant par 0 (01 23 45 67 89), ou +33 suivi de 9 chiffres.',
  en: 'A French phone number is expected: 10 digits starting with 0 (01 23 45 67 89), or +33 and 9 digits.',
};

const pairs = (digits: string) => digits.match(/\d{1,2}/g)!.join(' ');

/**
 * A French phone number as people write it (spaces, dots, dashes, `+33 (0)1…`, `0033…`),
 * stored in the national shape `01 23 45 67 89`. An overseas department's international form
 * (`+262 692 12 34 56`) is its national number (`06 92 12 34 56`).
 */
export function checkPhoneFr(input: string, options: PhoneFrOptions): FieldCheckResult {
  const compact = input.replace(/[\s.\-/]/g, '').replace(/^\+33\(0\)/, '+33').replace(/^00/, '+');
  if (/^0[1-9]\d{8}$/.test(compact)) return { value: pairs(compact) };
  if (/^\+33[1-9]\d{8}$/.test(compact)) return { value: pairs(`0${compact.slice(3)}`) };
  const code = compact.slice(1, 4);
  if (compact.startsWith('+') && DEPARTMENTS.includes(code) && /^[1-9]\d{8}$/.test(compact.slice(4))) return { value: pairs(`0${compact.slice(4)}`) };
  const length = COLLECTIVITIES[code];
  if (options.overseasCollectivities && compact.startsWith('+') && length && new RegExp(`^\\d{${length}}$`).test(compact.slice(4))) return { value: `+${code} ${pairs(compact.slice(4))}` };
  return { error: REFUSED };
}
