import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

/** The `tenant` row of a pack (keyed by `id`, the tenant's own) and what a pack change does to its tickets. */
@Injectable()
export class PackSyncRepository {
  /** Waits for the tenant's sync lock, held until the caller's transaction ends: one instance syncs a tenant at a time. */
  async lock(ctx: RequestContext): Promise<void> {
    await ctx.query(`SELECT pg_advisory_xact_lock(hashtext('guichet.pack-sync:' || $1))`, [ctx.tenantId]);
  }

  /** The hash of the pack last synced, or undefined before the first sync. */
  async syncedHash(ctx: RequestContext): Promise<string | undefined> {
    const [current] = await ctx.query<{ pack_hash: string }>(`SELECT pack_hash FROM tenant WHERE id = $1`, [ctx.tenantId]);
    return current?.pack_hash;
  }

  async upsertTenant(ctx: RequestContext, name: string, packHash: string): Promise<void> {
    await ctx.query(
      `INSERT INTO tenant (id, name, pack_hash) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, pack_hash = EXCLUDED.pack_hash, updated_at = now()`,
      [ctx.tenantId, name, packHash],
    );
  }

  /** Gives existing tickets the category their status now has. */
  async recategorise(ctx: RequestContext, categories: { status: string; category: string }[]): Promise<void> {
    await ctx.query(
      `UPDATE ticket t SET status_category = c.category FROM jsonb_to_recordset($2::jsonb) AS c(status text, category text)
       WHERE t.tenant_id = $1 AND t.status = c.status AND t.status_category <> c.category`,
      [ctx.tenantId, JSON.stringify(categories)],
    );
  }
}
