import { SlaService } from '../sla/sla.service.js';
import { Injectable } from '@nestjs/common';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { Clock } from '../common/clock.js';
import { DomainError, FieldErrors, ValidationFailed } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import type { KnowledgeRow } from '../knowledge/knowledge.repository.js';
import { KnowledgeService } from '../knowledge/knowledge.service.js';
import type { Actor } from '../tenancy/pack.schema.js';
import { computePriority } from '../tenancy/priority-matrix.js';
import { route } from '../tickets/routing.js';
import { TicketAccess } from '../tickets/ticket-access.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { EventBus } from '../events/event-bus.js';
import { TicketRepository, type TicketRow } from '../tickets/ticket.repository.js';
import { deskTransition, notAllowed, type DeskAction } from './desk-transitions.js';

export interface RequalifyInput {
  leaf?: string;
  impact?: string;
  urgency?: string;
  /** Why: kept in the `requalified` event. */
  reason: string;
  /** Route again from the new leaf (rules, then the leaf's team), moving the ticket if the team differs. */
  reroute?: boolean;
}

export interface ResolveInput {
  solution: string;
  /** Publish the solution as a knowledge entry of the ticket's leaf. */
  publish?: boolean;
  /** Title of the entry (the ticket's title by default). */
  title?: string;
}

export interface DeskResult {
  ticket: TicketRow;
  knowledge?: KnowledgeRow;
}

export type BulkAction = 'assign' | 'requalify' | 'resolve';
export interface BulkInput {
  action: BulkAction;
  tickets: string[];
  person?: string;
  requalify?: RequalifyInput;
  resolve?: ResolveInput;
}

export const BULK_MAX = 100;

/**
 * What agents do at the desk, each action one transaction on a ticket they may act on (their
 * team's, or as the pack's `desk` section allows). Transitions come from the pack's lifecycle
 * (`deskTransition`); everything else is recorded as events with the same guarantees.
 */
@Injectable()
export class DeskActionsService {
  constructor(
    private readonly actions: TicketActionsService,
    private readonly access: TicketAccess,
    private readonly tickets: TicketRepository,
    private readonly directory: DirectoryRepository,
    private readonly catalogue: CatalogueService,
    private readonly knowledge: KnowledgeService,
    private readonly events: EventBus,
    private readonly sla: SlaService,
    private readonly clock: Clock,
  ) {}

  /** The ticket for the current agent: take transition if the lifecycle has one here, else becomes its assignee. */
  async take(ctx: RequestContext, ref: string): Promise<DeskResult> {
    return this.acting(ctx, ref, async (tx, ticket, actors) => {
      const transition = this.transition(tx, ticket, actors, 'take');
      if (transition) return { ticket: await this.actions.apply(tx, ticket, transition, {}) };
      if (isDone(ticket)) throw notAllowed(tx, ticket, 'take', actors);
      const me = await this.directory.personByLoginOrId(tx, tx.actor.id!);
      return { ticket: await this.actions.setAssignee(tx, ticket, me!) };
    });
  }

  /** Gives the ticket to an agent who may act on it; a ticket nobody took yet is taken on their behalf. */
  async assign(ctx: RequestContext, ref: string, personRef: string): Promise<DeskResult> {
    if (!personRef?.trim()) throw required('person');
    return this.acting(ctx, ref, async (tx, ticket, actors) => {
      const person = await this.actions.assignable(tx, ticket, personRef.trim());
      if (isDone(ticket)) throw notAllowed(tx, ticket, 'assign', actors);
      const transition = ticket.status_category === 'new' ? this.transition(tx, ticket, actors, 'take') : undefined;
      const assigned = await this.actions.setAssignee(tx, ticket, person);
      return { ticket: transition ? await this.actions.apply(tx, assigned, transition, {}, undefined, person.id) : assigned };
    });
  }

  /**
   * Moves the ticket to another team (level 2 or 3): through the lifecycle's reassign transition
   * when there is one (e.g. to "Réaffectée"), else directly; the assignee is cleared and the new
   * team notified.
   */
  async reassign(ctx: RequestContext, ref: string, input: { team: string; reason?: string }): Promise<DeskResult> {
    const errors = new FieldErrors();
    if (!input.team?.trim()) errors.add('team', 'rule.required');
    this.checkText(ctx, 'reason', input.reason, errors);
    errors.throwIfAny();
    return this.acting(ctx, ref, async (tx, ticket, actors) => {
      const team = await this.directory.teamByKey(tx, input.team.trim());
      if (!team) throw invalid('team', 'rule.option');
      if (team.id === ticket.team_id) throw invalid('team', 'rule.sameTeam');
      if (isDone(ticket)) throw notAllowed(tx, ticket, 'reassign', actors);
      const reason = input.reason?.trim() || undefined;
      const transition = this.transition(tx, ticket, actors, 'reassign');
      const now = this.clock.now();
      let updated: TicketRow;
      if (transition) {
        if (transition.requires.includes('comment') && !reason) throw required('reason');
        updated = await this.actions.apply(tx, ticket, transition, { comment: reason, team: team.key }, team);
      } else {
        const [from] = ticket.team_id ? await this.directory.teamsByIds(tx, [ticket.team_id]) : [];
        await this.tickets.insertEvent(tx, ticket.id, 'routed', tx.actor.id, false, { team: team.key, from: from?.key ?? null, reason, source: 'desk' }, now);
        updated = await this.tickets.update(tx, ticket.id, { team_id: team.id, assignee_id: null }, now);
        await this.events.publish(tx, 'ticket.changed', { before: ticket, after: updated, at: now });
      }
      await this.events.publish(tx, 'ticket.reassigned', { ticket: updated, team: team.key, at: now });
      return { ticket: updated };
    });
  }

