import { Injectable } from '@nestjs/common';
import { DomainError, ValidationFailed } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { TicketAccess } from './ticket-access.js';
import { TicketPresenter } from './ticket.presenter.js';
import { decodeTicketCursor, encodeTicketCursor } from './ticket-cursor.js';
import { type TicketFilter, TicketRepository } from './ticket.repository.js';

export interface ViewPageOptions {
  cursor?: string;
  limit?: number;
  /** Words that must all appear in the reference or the title (accent- and case-insensitive). */
  q?: string;
  /** One status of the view. */
  status?: string;
}

/**
 * Lists for people's pages: a dashboard view narrowed by a text and a status, and the person's
 * open tickets whose title looks like a text being typed (suggested before creating a duplicate).
 */
@Injectable()
export class TicketSearch {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly access: TicketAccess,
    private readonly catalogue: CatalogueService,
    private readonly presenter: TicketPresenter,
  ) {}

  /** One page of a view, newest first, with the filters applied in SQL. */
  async page(ctx: RequestContext, viewKey: string, options: ViewPageOptions) {
    const view = ctx.tenant.config.views.find((v) => v.key === viewKey);
    if (!view) throw new DomainError('VIEW_NOT_FOUND', { view: viewKey });
    const limit = Math.min(Math.max(options.limit ?? ctx.tenant.config.limits.pageSize, 1), 100);
    let statuses = this.access.statusesOf(ctx, view);
    if (options.status) {
      if (statuses && !statuses.includes(options.status)) throw invalid('status', 'rule.option');
      if (!statuses && !ctx.tenant.config.statuses[options.status]) throw invalid('status', 'rule.option');
      statuses = [options.status];
    }
    const filter = withWords(this.access.filterForView(ctx, view), words(options.q ?? ''));
    const after = options.cursor ? decodeTicketCursor(options.cursor) : undefined;
    const rows = await this.tickets.list(ctx, filter, statuses, { limit: limit + 1, after });
    const page = rows.slice(0, limit);
    const leaves = await this.catalogue.leavesByIds(ctx, page.map((t) => t.catalogue_node_id).filter((id): id is string => Boolean(id)));
    const last = page.at(-1);
    return {
      view: view.key,
      items: page.map((t) => this.presenter.summary(ctx, t, t.catalogue_node_id ? leaves.get(t.catalogue_node_id) : undefined)),
      nextCursor: rows.length > limit && last ? encodeTicketCursor(last) : null,
    };
  }

  /** The person's tickets not yet resolved whose title shares a word (3 letters or more) with `text`. */
  async similarOpen(ctx: RequestContext, text: string, limit = 5) {
    const list = words(text).filter((w) => w.length >= 3);
    if (!list.length || !ctx.actor.id) return [];
    const mine = this.access.filterFor(ctx, ['requester', 'beneficiary']);
    const filter: TicketFilter = {
      where: `(${mine.where}) AND EXISTS (SELECT 1 FROM unnest(:similarWords::text[]) w WHERE unaccent(lower(t.title)) LIKE '%' || unaccent(w) || '%')`,
      params: { ...mine.params, similarWords: list },
    };
    const rows = await this.tickets.list(ctx, filter, ctx.tenant.lifecycle.statusesIn(['new', 'open', 'waiting']), { limit });
    return rows.map((t) => this.presenter.summary(ctx, t));
  }
}

function words(text: string): string[] {
  return [...new Set(text.normalize('NFC').toLowerCase().split(/\s+/).map((w) => w.replace(/[%_\\]/g, '')).filter(Boolean))].slice(0, 8);
}

function withWords(filter: TicketFilter, list: string[]): TicketFilter {
  if (!list.length) return filter;
  return {
    where: `(${filter.where}) AND NOT EXISTS (SELECT 1 FROM unnest(:filterWords::text[]) w
              WHERE unaccent(lower(t.title || ' ' || t.reference)) NOT LIKE '%' || unaccent(w) || '%')`,
    params: { ...filter.params, filterWords: list },
  };
}

function invalid(field: string, rule: string): DomainError {
  return new ValidationFailed([{ field, rule }]);
}
