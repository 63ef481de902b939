import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { DomainError, FieldErrors } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { KnowledgeRepository, type KnowledgeRow } from './knowledge.repository.js';

export interface KnowledgeEntryView {
  id: string;
  title: string;
  body: string;
  publishedAt: Date;
}

/**
 * The tenant's knowledge base beside the pack's static FAQ: solutions an agent chose to publish
 * for the product (catalogue leaf) a ticket is about.
 */
@Injectable()
export class KnowledgeService {
  constructor(
    private readonly repository: KnowledgeRepository,
    private readonly clock: Clock,
  ) {}

  enabled(ctx: RequestContext): boolean {
    return ctx.tenant.config.knowledge?.enabled !== false;
  }

  /** Publishes an entry for a leaf; a 400 on `field` when the pack's knowledge base is off. */
  async publish(
    ctx: RequestContext,
    entry: { nodeId: string; title: string; body: string; ticketId: string | null; at: Date },
    field = 'publish',
  ): Promise<KnowledgeRow> {
    if (!this.enabled(ctx)) {
      const errors = new FieldErrors();
      errors.add(field, 'rule.knowledge');
      errors.throwIfAny();
    }
    return this.repository.insert(ctx, {
      catalogue_node_id: entry.nodeId,
      title: entry.title,
      body: entry.body,
      source_ticket_id: entry.ticketId,
      published_by: ctx.actor.id,
      published_at: entry.at,
    });
  }

  /** Takes an entry off the portal (agents); the row stays for the record. */
  async withdraw(ctx: RequestContext, id: string): Promise<void> {
    if (!ctx.actor.roles.includes('agent') && !ctx.actor.roles.includes('admin')) throw new DomainError('FORBIDDEN');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
    if (!uuid || !(await this.repository.withdraw(ctx, id, this.clock.now()))) throw new DomainError('NOT_FOUND');
  }

  /** Entries published for a leaf, newest first (none when the knowledge base is off). */
  async forNode(ctx: RequestContext, nodeId: string): Promise<KnowledgeEntryView[]> {
    if (!this.enabled(ctx)) return [];
    return (await this.repository.byNode(ctx, nodeId)).map(view);
  }
}

export function view(row: KnowledgeRow): KnowledgeEntryView {
  return { id: row.id, title: row.title, body: row.body, publishedAt: row.published_at };
}
