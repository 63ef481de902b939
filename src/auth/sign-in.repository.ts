import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

/**
 * The `sign_in_throttle` counters (rate limits and lockouts, shared by instances) and the
 * `auth_flow` round trips to identity providers (`id` and `binding` are hashes).
 */
@Injectable()
export class SignInRepository {
  /** One more hit on a fixed-window counter; a window that started at or before `windowStartedBy` starts again at `now`. */
  async hit(ctx: RequestContext, key: string, now: Date, windowStartedBy: Date): Promise<{ hits: number; window_start: Date }> {
    const [row] = await ctx.query<{ hits: number; window_start: Date }>(
      `INSERT INTO sign_in_throttle AS s (tenant_id, key, window_start, hits) VALUES ($1, $2, $3, 1)
       ON CONFLICT (tenant_id, key) DO UPDATE SET
         hits = CASE WHEN s.window_start <= $4 THEN 1 ELSE s.hits + 1 END,
         window_start = CASE WHEN s.window_start <= $4 THEN $3 ELSE s.window_start END
       RETURNING hits, window_start`,
      [ctx.tenantId, key, now, windowStartedBy],
    );
    return row;
  }

  /**
   * Counts one attempt on `key` and checks its lockout in one upsert, under the row's lock, so
   * parallel attempts cannot all pass the check. A new count starts when the last one began at or
   * before `countStartedBy` without a lockout, or its lockout has ended; the `after`-th count locks
   * until `lockUntil`. A locked row answers more hits than `after`.
   */
  async reserve(ctx: RequestContext, key: string, now: Date, countStartedBy: Date, after: number, lockUntil: Date): Promise<{ hits: number; locked_until: Date | null }> {
    const restart = `((s.locked_until IS NULL AND s.window_start <= $4) OR s.locked_until <= $3)`;
    const [row] = await ctx.query<{ hits: number; locked_until: Date | null }>(
      `INSERT INTO sign_in_throttle AS s (tenant_id, key, window_start, hits, locked_until)
       VALUES ($1, $2, $3, 1, CASE WHEN $5 <= 1 THEN $6::timestamptz END)
       ON CONFLICT (tenant_id, key) DO UPDATE SET
         hits = CASE WHEN ${restart} THEN 1 WHEN s.locked_until > $3 THEN greatest(s.hits, $5) + 1 ELSE s.hits + 1 END,
         window_start = CASE WHEN ${restart} THEN $3 ELSE s.window_start END,
         locked_until = CASE
           WHEN ${restart} THEN CASE WHEN $5 <= 1 THEN $6::timestamptz END
           WHEN s.locked_until > $3 THEN s.locked_until
           WHEN s.hits + 1 >= $5 THEN $6::timestamptz
         END
       RETURNING hits, locked_until`,
      [ctx.tenantId, key, now, countStartedBy, after, lockUntil],
    );
    return row;
  }

  async clear(ctx: RequestContext, key: string): Promise<void> {
    await ctx.query(`DELETE FROM sign_in_throttle WHERE tenant_id = $1 AND key = $2`, [ctx.tenantId, key]);
  }

  async insertFlow(ctx: RequestContext, flow: { id: string; plugin: string; binding: string; data: Record<string, unknown>; at: Date; expiresAt: Date }): Promise<void> {
    await ctx.query(`INSERT INTO auth_flow (tenant_id, id, plugin, binding, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      ctx.tenantId,
      flow.id,
      flow.plugin,
      flow.binding,
      JSON.stringify(flow.data),
      flow.at,
      flow.expiresAt,
    ]);
  }

  /** Deletes the round trip and returns it, so it can be taken back once only. */
  async takeFlow(ctx: RequestContext, id: string, plugin: string): Promise<{ data: Record<string, unknown>; binding: string; expires_at: Date } | undefined> {
    const [row] = await ctx.query<{ data: Record<string, unknown>; binding: string; expires_at: Date }>(
      `DELETE FROM auth_flow WHERE tenant_id = $1 AND id = $2 AND plugin = $3 RETURNING data, binding, expires_at`,
      [ctx.tenantId, id, plugin],
    );
    return row;
  }

  /** Removes round trips expired at `now`; returns how many. */
  async sweepFlows(ctx: RequestContext, now: Date): Promise<number> {
    return (await ctx.query(`DELETE FROM auth_flow WHERE tenant_id = $1 AND expires_at <= $2 RETURNING id`, [ctx.tenantId, now])).length;
  }

  /** Removes counters whose window started at or before `staleBefore` and that lock nothing at `now`; returns how many. */
  async sweepCounters(ctx: RequestContext, staleBefore: Date, now: Date): Promise<number> {
    const counters = await ctx.query(
      `DELETE FROM sign_in_throttle WHERE tenant_id = $1 AND window_start <= $2 AND (locked_until IS NULL OR locked_until <= $3) RETURNING key`,
      [ctx.tenantId, staleBefore, now],
    );
    return counters.length;
  }
}
