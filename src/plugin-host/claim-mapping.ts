import { z } from 'zod';

/** What a sign-in tells about a person; the directory is updated from it at every sign-in. */
export interface SignedInIdentity {
  login: string;
  name: string;
  email?: string;
  /** Establishments by UAI, with whether the person heads it; absent: memberships are left as they are. */
  establishments?: { uai: string; head: boolean }[];
  /** Tenant-wide roles (`agent`, `admin`); absent: roles are left as they are. */
  roles?: string[];
  /** Whether establishments missing from the directory are created (named by their UAI). */
  createEstablishments?: boolean;
  /** With a mapping that has `teams`: the teams it manages, and those the person belongs to (with lead); absent: team memberships are left as they are. */
  teams?: { managed: string[]; memberOf: { key: string; lead: boolean }[] };
}

/** Claims, attributes or headers, by name: a value or a list of values. */
export type Claims = Record<string, unknown>;

const regexSchema = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'a regular expression');

/** A test on one claim: equal to a value, matching a pattern, or (with neither) present and not empty. */
export const claimRuleSchema = z.strictObject({
  claim: z.string().min(1),
  equals: z.string().optional(),
  matches: regexSchema.optional(),
});
export type ClaimRule = z.infer<typeof claimRuleSchema>;

const uaiSourceSchema = z.strictObject({
  /** The claim that lists UAI codes (a list, or one value with `separator`). */
  claim: z.string().min(1),
  /** A pattern whose first group is the UAI, e.g. `^([0-9]{7}[A-Z])\$` for `0140096D$UAJ$PU$...`; the whole value otherwise. */
  pattern: regexSchema.optional(),
});

/**
 * How a pack maps an identity provider's claims (or CAS attributes, or proxy headers) to a
 * person. Every name is a claim name; defaults depend on the plugin.
 */
export function claimMappingSchema(defaults: { login: string; name: string; email?: string }) {
  return z
    .strictObject({
      login: z.string().min(1).default(defaults.login),
      /** One claim, or several joined by a space (e.g. `[given_name, family_name]`). */
      name: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default(defaults.name),
      email: defaults.email ? z.string().min(1).default(defaults.email) : z.string().min(1).optional(),
      /** Establishments the person works in. */
      establishments: uaiSourceSchema.optional(),
      /** Establishments the person heads (e.g. a `FrEduRneResp`-style claim). */
      headOf: uaiSourceSchema.optional(),
      /** The person heads every establishment they work in when one of these rules holds (e.g. a function code `DIR`). */
      heads: z.array(claimRuleSchema).optional(),
      /** Roles given when a rule holds; with this list, roles follow the provider at each sign-in. */
      roles: z.array(claimRuleSchema.extend({ role: z.enum(['agent', 'admin']) })).optional(),
      /** Teams given when a rule holds (e.g. a group); with this list, memberships of the teams it names follow the provider. */
      teams: z.array(claimRuleSchema.extend({ team: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a team key'), lead: z.boolean().default(false) })).optional(),
      /** UAIs unknown to the directory: ignored, or created named by their code. */
      unknownEstablishments: z.enum(['ignore', 'create']).default('ignore'),
      /** Separator of a single-valued claim that holds several values (headers, some CAS servers). */
      separator: z.string().min(1).optional(),
    })
    .default({ login: defaults.login, name: defaults.name, email: defaults.email, unknownEstablishments: 'ignore' });
}
export type ClaimMapping = z.infer<ReturnType<typeof claimMappingSchema>>;

/** The values of a claim as strings (lists flattened, a separator splitting single values). */
export function claimValues(claims: Claims, name: string, separator?: string): string[] {
  const raw = claims[name];
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  return list
    .flatMap((v) => (typeof v === 'string' && separator ? v.split(separator) : [v]))
    .filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .map((v) => String(v).trim())
    .filter(Boolean);
}

export function ruleHolds(claims: Claims, rule: ClaimRule, separator?: string): boolean {
  const values = claimValues(claims, rule.claim, separator);
  if (rule.equals !== undefined) return values.includes(rule.equals);
  if (rule.matches !== undefined) return values.some((v) => new RegExp(rule.matches!).test(v));
  return values.length > 0;
}

function uais(claims: Claims, source: { claim: string; pattern?: string } | undefined, separator?: string): string[] {
  if (!source) return [];
  const pattern = source.pattern ? new RegExp(source.pattern) : undefined;
  return claimValues(claims, source.claim, separator)
    .map((v) => (pattern ? pattern.exec(v)?.[1] : v))
    .filter((v): v is string => Boolean(v))
    .map((v) => v.trim().toUpperCase());
}

/** The identity the claims describe, or null when they lack a login. */
export function mapClaims(claims: Claims, mapping: ClaimMapping): SignedInIdentity | null {
  const sep = mapping.separator;
  const [login] = claimValues(claims, mapping.login);
  if (!login) return null;
  const nameParts = (Array.isArray(mapping.name) ? mapping.name : [mapping.name]).map((n) => claimValues(claims, n)[0]).filter(Boolean);
  const [email] = mapping.email ? claimValues(claims, mapping.email) : [];
  const identity: SignedInIdentity = { login, name: nameParts.join(' ') || login, email, createEstablishments: mapping.unknownEstablishments === 'create' };
  if (mapping.establishments || mapping.headOf) {
    const headsAll = (mapping.heads ?? []).some((rule) => ruleHolds(claims, rule, sep));
    const headed = new Set(uais(claims, mapping.headOf, sep));
    const all = [...new Set([...uais(claims, mapping.establishments, sep), ...headed])];
    identity.establishments = all.map((uai) => ({ uai, head: headsAll || headed.has(uai) }));
  }
  if (mapping.roles) identity.roles = [...new Set(mapping.roles.filter((r) => ruleHolds(claims, r, sep)).map((r) => r.role))].sort();
  if (mapping.teams) {
    const member = new Map<string, boolean>();
    for (const rule of mapping.teams) if (ruleHolds(claims, rule, sep)) member.set(rule.team, (member.get(rule.team) ?? false) || rule.lead);
    identity.teams = { managed: [...new Set(mapping.teams.map((r) => r.team))].sort(), memberOf: [...member].map(([key, lead]) => ({ key, lead })).sort((a, b) => a.key.localeCompare(b.key)) };
  }
  return identity;
}
