import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

export interface AuditRow {
  id: string;
  actor_id: string | null;
  actor_login: string;
  action: string;
  target_type: string;
  target: string;
  before: unknown;
  after: unknown;
  created_at: Date;
}

export interface AuditFilter {
  action?: string;
  targetType?: string;
  target?: string;
  actor?: string;
}

const WHERE = `tenant_id = $1 AND ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR target_type = $3) AND ($4::text IS NULL OR target = $4) AND ($5::text IS NULL OR actor_login = $5)`;

/** The administrators' audit log: append-only (a trigger refuses UPDATE and DELETE). */
@Injectable()
export class AdminAuditRepository {
  async insert(ctx: RequestContext, e: Omit<AuditRow, 'id'>): Promise<void> {
    await ctx.query(
      `INSERT INTO admin_audit (tenant_id, actor_id, actor_login, action, target_type, target, before, after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [ctx.tenantId, e.actor_id, e.actor_login, e.action, e.target_type, e.target, e.before === null ? null : JSON.stringify(e.before), e.after === null ? null : JSON.stringify(e.after), e.created_at],
    );
  }

  /** Newest first; `beforeId` pages backwards (keyset). */
  async list(ctx: RequestContext, filter: AuditFilter, limit: number, beforeId?: string): Promise<AuditRow[]> {
    const rows = await ctx.query<AuditRow>(
      `SELECT id::text, actor_id, actor_login, action, target_type, target, before, after, created_at FROM admin_audit
       WHERE ${WHERE} AND ($6::bigint IS NULL OR id < $6) ORDER BY id DESC LIMIT $7`,
      [ctx.tenantId, filter.action ?? null, filter.targetType ?? null, filter.target ?? null, filter.actor ?? null, beforeId ?? null, limit],
    );
    return rows;
  }

  /** Oldest first from `afterId`, for exports read in batches. */
  async batch(ctx: RequestContext, filter: AuditFilter, afterId: string, limit: number): Promise<AuditRow[]> {
    return ctx.query<AuditRow>(
      `SELECT id::text, actor_id, actor_login, action, target_type, target, before, after, created_at FROM admin_audit
       WHERE ${WHERE} AND id > $6 ORDER BY id LIMIT $7`,
      [ctx.tenantId, filter.action ?? null, filter.targetType ?? null, filter.target ?? null, filter.actor ?? null, afterId, limit],
    );
  }
}
