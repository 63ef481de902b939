import { describe, expect, it } from '@jest/globals';
import { frFieldsPlugin } from './index.js';

const phone = (value: string, overseasCollectivities = true) => frFieldsPlugin.provides.validators!['phone-fr'].check(value, { overseasCollectivities });
const uai = (value: string) => frFieldsPlugin.provides.fieldTypes!.uai.check(value, { overseasCollectivities: true });

describe('phone-fr', () => {
  it.each([
    ['01 23 45 67 89', '01 23 45 67 89'],
    ['0123456789', '01 23 45 67 89'],
    ['06.12.34.56.78', '06 12 34 56 78'],
    ['+33 6 12 34 56 78', '06 12 34 56 78'],
    ['+33 (0)1 23 45 67 89', '01 23 45 67 89'],
    ['0033 1 23 45 67 89', '01 23 45 67 89'],
    ['0262 12 34 56', '02 62 12 34 56'],
    ['+262 692 12 34 56', '06 92 12 34 56'],
    ['+594 594 12 34 56', '05 94 12 34 56'],
    ['+687 12 34 56', '+687 12 34 56'],
    ['+689 87 12 34 56', '+689 87 12 34 56'],
  ])('accepts %s as %s', (input, stored) => {
    expect(phone(input)).toEqual({ value: stored });
  });

  it.each(['12345', '00 23 45 67 89', '+33 0 12 34 56 78', '+44 20 7946 0958', '01 23 45 67 8', 'zéro un', '+687 12 34 5'])('refuses %s with a message in French and English', (input) => {
    expect(phone(input)).toEqual({ error: { fr: expect.stringContaining('Numéro de téléphone français attendu'), en: expect.stringContaining('A French phone number is expected') } });
  });

  it('refuses the overseas collectivities when the tenant says so', () => {
    expect(phone('+687 12 34 56', false)).toHaveProperty('error');
    expect(phone('+262 692 12 34 56', false)).toEqual({ value: '06 92 12 34 56' });
  });
});

describe('the uai field type', () => {
  it('normalises a valid code and names the check letter of a wrong one', () => {
    expect(uai('0140096d')).toEqual({ value: '0140096D' });
    expect(uai('0140096E')).toEqual({ error: { fr: 'Code UAI invalide : la lettre de contrôle de ces 7 chiffres est D.', en: 'Invalid UAI code: the check letter of these 7 digits is D.' } });
    expect(uai('RNE123')).toHaveProperty('error.fr', 'Code UAI attendu : 7 chiffres suivis d’une lettre, par exemple 0140096D.');
  });
});
