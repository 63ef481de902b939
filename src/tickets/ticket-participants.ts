import { Injectable } from '@nestjs/common';
import { EventBus } from '../events/event-bus.js';
import type { FieldErrors } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository, type PersonRow } from '../directory/directory.repository.js';
import { TicketRepository, type TicketRow } from './ticket.repository.js';

/** Participants ("contacts", "participants"): people who follow a ticket beside its requester. */
@Injectable()
export class TicketParticipants {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly directory: DirectoryRepository,
    private readonly events: EventBus,
  ) {}

  /** People named by login or id, checked against the pack's source (directory or the establishment's allow-list). */
  async resolve(ctx: RequestContext, refs: string[], establishmentId: string | null, field: string, errors: FieldErrors): Promise<PersonRow[]> {
    const people: PersonRow[] = [];
    const source = ctx.tenant.config.participants?.source ?? 'directory';
    for (const ref of refs) {
      const person = await this.directory.personByLoginOrId(ctx, ref);
      if (!person) {
        errors.add(field, 'rule.person', { person: ref });
        continue;
      }
      if (source === 'establishment-allow-list' && (!establishmentId || !(await this.directory.isAllowedFor(ctx, establishmentId, person.id)))) {
        errors.add(field, 'rule.allowList', { person: ref });
        continue;
      }
      people.push(person);
    }
    return people;
  }

  /** Adds one participant with its event and notification; false if already there. */
  async add(ctx: RequestContext, ticket: TicketRow, person: PersonRow, at: Date): Promise<boolean> {
    if (person.id === ticket.requester_id) return false;
    const added = await this.tickets.addParticipant(ctx, ticket.id, person.id, ctx.actor.id, at);
    if (!added) return false;
    await this.tickets.insertEvent(ctx, ticket.id, 'participant-added', ctx.actor.id, true, { person: person.login, name: person.display_name }, at);
    await this.events.publish(ctx, 'ticket.shared', { ticket, person: person.id, at });
    return true;
  }
}
