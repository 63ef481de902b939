import { Injectable } from '@nestjs/common';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { Clock } from '../common/clock.js';
import { DomainError, FieldErrors } from '../common/errors.js';
import { pick } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { SlaService, type SlaView } from '../sla/sla.service.js';
import type { Actor } from '../tenancy/pack.schema.js';
import { TicketAccess } from '../tickets/ticket-access.js';
import { TicketPresenter } from '../tickets/ticket.presenter.js';
import type { TicketRow } from '../tickets/ticket.repository.js';
import { TicketService } from '../tickets/ticket.service.js';
import { categoriesOf, decodeCursor, encodeCursor, prefixQuery, QueueFilters, type QueueQuery } from './desk-queue.js';
import { deskTransition } from './desk-transitions.js';
import { QUEUE_ORDERS, DeskRepository, type DeskTicketRow } from './desk.repository.js';

export const QUEUE_PAGE = 50;

/** The agents' desk, read side: team queues with counts, a ticket with its clocks and links. */
@Injectable()
export class DeskService {
  constructor(
    private readonly repository: DeskRepository,
    private readonly access: TicketAccess,
    private readonly directory: DirectoryRepository,
    private readonly tickets: TicketService,
    private readonly catalogue: CatalogueService,
    private readonly presenter: TicketPresenter,
    private readonly sla: SlaService,
    private readonly clock: Clock,
  ) {}

  /**
   * One page of a queue (50 rows), in the order asked (unassigned first, then priority, then age,
   * by default), with the number of tickets per status category under the same filters.
   */
  async queue(ctx: RequestContext, query: QueueQuery) {
    requireAgent(ctx);
    // One transaction: one connection entering the tenant once for the page's dozen statements.
    return ctx.transaction((tx) => this.page(tx, query));
  }

