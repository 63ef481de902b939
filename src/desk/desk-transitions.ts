import { DomainError } from '../common/errors.js';
import { pick } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { TransitionDefinition } from '../lifecycle/lifecycle.js';
import type { Actor } from '../tenancy/pack.schema.js';
import type { TicketRow } from '../tickets/ticket.repository.js';

export type DeskAction = 'take' | 'ask' | 'resolve' | 'reassign';

/**
 * The transition a desk action applies to a ticket in its current status: the one the pack names
 * in `desk.transitions`, else the first allowed one that looks the part (take: `assign-actor`;
 * ask: leads where SLA clocks pause; resolve: to a `resolved` status, else to a `closed` one that
 * requires a solution; reassign: requires a `team`). Undefined when none is allowed from here.
 */
export function deskTransition(ctx: RequestContext, ticket: TicketRow, actors: ReadonlySet<Actor>, action: DeskAction, pausedIn: string[]): TransitionDefinition | undefined {
  const { lifecycle } = ctx.tenant;
  const allowed = lifecycle.allowed(ticket.status, actors, ticket.type);
  const named = ctx.tenant.config.desk.transitions[action];
  if (named) return allowed.find((t) => t.name === named);
  const category = (t: TransitionDefinition) => lifecycle.category(t.to);
  const preferring = (list: TransitionDefinition[], requirement: 'comment' | 'solution') =>
    list.find((t) => t.requires.includes(requirement)) ?? list[0];
  switch (action) {
    case 'take':
      return allowed.find((t) => t.effects.includes('assign-actor'));
    case 'ask':
      return preferring(allowed.filter((t) => pausedIn.includes(t.to)), 'comment');
    case 'resolve':
      return preferring(allowed.filter((t) => category(t) === 'resolved'), 'solution') ?? allowed.find((t) => category(t) === 'closed' && t.requires.includes('solution'));
    case 'reassign':
      return allowed.find((t) => t.requires.includes('team'));
  }
}

/** The 409 of an action the ticket's status does not allow, listing what is allowed. */
export function notAllowed(ctx: RequestContext, ticket: TicketRow, action: string, actors: ReadonlySet<Actor>): DomainError {
  const status = ctx.tenant.lifecycle.statusOf(ticket);
  const allowed = ctx.tenant.lifecycle.allowed(ticket.status, actors, ticket.type);
  return new DomainError('TRANSITION_NOT_ALLOWED', { transition: action, status: pick(status.label, ctx.locale) }, {
    allowed: allowed.map((t) => ({ name: t.name, label: pick(t.label, ctx.locale), requires: t.requires })),
  });
}
