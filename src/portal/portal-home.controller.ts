import { CatalogueService } from '../catalogue/catalogue.service.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { ProfileRepository } from '../directory/profile.repository.js';
import { TicketService } from '../tickets/ticket.service.js';
import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { LOCALE_COOKIE, PortalSessionGuard, type PortalRequest } from '../auth/portal-session.guard.js';
import type { CatalogueNodeView } from '../catalogue/catalogue.service.js';
import { DomainError, type FieldProblem } from '../common/errors.js';
import { pick, localized } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { LOCALES, type Locale } from '../tenancy/pack.schema.js';
import { fieldErrors, problemsOf } from './form-model.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalPages } from './portal-page.js';

const CATALOGUE_VIEWS = ['mosaic', 'tree', 'list'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface NodeWithPath extends CatalogueNodeView {
  href: string;
  trail: CatalogueNodeView[];
}

/** Home, catalogue browsing, keyword search, FAQ and profile pages. */
@ApiExcludeController()
@UseFilters(PortalErrorFilter)
@UseGuards(PortalSessionGuard)
@Controller(':tenant')
export class PortalHomeController {
  constructor(
    private readonly catalogueService: CatalogueService,
    private readonly directory: DirectoryRepository,
    private readonly profiles: ProfileRepository,
    private readonly tickets: TicketService,
    @Inject(PortalPages) private readonly pages: PortalPages,
  ) {}

  @Get()
  async home(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const ctx = this.pages.ctx(req);
    const cfg = ctx.tenant.config;
    const loc = (text: Parameters<typeof localized>[0] | undefined) => (text ? pick(localized(text), ctx.locale) : '');
    const views = await this.tickets.views(ctx);
    const firstGroup = views[0]?.group;
    const extras = ['home.faq', 'home.goodPractices', 'phoneSupport'].filter((k) => Object.hasOwn(cfg.texts, k)).map((k) => this.pages.text(ctx, k));
    await this.pages.send(req, res, 'home', { title: loc(cfg.theme.homeTitle) || this.pages.text(ctx, 'nav.home'), nav: 'home' }, {
      homeTitle: loc(cfg.theme.homeTitle) || pick(ctx.tenant.name, ctx.locale),
      homeText: loc(cfg.theme.homeText),
      news: cfg.texts['news.title'] ? { title: this.pages.text(ctx, 'news.title'), body: this.pages.text(ctx, 'news.body') } : undefined,
      extras,
      views: views.filter((v) => v.group === firstGroup).map((v) => ({ ...v, href: `/${ctx.tenantId}/tickets?view=${encodeURIComponent(v.key)}` })),
    });
  }

  /** The catalogue in mosaic (one level at a time), hierarchy (the whole subtree) or list (the leaves, one column per level). */
  @Get('catalogue')
  async catalogue(@Req() req: PortalRequest, @Res() res: Response, @Query('node') nodeKey?: string, @Query('view') view?: string): Promise<void> {
    const ctx = this.pages.ctx(req);
    const base = `/${ctx.tenantId}`;
    const mode = (CATALOGUE_VIEWS as readonly string[]).includes(view ?? '') ? view! : 'mosaic';
    const tree = await this.catalogueService.tree(ctx);
    const decorate = (nodes: CatalogueNodeView[], trail: CatalogueNodeView[]): NodeWithPath[] =>
      nodes.map((n) => ({
        ...n,
        trail,
        href: n.leaf ? `${base}/new/${encodeURIComponent(n.key)}` : `${base}/catalogue?node=${encodeURIComponent(n.key)}&view=${mode}`,
        children: n.children ? decorate(n.children, [...trail, n]) : undefined,
      }));
    const all = decorate(tree, []);
    const find = (nodes: NodeWithPath[]): NodeWithPath | undefined => {
      for (const n of nodes) {
        if (n.key === nodeKey) return n;
        const below = find((n.children ?? []) as NodeWithPath[]);
        if (below) return below;
      }
      return undefined;
    };
    const current = nodeKey ? find(all) : undefined;
    if (nodeKey && !current) throw new DomainError('CATALOGUE_NODE_NOT_FOUND', { node: nodeKey });
    if (current?.leaf) return res.redirect(303, current.href);
    const children = (current ? current.children : all) as NodeWithPath[];
    const leaves: NodeWithPath[] = [];
    const collect = (nodes: NodeWithPath[]) => nodes.forEach((n) => (n.leaf ? leaves.push(n) : collect((n.children ?? []) as NodeWithPath[])));
    collect(children);
    const levels = ctx.tenant.config.catalogue.levels.map((l) => pick(localized(l.label), ctx.locale));
    const trail = current ? [...current.trail, current] : [];
    const parent = current ? (current.trail.at(-1)?.key ?? null) : undefined;
    const title = current ? current.name : this.pages.text(ctx, 'catalogue.title');
    await this.pages.send(
      req,
      res,
      'catalogue',
      { title, nav: 'new', breadcrumb: [{ label: this.pages.text(ctx, 'catalogue.title'), href: current ? `${base}/catalogue?view=${mode}` : undefined }, ...trail.map((n, i) => ({ label: n.name, href: i < trail.length - 1 ? `${base}/catalogue?node=${n.key}&view=${mode}` : undefined }))] },
      {
        mode,
        current,
        children,
        levels,
        leafRows: leaves.map((l) => ({ ...l, cells: levels.map((_, depth) => ({ name: [...l.trail, l][depth]?.name ?? '', link: depth === l.trail.length ? l.href : undefined })) })),
        modes: CATALOGUE_VIEWS.map((m) => ({ key: m, href: `${base}/catalogue?${current ? `node=${encodeURIComponent(current.key)}&` : ''}view=${m}`, active: m === mode })),
        up: parent === undefined ? undefined : parent === null ? `${base}/catalogue?view=${mode}` : `${base}/catalogue?node=${encodeURIComponent(parent)}&view=${mode}`,
      },
    );
  }

  /** Keyword search over products: a table with one column per catalogue level, 20 rows a page. */
  @Get('search')
  async search(@Req() req: PortalRequest, @Res() res: Response, @Query('q') q = '', @Query('page') pageParam = '1', @Query('filter') filter = ''): Promise<void> {
    const ctx = this.pages.ctx(req);
    const base = `/${ctx.tenantId}`;
    // Digits only: anything else is the search's "invalid page", not page 1.
    const page = String(pageParam) === '' ? 1 : /^\d{1,20}$/.test(String(pageParam)) ? Number(pageParam) : Number.NaN;
    const query = [String(q), String(filter)].map((s) => s.trim()).filter(Boolean).join(' ');
    const levels = ctx.tenant.config.catalogue.levels.map((l) => pick(localized(l.label), ctx.locale));
    let errors: Record<string, string> = {};
    let result: Awaited<ReturnType<typeof this.catalogueService.search>> | undefined;
    if (String(q).trim() || req.query.q !== undefined) {
      try {
        result = await this.catalogueService.search(ctx, query, page);
      } catch (error) {
        errors = fieldErrors(ctx, problemsOf(error));
      }
    }
    const pages = result ? Math.max(1, Math.ceil(result.total / result.pageSize)) : 0;
    const link = (p: number) => `${base}/search?q=${encodeURIComponent(String(q))}${filter ? `&filter=${encodeURIComponent(String(filter))}` : ''}&page=${p}`;
    await this.pages.send(req, res, 'search', { title: this.pages.text(ctx, 'search.title'), nav: 'new', breadcrumb: [{ label: this.pages.text(ctx, 'search.title') }], status: Object.keys(errors).length ? 400 : 200 }, {
      q: String(q),
      filter: String(filter),
      levels,
      error: errors.q ?? errors.page,
      result: result && {
        total: result.total,
        rows: result.items.map((hit) => {
          const href = `${base}/new/${encodeURIComponent(hit.key)}`;
          return { ...hit, href, cells: levels.map((_, depth) => ({ name: hit.path[depth]?.name ?? '', link: depth === hit.path.length - 1 ? href : undefined })) };
        }),
        page,
        pages,
        previous: page > 1 ? link(page - 1) : undefined,
        next: page < pages ? link(page + 1) : undefined,
      },
    });
  }

  /** FAQ / knowledge: products that have entries, filtered by a few letters of their name. */
  @Get('faq')
  async faq(@Req() req: PortalRequest, @Res() res: Response, @Query('q') q = ''): Promise<void> {
    const ctx = this.knowledgeOn(this.pages.ctx(req));
    const text = String(q).trim();
    const needle = fold(text);
    const products = (await this.catalogueService.knowledge(ctx)).filter((p) => !needle || fold(p.name).includes(needle));
    const tooShort = text.length > 0 && text.length < 3;
    await this.pages.send(req, res, 'faq', { title: this.knowledgeTitle(ctx), nav: 'faq', breadcrumb: [{ label: this.knowledgeTitle(ctx) }], status: tooShort ? 400 : 200 }, {
      q: text,
      error: tooShort ? fieldErrors(ctx, [{ field: 'q', rule: 'rule.query' }]).q : undefined,
      products: tooShort ? [] : products.map((p) => ({ ...p, href: `/${ctx.tenantId}/faq/${encodeURIComponent(p.key)}`, count: p.faq.length, trail: p.path.slice(0, -1).map((s) => s.name).join(' › ') })),
    });
  }

  @Get('faq/:leaf')
  async faqOf(@Req() req: PortalRequest, @Res() res: Response, @Param('leaf') leafKey: string): Promise<void> {
    const ctx = this.knowledgeOn(this.pages.ctx(req));
    const node = await this.catalogueService.node(ctx, leafKey);
    if (!node.leaf) throw new DomainError('CATALOGUE_NODE_NOT_FOUND', { node: leafKey });
    const base = `/${ctx.tenantId}`;
    await this.pages.send(req, res, 'faq-product', { title: node.name, nav: 'faq', breadcrumb: [{ label: this.knowledgeTitle(ctx), href: `${base}/faq` }, { label: node.name }] }, {
      node,
      trail: node.path.map((p) => `${p.level} : ${p.name}`),
      createHref: `${base}/new/${encodeURIComponent(node.key)}`,
    });
  }

  @Get('profile')
  async profile(@Req() req: PortalRequest, @Res() res: Response, @Query('saved') saved?: string): Promise<void> {
    const ctx = this.pages.ctx(req);
    const person = await this.directory.personByLoginOrId(ctx, ctx.actor.id!);
    await this.renderProfile(req, res, { notificationEmail: person?.notification_email ?? '', locale: person?.locale ?? ctx.locale, timeZone: person?.time_zone ?? '' }, {}, saved === '1');
  }

  /** Notification address, language and time zone; errors next to the field, what was typed kept. */
  @Post('profile')
  async saveProfile(@Req() req: PortalRequest, @Res() res: Response, @Body() body: Record<string, unknown>): Promise<void> {
    const ctx = this.pages.ctx(req);
    const values = { notificationEmail: String(body.notificationEmail ?? '').trim(), locale: String(body.locale ?? ''), timeZone: String(body.timeZone ?? '').trim() };
    const problems: FieldProblem[] = [];
    if (values.notificationEmail && (!EMAIL.test(values.notificationEmail) || values.notificationEmail.length > 254)) problems.push({ field: 'notificationEmail', rule: 'rule.email' });
    if (!(LOCALES as readonly string[]).includes(values.locale) || !ctx.tenant.config.locales.includes(values.locale as Locale)) problems.push({ field: 'locale', rule: 'rule.option' });
    if (values.timeZone && !timeZones().includes(values.timeZone)) problems.push({ field: 'timeZone', rule: 'rule.option' });
    if (problems.length) return this.renderProfile(req, res, values, fieldErrors(ctx, problems), false, 400);
    await this.profiles.update(ctx, ctx.actor.id!, { notificationEmail: values.notificationEmail || null, locale: values.locale, timeZone: values.timeZone || null });
    res.cookie(LOCALE_COOKIE, values.locale, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: `/${ctx.tenantId}`, maxAge: 365 * 86_400_000 });
    res.redirect(303, `/${ctx.tenantId}/profile?saved=1`);
  }

  private async renderProfile(req: PortalRequest, res: Response, values: { notificationEmail: string; locale: string; timeZone: string }, errors: Record<string, string>, saved: boolean, status = 200) {
    const ctx = this.pages.ctx(req);
    const person = await this.directory.personByLoginOrId(ctx, ctx.actor.id!);
    const memberships = await this.directory.membershipsOf(ctx, ctx.actor.id!);
    await this.pages.send(req, res, 'profile', { title: this.pages.text(ctx, 'profile.title'), nav: 'profile', breadcrumb: [{ label: this.pages.text(ctx, 'profile.title') }], status }, {
      person,
      values,
      errors,
      errorCount: Object.keys(errors).length,
      saved,
      memberships: memberships.map((m) => ({ ...m, head: m.roles.includes('head') })),
      locales: ctx.tenant.config.locales.map((l) => ({ code: l, label: this.pages.text(ctx, `lang.${l}`), selected: l === values.locale })),
      defaultZone: ctx.tenant.config.timezone,
      zones: timeZones().map((z) => ({ value: z, selected: z === values.timeZone })),
    });
  }

  private knowledgeOn(ctx: RequestContext): RequestContext {
    if (ctx.tenant.config.knowledge?.enabled === false) throw new DomainError('NOT_FOUND');
    return ctx;
  }

  private knowledgeTitle(ctx: RequestContext): string {
    const label = ctx.tenant.config.knowledge?.label;
    return label ? pick(localized(label), ctx.locale) : this.pages.text(ctx, 'faq.title');
  }
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const TIME_ZONES = Intl.supportedValuesOf('timeZone');
function timeZones(): string[] {
  return TIME_ZONES;
}
