import { Injectable } from '@nestjs/common';
import { PluginTickets } from '../plugin-host/services.js';
import type { TicketRecord } from '../plugin-host/ticket-record.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { TicketAccess } from './ticket-access.js';
import { TicketActionsService } from './ticket-actions.service.js';

/** The SDK's PluginTickets over the ticket services: the same access rules and lifecycle as a person's actions. */
@Injectable()
export class TicketsForPlugins extends PluginTickets {
  constructor(
    private readonly access: TicketAccess,
    private readonly actions: TicketActionsService,
  ) {
    super();
  }

  async find(ctx: RequestContext, ref: string): Promise<TicketRecord> {
    return ctx.transaction(async (tx) => (await this.access.visibleTicket(tx, ref)).ticket);
  }

  transition(ctx: RequestContext, ref: string, input: { transition: string; comment?: string; solution?: string }): Promise<TicketRecord> {
    return this.actions.transition(ctx, ref, input);
  }

  comment(ctx: RequestContext, ref: string, body: string, isPrivate = false): Promise<TicketRecord> {
    return this.actions.comment(ctx, ref, body, isPrivate);
  }
}
