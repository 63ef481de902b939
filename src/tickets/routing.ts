import type { TenantFile } from '../tenancy/pack.schema.js';

/** What routing looks at: the ticket as it is about to be created (or requalified). */
export interface RoutingInput {
  /** The leaf's key, its materialised path (`access/otp/otp-order`) and its own (or inherited) team. */
  leaf: { key: string; path: string; team_key: string | null };
  type: string;
  establishment?: { uai: string; kind: string | null } | null;
  /** Form values by field key, standard and custom. */
  values: Record<string, unknown>;
}

/** The team chosen and why; recorded in the ticket's `routed` event. */
export interface RoutingDecision {
  team: string;
  source: 'rule' | 'leaf' | 'fallback';
  /** The rule's name, `leaf` or `fallback`. */
  rule: string;
}

/**
 * A new ticket goes to a team, never to a person: the first of the pack's routing rules whose
 * conditions all hold, else the leaf's team, else the pack's fallback team. Pure.
 */
export function route(config: TenantFile, input: RoutingInput): RoutingDecision {
  const rules = config.routing?.rules ?? [];
  for (const [i, rule] of rules.entries()) {
    if (rule.establishments && !rule.establishments.includes(input.establishment?.uai ?? '')) continue;
    if (rule.establishmentKinds && !rule.establishmentKinds.includes(input.establishment?.kind ?? '')) continue;
    if (rule.under && !input.leaf.path.split('/').some((key) => rule.under!.includes(key))) continue;
    if (rule.types && !rule.types.includes(input.type)) continue;
    if (rule.fields && !Object.entries(rule.fields).every(([key, wanted]) => matches(input.values[key], [wanted].flat()))) continue;
    return { team: rule.team, source: 'rule', rule: rule.name ?? `rule-${i + 1}` };
  }
  if (input.leaf.team_key) return { team: input.leaf.team_key, source: 'leaf', rule: 'leaf' };
  return { team: config.fallbackTeam, source: 'fallback', rule: 'fallback' };
}

function matches(value: unknown, wanted: (string | number | boolean)[]): boolean {
  if (value === undefined || value === null) return false;
  const given = Array.isArray(value) ? value : [value];
  return given.some((v) => wanted.some((w) => String(w) === String(v)));
}
