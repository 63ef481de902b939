import { z } from 'zod';
import { definePlugin } from '../../src/plugin-host/index.js';
import { checkPhoneFr } from './phone-fr.js';
import { checkUai } from './uai.js';

const options = z.strictObject({
  /** `phone-fr` also accepts the numbers of the overseas collectivities (Saint-Pierre-et-Miquelon, Wallis-et-Futuna, New Caledonia, French Polynesia). */
  overseasCollectivities: z.boolean().default(true),
});
export type FrFieldsOptions = z.infer<typeof options>;

/**
 * French formats for a pack's form fields: the field type `uai` (an establishment's code, its
 * check letter verified: a custom field such as "UAI de l'établissement d'accueil", beside the
 * core's `establishment` picker of the person's own) and the validator `phone-fr` (a French
 * phone number, stored as `01 23 45 67 89`), on any text field. Turned on by
 * `plugins: [{ plugin: fr-fields }]`; messages in French and English.
 */
export const frFieldsPlugin = definePlugin({
  name: 'fr-fields',
  core: '^0.1',
  description: 'Field type uai (establishment code with its check letter) and validator phone-fr (French phone numbers)',
  options,
  provides: {
    fieldTypes: {
      uai: { base: 'text', maxLength: 8, description: "an establishment's UAI code, upper-cased, check letter verified", check: (value) => checkUai(value) },
    },
    validators: {
      'phone-fr': { description: 'a French phone number (overseas included), stored as 01 23 45 67 89', check: (value, o) => checkPhoneFr(value, o) },
    },
  },
});
