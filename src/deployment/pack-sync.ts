import { Injectable } from '@nestjs/common';
import { CatalogueRepository } from '../catalogue/catalogue.repository.js';
import { pick } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { localized } from '../common/localized.js';
import { PackSyncRepository } from './pack-sync.repository.js';

/**
 * Makes the database match a pack at boot: the tenant row, its teams and its catalogue, and the
 * status category of existing tickets should the pack have moved a status to another category.
 */
@Injectable()
export class PackSync {
  constructor(
    private readonly catalogue: CatalogueRepository,
    private readonly directory: DirectoryRepository,
    private readonly repository: PackSyncRepository,
  ) {}

  async sync(ctx: RequestContext): Promise<void> {
    const pack = ctx.tenant;
    await ctx.transaction(async (tx) => {
      // Several instances may boot together: one syncs a tenant at a time.
      await this.repository.lock(tx);
      if ((await this.repository.syncedHash(tx)) === pack.hash) return;
      await this.repository.upsertTenant(tx, pick(pack.name, 'fr'), pack.hash);
      await this.directory.syncTeams(tx, pack.config.teams.map((t) => ({ key: t.key, name: localized(t.name), email: t.email })));
      await this.catalogue.sync(tx, pack.catalogue);
      const categories = [...pack.lifecycle.statuses.values()].map((s) => ({ status: s.key, category: s.category }));
      await this.repository.recategorise(tx, categories);
    });
  }
}
