import { z } from 'zod';
import { definePlugin } from '../../src/plugin-host/index.js';
import { DEFAULT_FORMAT, isMonthDay, parseSchoolYearFormat, schoolYearToken } from './school-year.js';

const options = z.strictObject({
  /** First day of the school year, `MM-DD`, in the tenant's time zone: references change year (and restart numbering) that day. */
  start: z.string().refine(isMonthDay, 'a day of the year such as 09-01 (MM-DD)').default('09-01'),
});
export type SchoolYearOptions = z.infer<typeof options>;

/**
 * The school year in ticket references: `R{school-year:yy-yy}-{seq:4}` gives `R25-26-0001`
 * from 1 September 2025 to 31 August 2026, then `R26-27-0001`: the counter's scope includes
 * the rendered year, so numbering restarts with each school year, as academies count their
 * files. The pack turns the plugin on (`plugins: [{ plugin: school-year }]`), and may move the
 * first day (`options: { start: 08-16 }`).
 */
export const schoolYearPlugin = definePlugin({
  name: 'school-year',
  core: '^0.1',
  description: 'Reference token {school-year:FORMAT}: the French school year (2025-2026), numbering restarting each year',
  options,
  provides: {
    referenceTokens: {
      'school-year': {
        description: 'the school year of the creation date: {school-year} = 2025-2026, {school-year:yy-yy} = 25-26, {school-year:yy} = 25',
        compile(argument, { start }) {
          const parts = parseSchoolYearFormat(argument ?? DEFAULT_FORMAT);
          return 'problem' in parts ? parts : schoolYearToken(parts, start);
        },
      },
    },
  },
});
