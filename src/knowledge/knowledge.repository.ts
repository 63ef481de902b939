import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';

export interface KnowledgeRow {
  id: string;
  catalogue_node_id: string;
  title: string;
  body: string;
  source_ticket_id: string | null;
  published_by: string | null;
  published_at: Date;
}

const COLUMNS = 'id, catalogue_node_id, title, body, source_ticket_id, published_by, published_at';

/** Knowledge entries agents publish from solutions, per catalogue leaf. */
@Injectable()
export class KnowledgeRepository {
  async insert(ctx: RequestContext, e: Omit<KnowledgeRow, 'id'>): Promise<KnowledgeRow> {
    const [row] = await ctx.query<KnowledgeRow>(
      `INSERT INTO knowledge_entry (tenant_id, catalogue_node_id, title, body, source_ticket_id, published_by, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [ctx.tenantId, e.catalogue_node_id, e.title, e.body, e.source_ticket_id, e.published_by, e.published_at],
    );
    return row;
  }

  /** Published entries of a node, newest first. */
  async byNode(ctx: RequestContext, nodeId: string): Promise<KnowledgeRow[]> {
    return ctx.query<KnowledgeRow>(
      `SELECT ${COLUMNS} FROM knowledge_entry WHERE tenant_id = $1 AND catalogue_node_id = $2 AND withdrawn_at IS NULL ORDER BY published_at DESC, id`,
      [ctx.tenantId, nodeId],
    );
  }

  /** Takes an entry off the portal (the row stays, for the record). */
  async withdraw(ctx: RequestContext, id: string, at: Date): Promise<boolean> {
    const rows = await ctx.query(`UPDATE knowledge_entry SET withdrawn_at = $3 WHERE tenant_id = $1 AND id = $2 AND withdrawn_at IS NULL RETURNING id`, [ctx.tenantId, id, at]);
    return rows.length > 0;
  }
}
