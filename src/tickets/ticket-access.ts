import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import type { Actor, DeskRight, ViewInput, ViewScope } from '../tenancy/pack.schema.js';
import { type TicketFilter, TicketRepository, type TicketRow } from './ticket.repository.js';

/**
 * Who stands in which relation to a ticket, from the pack's rules. The same rules filter lists
 * in SQL (`filterFor`) and guard single reads and actions (`actorsOn`).
 */
@Injectable()
export class TicketAccess {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly directory: DirectoryRepository,
  ) {}

  /** The actor roles the current person holds on `ticket` (empty: the ticket is not theirs to see). */
  async actorsOn(ctx: RequestContext, ticket: TicketRow): Promise<Set<Actor>> {
    const actors = new Set<Actor>();
    const me = ctx.actor;
    if (me.kind === 'system') return new Set(['system']);
    if (!me.id) return actors;
    if (me.roles.includes('admin')) actors.add('admin');
    if ((await this.deskRight(ctx, ticket)) === 'act') actors.add('agent');
    if (ticket.requester_id === me.id) actors.add('requester');
    if (ticket.beneficiary_id === me.id) actors.add('beneficiary');
    const participants = await this.tickets.participantIds(ctx, ticket.id);
    if (participants.includes(me.id)) actors.add('participant');
    const grants = this.grantsOf(ctx, ticket.visibility);
    if (ticket.establishment_id && grants.size) {
      const membership = (await this.directory.membershipsOf(ctx, me.id)).find((m) => m.id === ticket.establishment_id);
      if (membership && grants.has('head') && membership.roles.includes('head')) actors.add('head');
      // Establishment-wide visibility lets colleagues read and follow the ticket as participants would.
      if (membership && grants.has('establishment')) actors.add('participant');
    }
    return actors;
  }

  /**
   * Loads a ticket the current person may see, or 404 as if it did not exist. `lock` is for
   * actions: an agent who may only read the ticket (another team's, when the pack allows reading)
   * gets a 403.
   */
  async visibleTicket(ctx: RequestContext, ref: string, lock = false): Promise<{ ticket: TicketRow; actors: Set<Actor>; desk: DeskRight }> {
    const ticket = await this.tickets.find(ctx, ref, lock);
    if (ticket) {
      const actors = await this.actorsOn(ctx, ticket);
      const desk = actors.has('agent') ? 'act' : await this.deskRight(ctx, ticket);
      if (actors.size) return { ticket, actors, desk };
      if (desk === 'read') {
        if (lock) throw new DomainError('FORBIDDEN');
        return { ticket, actors, desk };
      }
    }
    throw new DomainError('TICKET_NOT_FOUND', { ticket: ref });
  }

  /**
   * What the current person may do with a ticket as a member of the desk: agents act on their
   * teams' tickets and, as the pack's `desk` section allows, read or act on other teams'; admins
   * act on every ticket.
   */
  async deskRight(ctx: RequestContext, ticket: Pick<TicketRow, 'team_id'>): Promise<DeskRight> {
    return ctx.actor.kind === 'system' ? 'act' : this.deskRightOf(ctx, ctx.actor, ticket.team_id);
  }

  /** The desk right of any person on tickets of `teamId` (e.g. whether an assignee could work on it). */
  async deskRightOf(ctx: RequestContext, person: { id: string | null; roles: string[] }, teamId: string | null): Promise<DeskRight> {
    if (person.roles.includes('admin')) return 'act';
    if (!person.roles.includes('agent') || !person.id) return 'none';
    const teams = await this.directory.teamsOf(ctx, person.id);
    if (teamId && teams.some((t) => t.id === teamId)) return 'act';
    return this.otherTeamsRight(ctx, teams.map((t) => t.key));
  }

  /**
   * SQL condition on `t` for the tickets the current person sees at the desk (their teams', or
   * every team's when the pack lets them read others'); the same rule as `deskRight`.
   */
  async deskFilter(ctx: RequestContext): Promise<TicketFilter> {
    const me = ctx.actor;
    if (me.roles.includes('admin')) return { where: 'true', params: {} };
    if (!me.id || !me.roles.includes('agent')) return { where: 'false', params: {} };
    const teams = await this.directory.teamsOf(ctx, me.id);
    if (this.otherTeamsRight(ctx, teams.map((t) => t.key)) !== 'none') return { where: 'true', params: {} };
    return { where: `t.team_id = ANY(:myTeams::uuid[])`, params: { myTeams: teams.map((t) => t.id) } };
  }

  /** The widest right the pack gives members of these teams on other teams' tickets. */
  private otherTeamsRight(ctx: RequestContext, teamKeys: string[]): DeskRight {
    const desk = ctx.tenant.config.desk;
    const rights = teamKeys.length ? teamKeys.map((k) => desk.teams[k] ?? desk.otherTeams) : [desk.otherTeams];
    return rights.includes('act') ? 'act' : rights.includes('read') ? 'read' : 'none';
  }

  /** SQL condition on `t` for the tickets a view shows to the current person, with named parameters. */
  filterFor(ctx: RequestContext, scopes: readonly ViewScope[]): TicketFilter {
    const me = ctx.actor.id;
    if (!me) return { where: 'false', params: {} };
    const headOptions = this.optionsGranting(ctx, 'head');
    const establishmentOptions = this.optionsGranting(ctx, 'establishment');
    const conditions: Record<ViewScope, string> = {
      requester: `t.requester_id = :me`,
      beneficiary: `t.beneficiary_id = :me AND t.requester_id <> :me`,
      'for-others': `t.requester_id = :me AND t.beneficiary_id IS NOT NULL AND t.beneficiary_id <> :me`,
      // Uncorrelated `= ANY(ARRAY(…))` sub-selects run once and probe indexes; correlated
      // EXISTS/IN joined by OR made PostgreSQL walk every open ticket of the tenant (docs/benchmarks.md).
      participant: `t.id = ANY(ARRAY(SELECT p.ticket_id FROM ticket_participant p WHERE p.tenant_id = :tenant AND p.person_id = :me))`,
      head: `t.visibility = ANY(:headOptions::text[]) AND t.establishment_id = ANY(ARRAY(SELECT pe.establishment_id FROM person_establishment pe
               WHERE pe.tenant_id = :tenant AND pe.person_id = :me AND 'head' = ANY(pe.roles)))`,
      establishment: `t.visibility = ANY(:establishmentOptions::text[]) AND t.establishment_id = ANY(ARRAY(SELECT pe.establishment_id FROM person_establishment pe
               WHERE pe.tenant_id = :tenant AND pe.person_id = :me))`,
    };
    return { where: scopes.map((s) => `(${conditions[s]})`).join(' OR '), params: { me, tenant: ctx.tenantId, headOptions, establishmentOptions } };
  }

  /** The filter of a dashboard view: its scopes, narrowed to its ticket types if it names some. */
  filterForView(ctx: RequestContext, view: ViewInput): TicketFilter {
    const filter = this.filterFor(ctx, view.scope);
    if (!view.types) return filter;
    return { where: `(${filter.where}) AND t.type = ANY(:types::text[])`, params: { ...filter.params, types: view.types } };
  }

  /** Statuses a view shows, or null for all. */
  statusesOf(ctx: RequestContext, view: ViewInput): string[] | null {
    const { lifecycle } = ctx.tenant;
    if (view.statuses) return view.categories ? view.statuses.filter((s) => view.categories!.includes(lifecycle.category(s))) : view.statuses;
    return view.categories ? lifecycle.statusesIn(view.categories) : null;
  }

  private grantsOf(ctx: RequestContext, visibility: string | null): Set<string> {
    const option = ctx.tenant.config.visibility?.options.find((o) => o.value === visibility);
    return new Set(option?.grants ?? []);
  }

  private optionsGranting(ctx: RequestContext, grant: 'head' | 'establishment'): string[] {
    return (ctx.tenant.config.visibility?.options ?? []).filter((o) => o.grants.includes(grant)).map((o) => o.value);
  }
}