  /**
   * Changes the ticket's leaf, impact or urgency with a reason: the priority follows the pack's
   * matrix, the type follows the leaf, the change is kept in a `requalified` event; `reroute`
   * routes the ticket again from its new leaf.
   */
  async requalify(ctx: RequestContext, ref: string, input: RequalifyInput): Promise<DeskResult> {
    const errors = new FieldErrors();
    this.checkText(ctx, 'reason', input.reason, errors, true);
    if (!input.leaf && !input.impact && !input.urgency) errors.add('leaf', 'rule.change');
    const priority = ctx.tenant.config.priority;
    for (const axis of ['impact', 'urgency'] as const) {
      if (input[axis] === undefined) continue;
      if (!priority) errors.add(axis, 'rule.unknown');
      else if (!priority[axis].some((l) => l.key === input[axis])) errors.add(axis, 'rule.option');
    }
    errors.throwIfAny();
    return this.acting(ctx, ref, async (tx, ticket, actors) => {
      if (ticket.status_category === 'closed') throw notAllowed(tx, ticket, 'requalify', actors);
      const leaf = input.leaf ? await this.catalogue.leaf(tx, input.leaf) : undefined;
      const before = ticket.catalogue_node_id ? await this.catalogue.byId(tx, ticket.catalogue_node_id) : undefined;
      const patch: Partial<TicketRow> = {};
      const changes: Record<string, { from: string | null; to: string | null }> = {};
      const change = (field: string, column: keyof TicketRow, from: string | null, to: string | null, value: unknown = to) => {
        if (from === to) return;
        changes[field] = { from, to };
        Object.assign(patch, { [column]: value });
      };
      if (leaf) {
        change('leaf', 'catalogue_node_id', before?.key ?? null, leaf.key, leaf.id);
        change('type', 'type', ticket.type, leaf.ticket_type);
      }
      change('impact', 'impact', ticket.impact, input.impact ?? ticket.impact);
      change('urgency', 'urgency', ticket.urgency, input.urgency ?? ticket.urgency);
      if (priority && (changes.impact || changes.urgency)) {
        change('priority', 'priority', ticket.priority, computePriority(priority, patch.impact ?? ticket.impact ?? undefined, patch.urgency ?? ticket.urgency ?? undefined));
      }
      if (!Object.keys(changes).length) return { ticket };
      const now = this.clock.now();
      await this.tickets.insertEvent(tx, ticket.id, 'requalified', tx.actor.id, true, { reason: input.reason.trim(), changes }, now);
      if (leaf && input.reroute) await this.reroute(tx, ticket, leaf, patch, now);
      const updated = await this.tickets.update(tx, ticket.id, patch, now);
      await this.events.publish(tx, 'ticket.changed', { before: ticket, after: updated, at: now });
      if (patch.team_id) await this.events.publish(tx, 'ticket.reassigned', { ticket: updated, team: null, at: now });
      return { ticket: updated };
    });
  }

  /** Asks the requester for information: the pack's transition to a waiting status, with the reason as its comment. */
  async ask(ctx: RequestContext, ref: string, reason: string): Promise<DeskResult> {
    const errors = new FieldErrors();
    this.checkText(ctx, 'reason', reason, errors, true);
    errors.throwIfAny();
    return this.acting(ctx, ref, async (tx, ticket, actors) => {
      const transition = this.transition(tx, ticket, actors, 'ask');
      if (!transition) throw notAllowed(tx, ticket, 'ask', actors);
      return { ticket: await this.actions.apply(tx, ticket, transition, { comment: reason.trim() }) };
    });
  }

