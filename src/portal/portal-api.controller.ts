import { ActionLimits } from '../auth/action-limits.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { TicketSearch } from '../tickets/ticket-search.service.js';
import { Controller, Get, Inject, Query, Req, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PortalSessionGuard, type PortalRequest } from '../auth/portal-session.guard.js';
import { DomainError } from '../common/errors.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalPages } from './portal-page.js';

/**
 * Small JSON answers for the portal's scripts (autocomplete, suggestions), on the session; the
 * pages work without them.
 */
@ApiExcludeController()
@UseFilters(PortalErrorFilter)
@UseGuards(PortalSessionGuard)
@Controller(':tenant/portal-api')
export class PortalApiController {
  constructor(
    private readonly limits: ActionLimits,
    private readonly catalogueService: CatalogueService,
    private readonly directory: DirectoryRepository,
    private readonly ticketSearch: TicketSearch,
    @Inject(PortalPages) private readonly pages: PortalPages,
  ) {}

  /** Products for a keyword (3 characters or more); with `faq=1`, only products that have FAQ entries. */
  @Get('catalogue')
  async catalogue(@Req() req: PortalRequest, @Query('q') q = '', @Query('faq') faq?: string) {
    const ctx = this.pages.ctx(req);
    const text = String(q).trim();
    if (text.length < 3) return [];
    if (faq === '1') {
      const needle = fold(text);
      return (await this.catalogueService.knowledge(ctx)).filter((p) => fold(p.name).includes(needle)).slice(0, 10).map((p) => ({ key: p.key, name: p.name, path: p.path.map((s) => s.name) }));
    }
    const result = await this.catalogueService.search(ctx, text, 1, 10);
    return result.items.map((hit) => ({ key: hit.key, name: hit.name, path: hit.path.map((s) => s.name) }));
  }

  /** People of the directory for beneficiary, contacts and participants (2 characters or more). */
  @Get('people')
  async people(@Req() req: PortalRequest, @Query('q') q = '') {
    await this.limits.hit(this.pages.ctx(req), 'search');
    const ctx = this.pages.ctx(req);
    const text = String(q).trim();
    if (text.length < 2) return [];
    const rows = await this.directory.searchPeople(ctx, text, 10);
    return rows.map((p) => ({ login: p.login, name: p.display_name, title: p.title, establishments: p.establishments }));
  }

  /** While a title is typed: the person's open tickets that look alike, and the product's FAQ entries. */
  @Get('suggest')
  async suggest(@Req() req: PortalRequest, @Query('leaf') leaf = '', @Query('q') q = '') {
    const ctx = this.pages.ctx(req);
    const text = String(q).trim();
    const tickets = (await this.ticketSearch.similarOpen(ctx, text)).map((t) => ({
      reference: t.reference,
      title: t.title,
      status: t.status.label,
      href: `/${ctx.tenantId}/tickets/${encodeURIComponent(t.reference)}`,
    }));
    let faq: { title: string; body: string }[] = [];
    if (leaf) {
      try {
        faq = (await this.catalogueService.node(ctx, String(leaf))).faq ?? [];
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
      }
    }
    const words = fold(text).split(/\s+/).filter((w) => w.length >= 3);
    const matching = words.length ? faq.filter((f) => words.some((w) => fold(`${f.title} ${f.body}`).includes(w))) : [];
    return { tickets, faq: (matching.length ? matching : faq).slice(0, 5) };
  }
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
