import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

export interface StoredAnswer {
  request_hash: string;
  status: number;
  body: unknown;
}

/** The `idempotency_key` table: one answer per (person, key), in the transaction of the request. */
@Injectable()
export class IdempotencyRepository {
  /**
   * Claims the key for this request, or returns the answer already stored under it. A concurrent
   * request with the same key waits on the row until the first commits (then gets its answer) or
   * rolls back (then claims the key itself).
   */
  async claim(ctx: RequestContext, personId: string, key: string, requestHash: string, at: Date, keptSince: Date): Promise<StoredAnswer | null> {
    const claimed = await ctx.query(
      `INSERT INTO idempotency_key (tenant_id, person_id, key, request_hash, status, created_at) VALUES ($1, $2, $3, $4, 0, $5)
       ON CONFLICT (tenant_id, person_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = 0, body = NULL, created_at = EXCLUDED.created_at
         WHERE idempotency_key.created_at <= $6
       RETURNING key`,
      [ctx.tenantId, personId, key, requestHash, at, keptSince],
    );
    if (claimed.length) return null;
    const [stored] = await ctx.query<StoredAnswer>(`SELECT request_hash, status, body FROM idempotency_key WHERE tenant_id = $1 AND person_id = $2 AND key = $3`, [ctx.tenantId, personId, key]);
    return stored;
  }

  async answer(ctx: RequestContext, personId: string, key: string, status: number, body: unknown): Promise<void> {
    await ctx.query(`UPDATE idempotency_key SET status = $4, body = $5::jsonb WHERE tenant_id = $1 AND person_id = $2 AND key = $3`, [ctx.tenantId, personId, key, status, JSON.stringify(body ?? null)]);
  }

  /** Forgets answers older than `before`. */
  async sweep(ctx: RequestContext, before: Date): Promise<number> {
    return (await ctx.query(`DELETE FROM idempotency_key WHERE tenant_id = $1 AND created_at <= $2 RETURNING key`, [ctx.tenantId, before])).length;
  }
}
