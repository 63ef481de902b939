import { z } from 'zod';
import { definePlugin } from '../../src/plugin-host/index.js';

/**
 * Sign-in by picking a demo persona. Only usable when the deployment runs in demo mode, so a
 * production deployment of a pack that lists it simply does not offer it.
 */
export const demoAuthPlugin = definePlugin({
  name: 'demo',
  core: '^0.1',
  description: 'Persona picker for demonstrations (demo mode only)',
  options: z.strictObject({
    /** Logins offered in the picker; all demo people when absent. */
    personas: z.array(z.string().min(1)).optional(),
  }),
  provides: { authMethod: { kind: 'picker', demoOnly: true, start: { method: 'POST', path: 'auth/demo' } } },
});
