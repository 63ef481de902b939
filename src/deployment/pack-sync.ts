import { Injectable } from '@nestjs/common';
import { CatalogueRepository } from '../catalogue/catalogue.repository.js';
import { pick } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { localized } from '../common/localized.js';

/**
 * Makes the database match a pack at boot: the tenant row, its teams and its catalogue, and the
 * status category of existing tickets should the pack have moved a status to another category.
 */
@Injectable()
export class PackSync {
  constructor(
    private readonly catalogue: CatalogueRepository,
    private readonly directory: DirectoryRepository,
  ) {}

  async sync(ctx: RequestContext): Promise<void> {
    const pack = ctx.tenant;
    await ctx.transaction(async (tx) => {
      // Several instances may boot together: one syncs a tenant at a time.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('guichet.pack-sync:' || $1))`, [pack.id]);
      const [current] = await tx.query<{ pack_hash: string }>(`SELECT pack_hash FROM tenant WHERE id = $1`, [pack.id]);
      if (current?.pack_hash === pack.hash) return;
      await tx.query(
        `INSERT INTO tenant (id, name, pack_hash) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, pack_hash = EXCLUDED.pack_hash, updated_at = now()`,
        [pack.id, pick(pack.name, 'fr'), pack.hash],
      );
      await this.directory.syncTeams(tx, pack.config.teams.map((t) => ({ key: t.key, name: localized(t.name), email: t.email })));
      await this.catalogue.sync(tx, pack.catalogue);
      const categories = [...pack.lifecycle.statuses.values()].map((s) => ({ status: s.key, category: s.category }));
      await tx.query(
        `UPDATE ticket t SET status_category = c.category FROM jsonb_to_recordset($2::jsonb) AS c(status text, category text)
         WHERE t.tenant_id = $1 AND t.status = c.status AND t.status_category <> c.category`,
        [pack.id, JSON.stringify(categories)],
      );
    });
  }
}
