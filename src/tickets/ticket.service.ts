import { Injectable } from '@nestjs/common';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { Clock } from '../common/clock.js';
import { DomainError, FieldErrors } from '../common/errors.js';
import { pick } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository, type PersonRow } from '../directory/directory.repository.js';
import { PackTextRenderer } from '../tenancy/pack-text.js';
import { EventBus } from '../events/event-bus.js';
import { computePriority } from '../tenancy/priority-matrix.js';
import { TicketAccess } from './ticket-access.js';
import { decodeTicketCursor, encodeTicketCursor } from './ticket-cursor.js';
import { checkValues } from './ticket-form.js';
import { TicketPresenter } from './ticket.presenter.js';
import { TicketRepository, type TicketRow } from './ticket.repository.js';
import { TicketParticipants } from './ticket-participants.js';
import { route } from './routing.js';
import type { Actor, DeskRight } from '../tenancy/pack.schema.js';

export interface CreateTicketInput {
  leaf: string;
  values: Record<string, unknown>;
}

const STANDARD_COLUMNS = new Set(['title', 'description', 'establishment', 'impact', 'urgency', 'visibility', 'beneficiary', 'contacts']);

/** Creating, reading and listing tickets. Changes to existing tickets are in TicketActionsService. */
@Injectable()
export class TicketService {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly directory: DirectoryRepository,
    private readonly catalogue: CatalogueService,
    private readonly access: TicketAccess,
    private readonly participants: TicketParticipants,
    private readonly presenter: TicketPresenter,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly texts: PackTextRenderer,
  ) {}

  /**
   * One transaction: the ticket, its first events, its notifications, or nothing. The leaf, its
   * fields and the routing come from the pack in memory; the reads that can refuse the input come
   * first, then one statement writes the ticket (counter, team, row, entries) and the answer is
   * built from what it returned, so the counter's lock is held for the subscribers' statements only.
   */
  async create(ctx: RequestContext, input: CreateTicketInput) {
    if (!ctx.actor.id) throw new DomainError('UNAUTHENTICATED');
    return ctx.transaction(async (tx) => {
      const errors = new FieldErrors();
      const leaf = this.catalogue.packLeaf(tx, input.leaf);
      const type = leaf.ticket_type!;
      const fields = this.catalogue.fieldsFor(tx, leaf, type);
      const values = checkValues(fields, input.values ?? {}, tx.tenant, errors);
      const establishmentField = fields.find((f) => f.key === 'establishment');
      const establishment = await this.resolveEstablishment(tx, values.establishment as string | undefined, Boolean(establishmentField), errors);
      if (establishmentField?.required && !establishment && !errors.has('establishment')) errors.add('establishment', 'rule.required');
      const beneficiary = values.beneficiary ? await this.directory.personByLoginOrId(tx, values.beneficiary as string) : undefined;
      if (values.beneficiary && !beneficiary) errors.add('beneficiary', 'rule.person');
      const contacts = await this.participants.resolve(tx, (values.contacts as string[] | undefined) ?? [], establishment?.id ?? null, 'contacts', errors);
      errors.throwIfAny();

      const cfg = tx.tenant.config;
      const now = this.clock.now();
      const pattern = tx.tenant.references.get(type)!;
      const status = cfg.ticketTypes[type].initialStatus ?? cfg.initialStatus;
      const impact = cfg.priority ? ((values.impact as string) ?? cfg.priority.default.impact) : null;
      const urgency = cfg.priority ? ((values.urgency as string) ?? cfg.priority.default.urgency) : null;
      // A custom field left empty takes the pack's default.
      const defaults = Object.fromEntries(fields.filter((f) => !f.standard && f.default !== undefined && values[f.key] === undefined).map((f) => [f.key, f.default!]));
      const custom = { ...defaults, ...Object.fromEntries(Object.entries(values).filter(([k]) => !STANDARD_COLUMNS.has(k))) };
      const routing = route(cfg, { leaf, type, establishment, values: { ...values, ...custom, impact, urgency } });
      const { ticket, events, team } = await this.tickets.create(tx, {
        counter: { scope: `ref:${pattern.scope(now, cfg.timezone)}`, ...pattern.around(now, cfg.timezone) },
        leafKey: leaf.key,
        teams: [routing.team, cfg.fallbackTeam],
        actorId: tx.actor.id!,
        created: { status, leaf: leaf.key, values },
        routed: { rule: routing.rule, source: routing.source },
        type,
        status,
        status_category: tx.tenant.lifecycle.category(status),
        establishment_id: establishment?.id ?? null,
        requester_id: tx.actor.id!,
        beneficiary_id: beneficiary?.id ?? null,
        assignee_id: null,
        title: (values.title as string) ?? pick(leaf.name, tx.locale),
        description: (values.description as string) ?? '',
        impact,
        urgency,
        priority: cfg.priority ? computePriority(cfg.priority, impact!, urgency!) : null,
        visibility: cfg.visibility ? ((values.visibility as string) ?? cfg.visibility.default ?? null) : null,
        fields: custom,
        created_at: now,
      });
      const added: PersonRow[] = [];
      for (const contact of contacts) if (await this.participants.add(tx, ticket, contact, now)) added.push(contact);
      await this.events.publish(tx, 'ticket.created', { ticket, at: now });
      await this.events.publish(tx, 'ticket.changed', { before: null, after: ticket, at: now });
      const desk = await this.access.deskRight(tx, ticket);
      // As a read shows them: private entries (the routing) to the desk only.
      const history = (added.length ? await this.tickets.events(tx, ticket.id, true) : events).filter((e) => e.public || desk !== 'none');
      const requester: PersonRow = { id: tx.actor.id!, login: tx.actor.login, display_name: tx.actor.displayName } as PersonRow;
      const people = new Map([requester, ...(beneficiary ? [beneficiary] : []), ...added].map((p) => [p.id, p] as [string, PersonRow]));
      const answer = this.presenter.detail(tx, ticket, {
        actors: this.creatorRoles(tx, ticket, desk, establishment?.member_roles ?? null),
        people,
        team: team ?? undefined,
        leaf: this.catalogue.leafRef(tx, leaf.key),
        establishment: establishment ? { uai: establishment.uai, name: establishment.name } : undefined,
        participants: added.map((p) => p.id),
        attachments: [],
        events: history,
      });
      return { ...answer, acknowledgement: this.acknowledgement(tx, ticket) };
    });
  }

  /** What `TicketAccess.actorsOn` finds for the person who just created `ticket`, without re-reading it. */
  private creatorRoles(ctx: RequestContext, ticket: TicketRow, desk: DeskRight, memberRoles: string[] | null): Set<Actor> {
    const actors = new Set<Actor>(['requester']);
    if (ctx.actor.roles.includes('admin')) actors.add('admin');
    if (desk === 'act') actors.add('agent');
    if (ticket.beneficiary_id === ctx.actor.id) actors.add('beneficiary');
    const grants = new Set(ctx.tenant.config.visibility?.options.find((o) => o.value === ticket.visibility)?.grants ?? []);
    if (memberRoles && grants.has('head') && memberRoles.includes('head')) actors.add('head');
    if (memberRoles && grants.has('establishment')) actors.add('participant');
    return actors;
  }

  /** One read-only transaction: a consistent snapshot, and the tenant set once for all its statements. */
  async read(ctx: RequestContext, ref: string) {
    return ctx.transaction((tx) => this.readIn(tx, ref));
  }

  private async readIn(ctx: RequestContext, ref: string) {
    const { ticket, actors, desk } = await this.access.visibleTicket(ctx, ref);
    const [participants, attachments] = await Promise.all([this.tickets.participantIds(ctx, ticket.id), this.tickets.attachments(ctx, ticket.id)]);
    const events = await this.tickets.events(ctx, ticket.id, desk !== 'none');
    const peopleIds = [ticket.requester_id, ticket.beneficiary_id, ticket.assignee_id, ...participants, ...events.map((e) => e.actor_id)];
    const people = new Map((await this.directory.peopleByIds(ctx, [...new Set(peopleIds.filter((x): x is string => Boolean(x)))])).map((p) => [p.id, p] as [string, PersonRow]));
    const [team] = ticket.team_id ? await this.directory.teamsByIds(ctx, [ticket.team_id]) : [];
    const leaf = ticket.catalogue_node_id ? (await this.catalogue.leavesByIds(ctx, [ticket.catalogue_node_id])).get(ticket.catalogue_node_id) : undefined;
    const establishment = ticket.establishment_id ? await this.directory.establishmentById(ctx, ticket.establishment_id) : undefined;
    return this.presenter.detail(ctx, ticket, {
      actors,
      people,
      team,
      leaf,
      establishment: establishment ? { uai: establishment.uai, name: establishment.name } : undefined,
      participants,
      attachments,
      events,
    });
  }

  /** The pack's dashboard views with the number of tickets in each, counted in one statement. */
  async views(ctx: RequestContext) {
    const views = ctx.tenant.config.views;
    const counts = await this.tickets.counts(ctx, views.map((view) => ({ filter: this.access.filterForView(ctx, view), statuses: this.access.statusesOf(ctx, view) })));
    return views.map((view, i) => ({
      key: view.key,
      label: pick(typeof view.label === 'string' ? { fr: view.label } : view.label, ctx.locale),
      group: view.group ? pick(typeof view.group === 'string' ? { fr: view.group } : view.group, ctx.locale) : undefined,
      count: counts[i],
    }));
  }

  /** One page of a view, newest first; `cursor` continues where the previous page stopped. One statement. */
  async list(ctx: RequestContext, viewKey: string, options: { cursor?: string; limit?: number }) {
    const view = ctx.tenant.config.views.find((v) => v.key === viewKey);
    if (!view) throw new DomainError('VIEW_NOT_FOUND', { view: viewKey });
    const limit = Math.min(Math.max(options.limit ?? ctx.tenant.config.limits.pageSize, 1), 100);
    const after = options.cursor ? decodeTicketCursor(options.cursor) : undefined;
    const rows = await this.tickets.list(ctx, this.access.filterForView(ctx, view), this.access.statusesOf(ctx, view), { limit: limit + 1, after });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      view: view.key,
      items: page.map((t) => this.presenter.summary(ctx, t, this.catalogue.listedLeaf(ctx, t))),
      nextCursor: rows.length > limit && last ? encodeTicketCursor(last) : null,
    };
  }

  /** The establishment of the form, one statement: the person's only one when none is given, else the one named, if theirs (or any, for the desk). */
  private async resolveEstablishment(ctx: RequestContext, ref: string | undefined, inForm: boolean, errors: FieldErrors) {
    if (!inForm) return undefined;
    if (!ref) {
      const mine = await this.directory.membershipsOf(ctx, ctx.actor.id!);
      return mine.length === 1 ? { ...mine[0], member_roles: mine[0].roles } : undefined;
    }
    const found = await this.directory.establishmentFor(ctx, ref, ctx.actor.id!);
    const allowed = found && (found.member_roles !== null || ctx.actor.roles.includes('agent') || ctx.actor.roles.includes('admin'));
    if (!allowed) errors.add('establishment', 'rule.establishment');
    return allowed ? found : undefined;
  }

  private acknowledgement(ctx: RequestContext, ticket: TicketRow): string {
    if (!Object.hasOwn(ctx.tenant.config.texts, 'acknowledgement')) return ticket.reference;
    // The same Handlebars rendering as the mails' texts ({{reference}}, {{title}}, {{requester.name}}…).
    return this.texts.text(ctx.tenant, ctx.locale, 'acknowledgement', {
      reference: ticket.reference,
      title: ticket.title,
      description: ticket.description,
      requester: { name: ctx.actor.displayName, login: ctx.actor.login },
    });
  }
}