  /** Resolves with a solution (children of a mass incident follow), and may publish it as a knowledge entry. */
  async resolve(ctx: RequestContext, ref: string, input: ResolveInput): Promise<DeskResult> {
    const errors = new FieldErrors();
    this.checkText(ctx, 'solution', input.solution, errors, true);
    if (input.title !== undefined && input.title.trim().length > ctx.tenant.config.limits.titleMaxLength) {
      errors.add('title', 'rule.maxLength', { max: ctx.tenant.config.limits.titleMaxLength });
    }
    if (input.publish && !this.knowledge.enabled(ctx)) errors.add('publish', 'rule.knowledge');
    errors.throwIfAny();
    return this.acting(ctx, ref, async (tx, ticket, actors) => {
      const transition = this.transition(tx, ticket, actors, 'resolve');
      if (!transition) throw notAllowed(tx, ticket, 'resolve', actors);
      if (input.publish && !ticket.catalogue_node_id) throw invalid('publish', 'rule.leaf');
      const solution = input.solution.trim();
      const updated = await this.actions.apply(tx, ticket, transition, { solution });
      const knowledge = input.publish
        ? await this.knowledge.publish(tx, { nodeId: ticket.catalogue_node_id!, title: input.title?.trim() || ticket.title, body: solution, ticketId: ticket.id, at: this.clock.now() })
        : undefined;
      return { ticket: updated, knowledge };
    });
  }

  /**
   * One action on a selection, each ticket in its own transaction: one refusal does not undo the
   * others, and every ticket gets its result.
   */
  async bulk(ctx: RequestContext, input: BulkInput): Promise<{ ticket: string; result?: DeskResult; error?: unknown }[]> {
    const errors = new FieldErrors();
    const refs = [...new Set((input.tickets ?? []).map((r) => String(r).trim()).filter(Boolean))];
    if (!refs.length) errors.add('tickets', 'rule.required');
    if (refs.length > BULK_MAX) errors.add('tickets', 'rule.maxItems', { max: BULK_MAX });
    if (input.action === 'assign' && !input.person?.trim()) errors.add('person', 'rule.required');
    if (input.action === 'requalify' && !input.requalify) errors.add('requalify', 'rule.required');
    if (input.action === 'resolve' && !input.resolve) errors.add('resolve', 'rule.required');
    errors.throwIfAny();
    const results: { ticket: string; result?: DeskResult; error?: unknown }[] = [];
    for (const ref of refs) {
      try {
        const result =
          input.action === 'assign' ? await this.assign(ctx, ref, input.person!)
          : input.action === 'requalify' ? await this.requalify(ctx, ref, input.requalify!)
          : await this.resolve(ctx, ref, input.resolve!);
        results.push({ ticket: ref, result });
      } catch (error) {
        results.push({ ticket: ref, error });
      }
    }
    return results;
  }

  /** Runs `fn` in a transaction on the locked ticket, for an agent who may act on it (403 otherwise). */
  private acting(ctx: RequestContext, ref: string, fn: (tx: RequestContext, ticket: TicketRow, actors: Set<Actor>) => Promise<DeskResult>): Promise<DeskResult> {
    return ctx.transaction(async (tx) => {
      const { ticket, actors } = await this.access.visibleTicket(tx, ref, true);
      if (!actors.has('agent')) throw new DomainError('FORBIDDEN');
      return fn(tx, ticket, actors);
    });
  }

  private transition(ctx: RequestContext, ticket: TicketRow, actors: Set<Actor>, action: DeskAction) {
    return deskTransition(ctx, ticket, actors, action, this.sla.pausedIn(ctx));
  }

  private async reroute(ctx: RequestContext, ticket: TicketRow, leaf: { key: string; path: string; team_key: string | null; ticket_type: string | null }, patch: Partial<TicketRow>, at: Date) {
    const establishment = ticket.establishment_id ? await this.directory.establishmentById(ctx, ticket.establishment_id) : undefined;
    const values = { ...ticket.fields, impact: patch.impact ?? ticket.impact, urgency: patch.urgency ?? ticket.urgency, visibility: ticket.visibility };
    const decision = route(ctx.tenant.config, { leaf, type: leaf.ticket_type ?? ticket.type, establishment, values });
    const team = await this.directory.teamByKey(ctx, decision.team);
    if (!team || team.id === ticket.team_id) return;
    const [from] = ticket.team_id ? await this.directory.teamsByIds(ctx, [ticket.team_id]) : [];
    await this.tickets.insertEvent(ctx, ticket.id, 'routed', ctx.actor.id, false, { team: team.key, rule: decision.rule, source: decision.source, from: from?.key ?? null }, at);
    Object.assign(patch, { team_id: team.id, assignee_id: null });
  }

  private checkText(ctx: RequestContext, field: string, value: string | undefined, errors: FieldErrors, isRequired = false) {
    const text = (value ?? '').trim();
    const max = ctx.tenant.config.limits.commentMaxLength;
    if (isRequired && !text) errors.add(field, 'rule.required');
    else if (text.length > max) errors.add(field, 'rule.maxLength', { max });
  }
}

function isDone(ticket: TicketRow): boolean {
  return ticket.status_category === 'resolved' || ticket.status_category === 'closed';
}

function invalid(field: string, rule: string): DomainError {
  return new ValidationFailed([{ field, rule }]);
}

function required(field: string): DomainError {
  return invalid(field, 'rule.required');
}
