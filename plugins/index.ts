import type { GuichetPlugin } from '../src/plugin-host/plugin.js';
import { demoAuthPlugin } from './demo-auth/index.js';

/** The plugins shipped with Guichet. Packs turn them on in their `auth` (and future) sections. */
export const FIRST_PARTY_PLUGINS: GuichetPlugin[] = [demoAuthPlugin as GuichetPlugin];
