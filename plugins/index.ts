import type { GuichetPlugin } from '../src/plugin-host/plugin.js';
import { casPlugin } from './cas/index.js';
import { demoAuthPlugin } from './demo-auth/index.js';
import { frFieldsPlugin } from './fr-fields/index.js';
import { localPlugin } from './local/index.js';
import { oidcPlugin } from './oidc/index.js';
import { schoolYearPlugin } from './school-year/index.js';
import { trustedHeaderPlugin } from './trusted-header/index.js';
import { webhooksPlugin } from './webhooks/index.js';
import { ldapDirectoryPlugin } from './ldap-directory/index.js';
import { csvDirectoryPlugin } from './csv-directory/index.js';

/** The plugins shipped with Guichet. Packs turn them on in their `auth` and `plugins` sections. */
export const FIRST_PARTY_PLUGINS: GuichetPlugin[] = [
  demoAuthPlugin as GuichetPlugin,
  oidcPlugin as GuichetPlugin,
  trustedHeaderPlugin as GuichetPlugin,
  casPlugin as GuichetPlugin,
  localPlugin as GuichetPlugin,
  webhooksPlugin as GuichetPlugin,
  schoolYearPlugin as GuichetPlugin,
  frFieldsPlugin as GuichetPlugin,
  ldapDirectoryPlugin as GuichetPlugin,
  csvDirectoryPlugin as GuichetPlugin,
];
