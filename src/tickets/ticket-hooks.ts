import type { RequestContext } from '../common/request-context.js';
import type { TransitionDefinition } from '../lifecycle/lifecycle.js';
import type { TicketRow } from './ticket.repository.js';

/** A change of a ticket's row, inside the transaction that made it. */
export interface TicketChange {
  /** The row before the change; null at creation. */
  before: TicketRow | null;
  after: TicketRow;
  at: Date;
  /** The transition applied, when the change is one. */
  transition?: TransitionDefinition;
  /** The solution given with a transition. */
  solution?: string;
}

/** Work that follows a ticket change in the same transaction (SLA clocks, mass incidents). */
export interface TicketHook {
  changed(ctx: RequestContext, change: TicketChange): Promise<void>;
}

/**
 * The hooks the ticket services call after each change. Core registers them once wiring is done,
 * so a hook may use the services that call it (a parent's resolution resolves its children).
 */
export class TicketHooks {
  private readonly hooks: TicketHook[] = [];

  add(hook: TicketHook): void {
    this.hooks.push(hook);
  }

  async changed(ctx: RequestContext, change: TicketChange): Promise<void> {
    for (const hook of this.hooks) await hook.changed(ctx, change);
  }
}
