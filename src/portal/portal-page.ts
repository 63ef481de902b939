import { DirectoryRepository } from '../directory/directory.repository.js';
import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { pick, localized } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { PortalRequest } from '../auth/portal-session.guard.js';
import type { Locale } from '../tenancy/pack.schema.js';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import { PortalRenderer, type PageRoot } from './renderer.js';
import { portalText, type TextParams } from './messages.js';

export type NavKey = 'home' | 'new' | 'tickets' | 'faq' | 'profile' | 'login' | 'desk' | 'admin';

/** What a page's template needs beside its own data: tenant, theme, person, language, CSRF token. */
export interface PageOptions {
  title: string;
  nav?: NavKey;
  breadcrumb?: { label: string; href?: string }[];
  status?: number;
}

/** Builds and sends portal pages: the shared page model and the rendered layout. */
@Injectable()
export class PortalPages {
  private readonly renderer = new PortalRenderer();

  constructor(private readonly directory: DirectoryRepository) {}

  /** The signed-in person's context (the guard set it). */
  ctx(req: PortalRequest): RequestContext {
    return req.guichet!;
  }

  text(ctx: { tenant: TenantPack; locale: Locale }, key: string, params?: TextParams): string {
    return portalText(ctx.tenant.config.texts, ctx.locale, key, params);
  }

  /** Renders `view` for a signed-in person. */
  async send(req: PortalRequest, res: Response, view: string, page: PageOptions, data: Record<string, unknown> = {}): Promise<void> {
    const ctx = this.ctx(req);
    const person = await this.directory.personByLoginOrId(ctx, ctx.actor.id!);
    const root = this.root(ctx.tenant, ctx.locale, req, page, data, {
      timeZone: person?.time_zone || ctx.tenant.config.timezone,
      user: { name: ctx.actor.displayName, login: ctx.actor.login, agent: ctx.actor.roles.includes('agent'), desk: ctx.actor.roles.includes('agent') || ctx.actor.roles.includes('admin'), admin: ctx.actor.roles.includes('admin') },
      csrf: req.portal?.csrf,
    });
    this.write(res, view, root, page.status);
  }

  /** Renders `view` for someone not signed in (sign-in page, errors). */
  sendPublic(req: PortalRequest, res: Response, tenant: TenantPack | undefined, locale: Locale, view: string, page: PageOptions, data: Record<string, unknown> = {}): void {
    const root = tenant
      ? this.root(tenant, locale, req, page, data, { timeZone: tenant.config.timezone })
      : { locale, timeZone: 'Europe/Paris', texts: {}, page, ...data, tenant: { id: '', name: 'Guichet', home: '/' }, lang: { current: locale, others: [] } };
    this.write(res, view, root as PageRoot, page.status);
  }

  private write(res: Response, view: string, root: PageRoot, status = 200): void {
    const html = this.renderer.render(view, root);
    res.status(status).type('html').setHeader('Cache-Control', 'no-store').setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.send(html);
  }

  private root(tenant: TenantPack, locale: Locale, req: PortalRequest, page: PageOptions, data: Record<string, unknown>, extra: { timeZone: string } & Record<string, unknown>): PageRoot {
    const cfg = tenant.config;
    const theme = cfg.theme;
    const loc = (text: Parameters<typeof localized>[0] | undefined) => (text ? pick(localized(text), locale) : '');
    const base = `/${tenant.id}`;
    const here = req.originalUrl ?? `${base}/`;
    const knowledge = cfg.knowledge?.enabled !== false;
    return {
      locale,
      texts: cfg.texts,
      ...extra,
      ...data,
      page,
      base,
      here,
      tenant: {
        id: tenant.id,
        name: pick(tenant.name, locale),
        portalName: loc(theme.portalName) || pick(tenant.name, locale),
        footer: loc(theme.footer),
        logo: theme.logo ? `${base}/theme/logo` : undefined,
        themeCss: `${base}/theme.css?v=${tenant.hash.slice(0, 8)}`,
        knowledge,
        knowledgeLabel: loc(cfg.knowledge?.label),
        home: `${base}/`,
      },
      lang: {
        current: locale,
        others: cfg.locales.filter((l) => l !== locale).map((l) => ({ code: l, href: `${base}/lang/${l}?next=${encodeURIComponent(here)}` })),
      },
      nav: page.nav,
    };
  }
}