  private async page(ctx: RequestContext, query: QueueQuery) {
    const errors = new FieldErrors();
    const sort = query.sort ?? 'queue';
    if (!Object.hasOwn(QUEUE_ORDERS, sort)) errors.add('sort', 'rule.option');
    const filters = await this.filters(ctx, query, errors);
    const categories = categoriesOf(query, errors);
    const cfg = ctx.tenant.config;
    for (const s of query.statuses ?? []) if (!cfg.statuses[s]) errors.add('status', 'rule.option');
    errors.throwIfAny();
    const counts = await this.repository.counts(ctx, filters.filter());
    filters.add(`t.status_category = ANY(:categories::text[])`, { categories });
    if (query.statuses?.length) filters.add(`t.status = ANY(:statuses::text[])`, { statuses: query.statuses });
    filters.params.levels = cfg.priority?.levels.map((l) => l.key) ?? [];
    const limit = Math.min(Math.max(query.limit ?? QUEUE_PAGE, 1), QUEUE_PAGE);
    const after = query.cursor ? decodeCursor(query.cursor, sort) : undefined;
    const rows = await this.repository.queue(ctx, filters.filter(), QUEUE_ORDERS[sort], { limit: limit + 1, after });
    const page = rows.slice(0, limit);
    return {
      sort,
      counts,
      items: await this.rows(ctx, page),
      nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.sort_key) : null,
    };
  }

  /** The teams of the tenant as the agent sees them: whether they are theirs, what they may do, open counts. */
  async teams(ctx: RequestContext) {
    requireAgent(ctx);
    return ctx.transaction(async (tx) => {
      const mine = new Set((await this.directory.teamsOf(tx, tx.actor.id!)).map((t) => t.id));
      const result = [];
      for (const team of await this.repository.teams(tx)) {
        const right = await this.access.deskRightOf(tx, tx.actor, team.id);
        const counts = right === 'none' ? null : await this.repository.counts(tx, { where: 't.team_id = :team', params: { team: team.id } });
        result.push({ key: team.key, name: pick(team.name, tx.locale), mine: mine.has(team.id), right, counts });
      }
      return result;
    });
  }

  /** People of a team the agent may see, to assign a ticket. */
  async members(ctx: RequestContext, teamKey: string) {
    requireAgent(ctx);
    const team = await this.directory.teamByKey(ctx, teamKey);
    if (!team || (await this.access.deskRightOf(ctx, ctx.actor, team.id)) === 'none') throw new DomainError('NOT_FOUND');
    return (await this.repository.members(ctx, team.id)).map((m) => ({ id: m.id, login: m.login, name: m.display_name, lead: m.lead }));
  }

  /**
   * A ticket for the desk: what the portal shows (with private notes) plus its clocks, its parent
   * and children, and which desk actions apply in its status.
   */
  async detail(ctx: RequestContext, ref: string) {
    requireAgent(ctx);
    const view = await this.tickets.read(ctx, ref);
    const { ticket, actors, desk } = await this.access.visibleTicket(ctx, view.id);
    const links = await this.repository.links(ctx, ticket.id);
    const [parent] = links.parent_id ? await this.repository.byIds(ctx, [links.parent_id]) : [];
    const children = links.children ? await this.repository.children(ctx, ticket.id) : [];
    const sla = (await this.sla.views(ctx, [ticket.id])).get(ticket.id) ?? [];
    return {
      ...view,
      desk: {
        right: desk,
        sla,
        parent: parent ? this.link(ctx, parent) : null,
        children: children.map((c) => this.link(ctx, c)),
        actions: desk === 'act' ? this.actionsOn(ctx, ticket, actors) : {},
      },
    };
  }

  /** The detail when the agent still sees the ticket after an action, else what they may know (it left their teams). */
  async afterAction(ctx: RequestContext, ticket: TicketRow) {
    try {
      return await this.detail(ctx, ticket.id);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'TICKET_NOT_FOUND') throw error;
      return { id: ticket.id, reference: ticket.reference, status: this.presenter.summary(ctx, ticket).status, readable: false };
    }
  }

  private actionsOn(ctx: RequestContext, ticket: TicketRow, actors: Set<Actor>) {
    const paused = this.sla.pausedIn(ctx);
    const open = ticket.status_category !== 'resolved' && ticket.status_category !== 'closed';
    const can = (action: 'take' | 'ask' | 'resolve' | 'reassign') => deskTransition(ctx, ticket, actors, action, paused)?.name ?? null;
    return {
      take: can('take') ?? (open && ticket.assignee_id !== ctx.actor.id ? 'assign' : null),
      assign: open,
      ask: can('ask'),
      resolve: can('resolve'),
      reassign: can('reassign') ?? (open ? 'direct' : null),
      requalify: ticket.status_category !== 'closed',
      link: open,
    };
  }

  private link(ctx: RequestContext, t: TicketRow) {
    const s = this.presenter.summary(ctx, t);
    return { id: t.id, reference: t.reference, title: t.title, status: s.status };
  }

  /** Queue rows: the portal's summary plus team, assignee, establishment, clocks and parent. */
  private async rows(ctx: RequestContext, page: DeskTicketRow[]) {
    const ids = page.map((t) => t.id);
    // One after the other: they share the page's transaction (one connection).
    const present = (values: (string | null)[]) => [...new Set(values.filter((id): id is string => Boolean(id)))];
    const leaves = await this.catalogue.leavesByIds(ctx, present(page.map((t) => t.catalogue_node_id)));
    const teams = await this.directory.teamsByIds(ctx, present(page.map((t) => t.team_id)));
    const people = await this.directory.peopleByIds(ctx, present(page.flatMap((t) => [t.assignee_id, t.requester_id])));
    const sla = await this.sla.views(ctx, ids);
    const parents = await this.repository.byIds(ctx, present(page.map((t) => t.parent_id)));
    const team = new Map(teams.map((t) => [t.id, t]));
    const person = new Map(people.map((p) => [p.id, p]));
    const parent = new Map(parents.map((p) => [p.id, p]));
    const ref = (id: string | null) => (id && person.get(id) ? { id, login: person.get(id)!.login, name: person.get(id)!.display_name } : null);
    return page.map((t) => {
      const clocks: SlaView[] = sla.get(t.id) ?? [];
      const running = clocks.filter((c) => c.state !== 'met');
      return {
        ...this.presenter.summary(ctx, t, t.catalogue_node_id ? leaves.get(t.catalogue_node_id) : undefined),
        team: t.team_id && team.get(t.team_id) ? { key: team.get(t.team_id)!.key, name: pick(team.get(t.team_id)!.name, ctx.locale) } : null,
        assignee: ref(t.assignee_id),
        requester: ref(t.requester_id),
        parent: t.parent_id && parent.get(t.parent_id) ? { id: t.parent_id, reference: parent.get(t.parent_id)!.reference } : null,
        sla: {
          dueAt: t.sla_due_at,
          mark: running.some((c) => c.breached) ? 'breached' : running.some((c) => c.warning) ? 'warning' : running.length ? 'ok' : null,
          clocks,
        },
      };
    });
  }

  /** The queue's conditions (without categories and statuses, which counts break down). */
  private async filters(ctx: RequestContext, query: QueueQuery, errors: FieldErrors): Promise<QueueFilters> {
    const cfg = ctx.tenant.config;
    const filters = new QueueFilters();
    const scope = await this.access.deskFilter(ctx);
    filters.add(scope.where, scope.params);
    if (query.team === 'mine') {
      filters.add(`t.team_id = ANY(:mine::uuid[])`, { mine: (await this.directory.teamsOf(ctx, ctx.actor.id!)).map((t) => t.id) });
    } else if (query.team) {
      const team = await this.directory.teamByKey(ctx, query.team);
      if (!team) errors.add('team', 'rule.option');
      else if ((await this.access.deskRightOf(ctx, ctx.actor, team.id)) === 'none') throw new DomainError('FORBIDDEN');
      else filters.add(`t.team_id = :team`, { team: team.id });
    }
    if (query.assignee === 'none') filters.add(`t.assignee_id IS NULL`);
    else if (query.assignee === 'me') filters.add(`t.assignee_id = :assignee`, { assignee: ctx.actor.id });
    else if (query.assignee) {
      const person = await this.directory.personByLoginOrId(ctx, query.assignee);
      if (!person) errors.add('assignee', 'rule.person');
      else filters.add(`t.assignee_id = :assignee`, { assignee: person.id });
    }
    const levels = cfg.priority?.levels.map((l) => l.key) ?? [];
    if (query.priorities?.some((p) => !levels.includes(p))) errors.add('priority', 'rule.option');
    else if (query.priorities?.length) filters.add(`t.priority = ANY(:priorities::text[])`, { priorities: query.priorities });
    if (query.types?.some((type) => !cfg.ticketTypes[type])) errors.add('type', 'rule.option');
    else if (query.types?.length) filters.add(`t.type = ANY(:types::text[])`, { types: query.types });
    if (query.leaf) {
      filters.add(
        `EXISTS (SELECT 1 FROM catalogue_node n JOIN catalogue_node r ON r.tenant_id = n.tenant_id AND r.key = :leafKey
                 WHERE n.tenant_id = t.tenant_id AND n.id = t.catalogue_node_id AND (n.path = r.path OR left(n.path, length(r.path) + 1) = r.path || '/'))`,
        { leafKey: query.leaf },
      );
    }
    if (query.establishment) {
      filters.add(`t.establishment_id IN (SELECT e.id FROM establishment e WHERE e.tenant_id = t.tenant_id AND e.uai = :uai)`, { uai: query.establishment.trim().toUpperCase() });
    }
    const q = query.q?.trim();
    if (q) {
      const tsquery = prefixQuery(q);
      filters.add(tsquery ? `t.search @@ to_tsquery('guichet_fr', :tsquery) OR upper(t.reference) = upper(:qref)` : `upper(t.reference) = upper(:qref)`, { tsquery, qref: q });
    }
    if (query.sla) {
      const late = query.sla === 'breached' ? `(s.breached_at IS NOT NULL OR s.due_at <= :now)` : `(s.warned_at IS NOT NULL OR s.warn_at <= :now OR s.breached_at IS NOT NULL OR s.due_at <= :now)`;
      filters.add(`EXISTS (SELECT 1 FROM ticket_sla s WHERE s.tenant_id = t.tenant_id AND s.ticket_id = t.id AND s.met_at IS NULL AND ${late})`, { now: this.clock.now() });
    }
    if (query.parent) {
      const parent = await this.access.visibleTicket(ctx, query.parent).catch(() => undefined);
      if (!parent) errors.add('parent', 'rule.parent');
      else filters.add(`t.parent_id = :parentId`, { parentId: parent.ticket.id });
    }
    return filters;
  }
}

function requireAgent(ctx: RequestContext): void {
  if (!ctx.actor.roles.includes('agent') && !ctx.actor.roles.includes('admin')) throw new DomainError('FORBIDDEN');
}
