import type { Type } from '@nestjs/common';
import { z } from 'zod';
import { claimMappingSchema, claimValues, mapClaims, type Claims } from './claim-mapping.js';

/** One person as a directory source describes them. */
export interface DirectoryPerson {
  login: string;
  name: string;
  email?: string;
  title?: string;
  /** Establishments by UAI, with whether the person heads it; absent when the mapping has none (memberships left alone). */
  establishments?: { uai: string; head: boolean }[];
  /** Tenant roles when the mapping gives them (roles then follow the directory). */
  roles?: string[];
  /** Teams of `DirectoryScope.teams` the person belongs to. */
  teams?: { key: string; lead: boolean }[];
}

/** One entry read from a source: a person, or a refusal with its reason; `where` names it (`file.csv:12`, an LDAP DN). */
export type DirectoryItem = { where: string; person: DirectoryPerson } | { where: string; refused: string };

/** What the source's mapping decides, so that a sync changes only that. */
export interface DirectoryScope {
  establishments: boolean;
  roles: boolean;
  /** Team keys whose memberships follow the directory; the others stay the administrators'. */
  teams: string[];
  /** UAIs unknown to Guichet: ignored, or created (named by their code). */
  unknownEstablishments: 'ignore' | 'create';
}

/**
 * A directory a tenant's people come from (LDAP, a CSV export…), provided by a plugin
 * (`provides.directory.source`, one of its providers). `read` streams every person the source
 * holds; the host validates, maps to the database set-based, and reports (docs/plugins.md).
 */
export abstract class DirectorySource<Options = unknown> {
  abstract read(options: Options, input: { file?: string }): AsyncIterable<DirectoryItem>;
  abstract scope(options: Options): DirectoryScope;
}

/** The `directory` capability of a plugin. */
export interface DirectoryCapability {
  source: Type<DirectorySource<never>>;
}

/**
 * The mapping of a directory's attributes (or a CSV's columns) to a person: the sign-in claim
 * mapping (login, name, email, establishments, headOf, heads, roles, teams, unknownEstablishments,
 * separator) plus `title`.
 */
export function directoryMappingSchema(defaults: { login: string; name: string; email?: string }) {
  return claimMappingSchema(defaults).unwrap().extend({
    title: z.string().min(1).optional(),
  });
}
export type DirectoryMapping = z.infer<ReturnType<typeof directoryMappingSchema>>;

/** A directory entry's attributes as a person, or null without a login. */
export function mapDirectoryEntry(attributes: Claims, mapping: DirectoryMapping): DirectoryPerson | null {
  const identity = mapClaims(attributes, mapping);
  if (!identity) return null;
  const [title] = mapping.title ? claimValues(attributes, mapping.title) : [];
  const person: DirectoryPerson = { login: identity.login, name: identity.name, email: identity.email, title, establishments: identity.establishments, roles: identity.roles };
  if (identity.teams) person.teams = identity.teams.memberOf;
  return person;
}

export function directoryScope(mapping: DirectoryMapping): DirectoryScope {
  return {
    establishments: Boolean(mapping.establishments || mapping.headOf),
    roles: Boolean(mapping.roles),
    teams: [...new Set((mapping.teams ?? []).map((t) => t.team))],
    unknownEstablishments: mapping.unknownEstablishments,
  };
}
