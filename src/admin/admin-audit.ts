import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { AdminAuditRepository, type AuditFilter, type AuditRow } from './admin-audit.repository.js';

/** What administrators change, by action name (`domain.past-verb`). */
export type AdminAction =
  | 'person.created'
  | 'person.updated'
  | 'person.roles-changed'
  | 'person.deactivated'
  | 'person.reactivated'
  | 'membership.set'
  | 'membership.removed'
  | 'team-member.set'
  | 'team-member.removed'
  | 'establishment.created'
  | 'establishment.updated'
  | 'directory.synced';

export const AUDIT_CSV_COLUMNS = ['id', 'at', 'actor', 'action', 'target_type', 'target', 'before', 'after'] as const;

/**
 * The append-only log of administrators' changes: who (the context's actor), what, before and
 * after. Written in the change's own transaction, so an entry exists if and only if the change does.
 */
@Injectable()
export class AdminAudit {
  constructor(
    private readonly repository: AdminAuditRepository,
    private readonly clock: Clock,
  ) {}

  record(ctx: RequestContext, action: AdminAction, target: { type: string; key: string }, before: unknown, after: unknown): Promise<void> {
    return this.repository.insert(ctx, {
      actor_id: ctx.actor.id,
      actor_login: ctx.actor.login,
      action,
      target_type: target.type,
      target: target.key,
      before: before ?? null,
      after: after ?? null,
      created_at: this.clock.now(),
    });
  }

  async list(ctx: RequestContext, filter: AuditFilter, limit: number, cursor?: string) {
    const rows = await this.repository.list(ctx, filter, limit + 1, cursor && /^\d+$/.test(cursor) ? cursor : undefined);
    const page = rows.slice(0, limit);
    return { items: page.map(present), next: rows.length > limit ? page[page.length - 1].id : null };
  }

  /** The whole log (or the filtered part) as CSV, oldest first, read in batches. */
  async *csv(ctx: RequestContext, filter: AuditFilter): AsyncGenerator<string> {
    yield `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;
    let after = '0';
    for (;;) {
      const rows = await this.repository.batch(ctx, filter, after, 1000);
      if (!rows.length) return;
      yield rows.map((r) => csvLine([r.id, new Date(r.created_at).toISOString(), r.actor_login, r.action, r.target_type, r.target, json(r.before), json(r.after)])).join('');
      after = rows[rows.length - 1].id;
    }
  }
}

function present(r: AuditRow) {
  return { id: r.id, at: r.created_at, actor: r.actor_login, action: r.action, target: { type: r.target_type, key: r.target }, before: r.before, after: r.after };
}

const json = (v: unknown) => (v === null || v === undefined ? '' : JSON.stringify(v));

/** RFC 4180 quoting; a cell starting with = + - @ is prefixed with ' so that spreadsheets do not run it as a formula. */
export function csvLine(cells: string[]): string {
  return `${cells.map((c) => {
    const safe = /^[=+\-@\t\r]/.test(c) ? `'${c}` : c;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  }).join(',')}\r\n`;
}
