import { validateUai, type FieldCheckResult } from '../../src/plugin-host/index.js';

/** An establishment's UAI code (`0140096D`), trimmed and upper-cased, its check letter verified. */
export function checkUai(input: string): FieldCheckResult {
  const check = validateUai(input);
  if (check.valid) return { value: check.uai };
  if (check.expected) {
    return {
      error: {
        fr: `Code UAI invalide : la lettre de contrôle de ces 7 chiffres est ${check.expected}.`,
        en: `Invalid UAI code: the check letter of these 7 digits is ${check.expected}.`,
      },
    };
  }
  return { error: { fr: 'Code UAI attendu : 7 chiffres suivis d’une lettre, par exemple 0140096D.', en: 'A UAI code is expected: 7 digits and a letter, such as 0140096D.' } };
}
