import type { PackProblem } from '../tenancy/pack-errors.js';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import type { LeafUse, StatusUse, SyncedShape, TeamUse } from './pack-sync.repository.js';

/** Where the tickets of a dropped status or team go, and why. */
export interface PackMove {
  key: string;
  /** null: nowhere (stranded). */
  to: string | null;
  /** `retired`: the pack's rule; `category`: the first status of the tickets' category; `fallbackTeam`. */
  rule: 'retired' | 'category' | 'fallbackTeam' | null;
  tickets: number;
  live: number;
  /** For the `category` rule: the category of the tickets it moves. */
  category?: string;
}

/** What syncing this pack would do to the tenant's database. */
export interface PackPlan {
  tenant: string;
  /** Never synced: everything is added. */
  firstSync: boolean;
  /** The pack is the one last synced: nothing would change. */
  unchanged: boolean;
  statuses: { added: string[]; retired: PackMove[]; recategorised: { key: string; from: string; to: string; tickets: number }[] };
  transitions: { added: string[]; removed: string[] };
  teams: { added: string[]; retired: PackMove[] };
  /** Leaves dropped stay in the database, inactive: their tickets keep them. */
  leaves: { added: string[]; retired: { key: string; tickets: number; live: number }[] };
  /** Tickets no rule places: the sync refuses the pack. */
  stranded: (PackProblem & { tickets: number })[];
}

export interface LiveState {
  hash: string | undefined;
  shape: SyncedShape | null;
  statuses: StatusUse[];
  teams: TeamUse[];
  leaves: LeafUse[];
}

/** Compares a pack with what the database holds. Pure: the caller reads `live` in the sync's transaction. */
export function planPackChange(pack: TenantPack, live: LiveState): PackPlan {
  const statuses = pack.lifecycle.statuses;
  const retiredRules = pack.config.retired;
  const firstOf = (category: string) => [...statuses.values()].find((s) => s.category === category)?.key ?? null;

  const previous = live.shape ? Object.keys(live.shape.statuses) : [];
  const droppedKeys = new Set([...previous, ...live.statuses.map((s) => s.status)].filter((k) => !statuses.has(k)));
  const statusMoves: PackMove[] = [];
  const stranded: PackPlan['stranded'] = [];
  for (const key of [...droppedKeys].sort()) {
    const uses = live.statuses.filter((s) => s.status === key);
    const tickets = uses.reduce((n, s) => n + s.tickets, 0);
    const liveCount = uses.reduce((n, s) => n + s.live, 0);
    const ruled = retiredRules.statuses[key];
    if (ruled) {
      statusMoves.push({ key, to: ruled, rule: 'retired', tickets, live: liveCount });
      continue;
    }
    // Without a rule, each category the tickets are in goes to its first status.
    const categories = uses.length ? uses.map((u) => u.category) : [live.shape?.statuses[key] ?? ''];
    for (const category of new Set(categories)) {
      const n = uses.filter((u) => u.category === category).reduce((a, u) => a + u.tickets, 0);
      const l = uses.filter((u) => u.category === category).reduce((a, u) => a + u.live, 0);
      const to = firstOf(category);
      statusMoves.push({ key, to, rule: to ? 'category' : null, tickets: n, live: l, category });
      if (!to && n > 0) {
        stranded.push({
          file: pack.file,
          path: `retired.statuses.${key}`,
          message: `expected a status to move the ${n} ticket(s) in the dropped status "${key}" to: the pack has no other status of category "${category}"`,
          tickets: n,
        });
      }
    }
  }

  const recategorised = live.statuses
    .filter((s) => statuses.has(s.status) && statuses.get(s.status)!.category !== s.category)
    .map((s) => ({ key: s.status, from: s.category, to: statuses.get(s.status)!.category, tickets: s.tickets }));

  const packTeams = new Set(pack.config.teams.map((t) => t.key));
  const teamMoves: PackMove[] = live.teams
    .filter((t) => !packTeams.has(t.key) && (t.active || t.tickets > 0))
    .map((t) => {
      const ruled = retiredRules.teams[t.key];
      return { key: t.key, to: ruled ?? pack.config.fallbackTeam, rule: ruled ? 'retired' : 'fallbackTeam', tickets: t.tickets, live: t.live };
    });

  const packLeaves = new Set(pack.catalogue.filter((c) => c.leaf).map((c) => c.key));
  const known = new Set(live.leaves.map((l) => l.key));
  const transitions = [...new Set(pack.lifecycle.transitions.map((t) => t.name))];
  const before = new Set(live.shape?.transitions ?? []);
  return {
    tenant: pack.id,
    firstSync: live.hash === undefined,
    unchanged: live.hash === pack.hash,
    statuses: { added: live.shape ? [...statuses.keys()].filter((k) => !(k in live.shape!.statuses)) : [], retired: statusMoves, recategorised },
    transitions: { added: live.shape ? transitions.filter((t) => !before.has(t)) : [], removed: [...before].filter((t) => !transitions.includes(t)) },
    teams: { added: pack.config.teams.map((t) => t.key).filter((k) => !live.teams.some((t) => t.key === k && t.active)), retired: teamMoves },
    leaves: {
      added: [...packLeaves].filter((k) => !known.has(k) || !live.leaves.find((l) => l.key === k)!.active),
      retired: live.leaves.filter((l) => l.active && !packLeaves.has(l.key)).map((l) => ({ key: l.key, tickets: l.tickets, live: l.live })),
    },
    stranded,
  };
}

/** The plan in lines for a terminal (`guichet tenants plan`). */
export function formatPlan(plan: PackPlan): string[] {
  if (plan.unchanged) return [`${plan.tenant}: unchanged`];
  const lines = [`${plan.tenant}: ${plan.firstSync ? 'first sync' : 'changed'}`];
  const count = (m: { tickets: number; live: number }) => `${m.tickets} ticket(s), ${m.live} not closed`;
  const list = (label: string, keys: string[]) => keys.length && lines.push(`  ${label}: ${keys.join(', ')}`);
  list('statuses added', plan.statuses.added);
  for (const m of plan.statuses.retired) lines.push(`  status retired: ${m.key} -> ${m.to ?? 'NOWHERE'}${m.rule ? ` (${m.rule})` : ''}: ${count(m)}`);
  for (const r of plan.statuses.recategorised) lines.push(`  status recategorised: ${r.key} ${r.from} -> ${r.to}: ${r.tickets} ticket(s)`);
  list('transitions added', plan.transitions.added);
  list('transitions removed', plan.transitions.removed);
  list('teams added', plan.teams.added);
  for (const m of plan.teams.retired) lines.push(`  team retired: ${m.key} -> ${m.to} (${m.rule}): ${count(m)}`);
  if (plan.leaves.added.length) lines.push(`  catalogue leaves added: ${plan.leaves.added.length}${plan.leaves.added.length <= 10 ? ` (${plan.leaves.added.join(', ')})` : ''}`);
  for (const l of plan.leaves.retired) lines.push(`  catalogue leaf retired (kept on its tickets, no longer offered): ${l.key}: ${count(l)}`);
  for (const s of plan.stranded) lines.push(`  REFUSED ${s.file}: ${s.path}: ${s.message}`);
  return lines;
}
