import { Injectable } from '@nestjs/common';
import { CatalogueRepository } from '../catalogue/catalogue.repository.js';
import { Clock } from '../common/clock.js';
import { localized, pick } from '../common/localized.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { PackValidationError } from '../tenancy/pack-errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { planPackChange, type PackPlan } from './pack-plan.js';
import { PackSyncRepository } from './pack-sync.repository.js';

/**
 * Makes the database match a pack at boot, in one transaction: the tenant row, its teams and
 * catalogue; the tickets of statuses and teams the pack dropped moved where its `retired` rules
 * (or the defaults) say, each with a history entry; the category of tickets whose status moved
 * to another one. A pack that would strand tickets is refused before anything is written.
 */
@Injectable()
export class PackSync {
  constructor(
    private readonly catalogue: CatalogueRepository,
    private readonly directory: DirectoryRepository,
    private readonly repository: PackSyncRepository,
    private readonly clock: Clock,
  ) {}

  /** What a sync of the context's pack would do (`guichet tenants plan`); writes nothing. */
  plan(ctx: RequestContext): Promise<PackPlan> {
    return ctx.transaction(async (tx) => {
      const r = this.repository;
      return planPackChange(tx.tenant, {
        hash: await r.syncedHash(tx),
        shape: await r.syncedShape(tx),
        statuses: await r.ticketsByStatus(tx),
        teams: await r.teamsWithTickets(tx),
        leaves: await r.leavesWithTickets(tx),
      });
    });
  }

  /** Syncs the pack; returns the plan it applied, or null when the pack was already synced. */
  async sync(ctx: RequestContext): Promise<PackPlan | null> {
    const pack = ctx.tenant;
    return ctx.transaction(async (tx) => {
      // Several instances may boot together: one syncs a tenant at a time.
      await this.repository.lock(tx);
      if ((await this.repository.syncedHash(tx)) === pack.hash) return null;
      const plan = await this.plan(tx);
      if (plan.stranded.length) throw new PackValidationError(plan.stranded);
      const statuses = [...pack.lifecycle.statuses.values()];
      await this.repository.upsertTenant(tx, pick(pack.name, 'fr'), pack.hash, {
        statuses: Object.fromEntries(statuses.map((s) => [s.key, s.category])),
        transitions: [...new Set(pack.lifecycle.transitions.map((t) => t.name))],
      });
      await this.directory.syncTeams(tx, pack.config.teams.map((t) => ({ key: t.key, name: localized(t.name), email: t.email })));
      await this.catalogue.sync(tx, pack.catalogue);
      const now = this.clock.now();
      const moves = plan.statuses.retired.filter((m) => m.tickets > 0 && m.to);
      await this.repository.moveStatuses(tx, moves.map((m) => ({ from: m.key, fromCategory: m.category, to: m.to!, category: pack.lifecycle.status(m.to!).category })), now);
      await this.repository.moveTeams(tx, plan.teams.retired.filter((m) => m.tickets > 0).map((m) => ({ from: m.key, to: m.to! })), now);
      await this.repository.recategorise(tx, statuses.map((s) => ({ status: s.key, category: s.category })));
      return plan;
    });
  }
}
