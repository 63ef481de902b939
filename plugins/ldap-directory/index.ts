import { Injectable } from '@nestjs/common';
import { Client } from 'ldapts';
import { z } from 'zod';
import { definePlugin, DirectorySource, directoryMappingSchema, directoryScope, mapDirectoryEntry, type DirectoryItem, type DirectoryScope } from '../../src/plugin-host/index.js';

const options = z.strictObject({
  /** `ldap://` or `ldaps://` host and port, e.g. `"${GUICHET_X_LDAP_URL}"`. */
  url: z.string().regex(/^ldaps?:\/\/[^/]+\/?$/, 'an LDAP URL such as ldaps://ldap.example.org:636'),
  /** DN to bind as (read-only account); anonymous without it. */
  bindDn: z.string().min(1).optional(),
  /** The environment variable holding the bind password (never the password itself). */
  bindPasswordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as GUICHET_LDAP_PASSWORD').optional(),
  /** Where people are, e.g. `ou=personnels EN,ou=ac-caen,ou=education,o=gouv,c=fr`. */
  baseDn: z.string().min(1),
  filter: z.string().min(1).default('(objectClass=inetOrgPerson)'),
  scope: z.enum(['sub', 'one']).default('sub'),
  /** Entries per page (the simple paged results control): directories cap a search's size, pages are not capped. */
  pageSize: z.number().int().min(1).max(5000).default(500),
  timeoutMs: z.number().int().min(100).default(30000),
  /** Attributes to person: national education schema names by default (`uid`, `displayName`, `mail`, `title`, `FrEduRne`…). */
  attributes: directoryMappingSchema({ login: 'uid', name: 'displayName', email: 'mail' }).prefault({}),
});
export type LdapDirectoryOptions = z.infer<typeof options>;

/** Reads every entry under `baseDn` matching `filter`, page by page, as people. */
@Injectable()
export class LdapDirectorySource extends DirectorySource<LdapDirectoryOptions> {
  scope(o: LdapDirectoryOptions): DirectoryScope {
    return directoryScope(o.attributes);
  }

  async *read(o: LdapDirectoryOptions): AsyncIterable<DirectoryItem> {
    const client = new Client({ url: o.url, timeout: o.timeoutMs, connectTimeout: o.timeoutMs });
    try {
      if (o.bindDn) await client.bind(o.bindDn, o.bindPasswordEnv ? (process.env[o.bindPasswordEnv] ?? '') : '');
      const m = o.attributes;
      const wanted = [m.login, ...[m.name].flat(), m.email, m.title, m.establishments?.claim, m.headOf?.claim, ...(m.heads ?? []).map((r) => r.claim), ...(m.roles ?? []).map((r) => r.claim), ...(m.teams ?? []).map((r) => r.claim)];
      const attributes = [...new Set(wanted.filter((a): a is string => Boolean(a)))];
      for await (const page of client.searchPaginated(o.baseDn, { scope: o.scope, filter: o.filter, attributes, paged: { pageSize: o.pageSize } })) {
        for (const entry of page.searchEntries) {
          const claims = Object.fromEntries(Object.entries(entry).filter(([k]) => k !== 'dn').map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
          // Attribute names are case-insensitive in LDAP: give the mapping's spelling too.
          for (const name of attributes) {
            const found = Object.keys(claims).find((k) => k.toLowerCase() === name.toLowerCase());
            if (found && !(name in claims)) claims[name] = claims[found];
          }
          const person = mapDirectoryEntry(claims, m);
          yield person ? { where: entry.dn, person } : { where: entry.dn, refused: `no ${m.login}` };
        }
      }
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
}

/** People from the academy's LDAP directory (OpenLDAP, the national education schema), with `ldapts`. */
export const ldapDirectoryPlugin = definePlugin({
  name: 'ldap-directory',
  core: '^0.1',
  description: "People, establishments, heads, roles and teams from the academy's LDAP directory",
  options,
  provides: { directory: { source: LdapDirectorySource } },
  providers: [LdapDirectorySource],
});
