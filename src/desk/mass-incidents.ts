import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { DomainError, ValidationFailed } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { TicketAccess } from '../tickets/ticket-access.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { EventBus } from '../events/event-bus.js';
import type { TicketChange } from '../plugin-host/events.js';
import { TicketRepository, type TicketRow } from '../tickets/ticket.repository.js';
import { DeskRepository } from './desk.repository.js';

const DONE = new Set(['resolved', 'closed']);

/**
 * Mass incidents: tickets linked to a parent (an outage reported by two hundred schools). Resolving
 * the parent resolves its open children in the same transaction, each with the parent's solution
 * and its own notifications, so every requester hears of it.
 */
@Injectable()
export class MassIncidents implements OnModuleInit {
  constructor(
    private readonly desk: DeskRepository,
    private readonly tickets: TicketRepository,
    private readonly access: TicketAccess,
    private readonly actions: TicketActionsService,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.events.on('ticket.changed', (ctx, change) => this.changed(ctx, change), { name: 'mass-incidents' });
  }

  /** Links a ticket the agent may act on to a parent they can see; one level only. */
  async link(ctx: RequestContext, ref: string, parentRef: string): Promise<TicketRow> {
    if (!parentRef?.trim()) throw new ValidationFailed([{ field: 'parent', rule: 'rule.required' }]);
    return ctx.transaction(async (tx) => {
      const { ticket: child, actors } = await this.access.visibleTicket(tx, ref);
      if (!actors.has('agent')) throw new DomainError('FORBIDDEN');
      const parent = await this.access.visibleTicket(tx, parentRef.trim()).then(
        (found) => found.ticket,
        () => undefined,
      );
      if (!parent || parent.id === child.id) throw new ValidationFailed([{ field: 'parent', rule: 'rule.parent' }]);
      // Both rows locked in id order, as the cascade locks them, then read again under the lock.
      await this.desk.lock(tx, [child.id, parent.id]);
      const lockedChild = await this.desk.links(tx, child.id);
      const lockedParent = await this.desk.links(tx, parent.id);
      const c = await this.tickets.find(tx, child.id);
      const p = await this.tickets.find(tx, parent.id);
      if (lockedParent.parent_id || DONE.has(p!.status_category)) throw new ValidationFailed([{ field: 'parent', rule: 'rule.parent' }]);
      if (lockedChild.children > 0) throw new ValidationFailed([{ field: 'parent', rule: 'rule.hasChildren' }]);
      if (DONE.has(c!.status_category)) throw new DomainError('TRANSITION_NOT_ALLOWED', { transition: 'link', status: c!.status }, { allowed: [] });
      if (lockedChild.parent_id === parent.id) return c!;
      const now = this.clock.now();
      await this.desk.setParent(tx, child.id, parent.id, now);
      await this.tickets.insertEvent(tx, child.id, 'linked', tx.actor.id, true, { parent: parent.reference }, now);
      await this.tickets.insertEvent(tx, parent.id, 'child-linked', tx.actor.id, false, { child: child.reference }, now);
      return (await this.tickets.find(tx, child.id))!;
    });
  }

  async unlink(ctx: RequestContext, ref: string): Promise<TicketRow> {
    return ctx.transaction(async (tx) => {
      const { ticket, actors } = await this.access.visibleTicket(tx, ref, true);
      if (!actors.has('agent')) throw new DomainError('FORBIDDEN');
      const { parent_id: parentId } = await this.desk.links(tx, ticket.id);
      if (!parentId) return ticket;
      const [parent] = await this.desk.byIds(tx, [parentId]);
      const now = this.clock.now();
      await this.desk.setParent(tx, ticket.id, null, now);
      await this.tickets.insertEvent(tx, ticket.id, 'unlinked', tx.actor.id, true, { parent: parent?.reference ?? null }, now);
      return (await this.tickets.find(tx, ticket.id))!;
    });
  }

  /** The cascade: a parent entering a resolved status (or closed with a solution) resolves its open children. */
  async changed(ctx: RequestContext, change: TicketChange): Promise<void> {
    const { before, after, transition } = change;
    if (!transition || !before || DONE.has(before.status_category)) return;
    const resolving = after.status_category === 'resolved' || (after.status_category === 'closed' && Boolean(change.solution));
    if (!resolving) return;
    const children = await this.desk.children(ctx, after.id, true);
    const { lifecycle } = ctx.tenant;
    const target = lifecycle.category(transition.to);
    for (const child of children) {
      if (DONE.has(child.status_category)) continue;
      const own =
        lifecycle.find(transition.name, child.status, child.type) ??
        lifecycle.transitions.find(
          (t) => t.from.includes(child.status) && (!t.types || t.types.includes(child.type)) && t.on !== 'comment' && lifecycle.category(t.to) === target && (t.by.includes('agent') || t.by.includes('system')),
        );
      if (!own) continue;
      await this.actions.apply(ctx, child, own, { solution: change.solution ?? after.solution ?? undefined });
      await this.tickets.insertEvent(ctx, child.id, 'parent-resolved', ctx.actor.id, true, { parent: after.reference }, change.at);
    }
  }
}
