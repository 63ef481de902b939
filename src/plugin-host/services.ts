import type { RequestContext } from '../tenancy/request-context.js';
import type { GuichetEventMap, GuichetEventName, SubscriberPhase } from './events.js';
import type { TicketRecord } from './ticket-record.js';

/** A ticket as a plugin reads it: the row, with its people's logins. */
export interface PluginTicketView {
  ticket: TicketRecord;
}

/**
 * Subscribing to the core's typed events. A `transaction` subscriber runs inside the action's
 * transaction (write your own rows there: they commit or roll back with it); `after-commit` runs
 * once it has committed (nothing that must not be lost). Subscribe in `onModuleInit`.
 */
export abstract class PluginEvents {
  abstract on<N extends GuichetEventName>(event: N, handler: (ctx: RequestContext, payload: GuichetEventMap[N]) => Promise<void> | void, options?: { phase?: SubscriberPhase; name?: string }): () => void;
}

/** What a plugin may do to tickets, with the same rules as a person acting (the context's actor). */
export abstract class PluginTickets {
  /** The ticket with this reference or id, if the context's actor may see it (TICKET_NOT_FOUND otherwise). */
  abstract find(ctx: RequestContext, ref: string): Promise<TicketRecord>;
  /** Applies a transition of the pack's lifecycle, as the context's actor. */
  abstract transition(ctx: RequestContext, ref: string, input: { transition: string; comment?: string; solution?: string }): Promise<TicketRecord>;
  /** Adds a public exchange (or a private note, for agents). */
  abstract comment(ctx: RequestContext, ref: string, body: string, isPrivate?: boolean): Promise<TicketRecord>;
}
