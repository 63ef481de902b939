import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus.js';
import { OutboxRepository } from './outbox.repository.js';

/**
 * Who hears of what: each ticket event becomes outbox rows, in the transaction of the action,
 * for the recipients the pack names for that topic. Tickets publish events; they do not know mail.
 */
@Injectable()
export class TicketNotifications implements OnModuleInit {
  constructor(
    private readonly events: EventBus,
    private readonly outbox: OutboxRepository,
  ) {}

  onModuleInit(): void {
    this.events.on('ticket.created', (ctx, { ticket, at }) => this.outbox.enqueue(ctx, 'ticket.created', ticket.id, { reference: ticket.reference }, at), { name: 'notifications' });
    // The entry names what the mail shows (the comment, the solution), even if the ticket moves on before it is sent.
    this.events.on('ticket.transitioned', (ctx, e) => this.outbox.enqueue(ctx, e.topic, e.ticket.id, { reference: e.ticket.reference, transition: e.transition, to: e.to, event: e.entryId }, e.at), { name: 'notifications' });
    this.events.on('ticket.commented', (ctx, e) => this.outbox.enqueue(ctx, 'ticket.commented', e.ticket.id, { reference: e.ticket.reference, event: e.entryId }, e.at), { name: 'notifications' });
    this.events.on('ticket.reassigned', (ctx, e) => this.outbox.enqueue(ctx, 'ticket.reassigned', e.ticket.id, { reference: e.ticket.reference, ...(e.team ? { team: e.team } : {}) }, e.at), { name: 'notifications' });
    this.events.on('ticket.shared', (ctx, e) => this.outbox.enqueue(ctx, 'ticket.shared', e.ticket.id, { reference: e.ticket.reference }, e.at, [e.person]), { name: 'notifications' });
  }
}
