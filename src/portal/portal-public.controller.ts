import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ProfileRepository } from '../directory/profile.repository.js';
import { Controller, Get, Inject, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { safeNext } from '../auth/safe-next.js';
import { LOCALE_COOKIE, portalLocale, type PortalRequest } from '../auth/portal-session.guard.js';
import { DomainError } from '../common/errors.js';
import { translate } from '../common/i18n.js';
import { localized, pick } from '../common/localized.js';
import { PluginRegistry } from '../plugin-host/plugin-registry.js';
import { LOCALES, type Locale } from '../tenancy/pack.schema.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalPages } from './portal-page.js';
import { portalText } from './messages.js';
import { logoPath, logoType, themeCss } from './theme.js';

/** Pages and files of the portal that need no session: sign-in, language switch, theme. */
@ApiExcludeController()
@UseFilters(PortalErrorFilter)
@Controller(':tenant')
export class PortalPublicController {

  constructor(
    private readonly plugins: PluginRegistry,
    private readonly contexts: TenantContexts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly profiles: ProfileRepository,
    @Inject(PortalPages) private readonly pages: PortalPages,
  ) {}

  /**
   * The pack's sign-in methods, listed from the plugin registry: a picker (demo personas, in demo
   * mode only), a form posted to `/{tenant}/auth/{plugin}`, a link to `/{tenant}/auth/{plugin}`
   * for redirects to an identity provider or a proxy's header sign-in.
   */
  @Get('login')
  async login(@Param('tenant') tenantId: string, @Query('next') next: string | undefined, @Query('error') error: string | undefined, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const ctx = this.contexts.for(tenantId);
    const locale = portalLocale(req);
    const target = safeNext(tenantId, next);
    const methods = [];
    for (const [index, method] of ctx.tenant.config.auth.entries()) {
      const capability = this.plugins.get(method.plugin)?.provides.authMethod;
      if (!capability || (capability.demoOnly && !this.config.demo)) continue;
      const label = method.label ? pick(localized(method.label), locale) : undefined;
      const action = `/${tenantId}/${capability.start.path.replace(/^\/+/, '')}`;
      const entry: Record<string, unknown> = { kind: capability.kind, plugin: method.plugin, label, id: `method-${index}`, action };
      if (capability.kind === 'picker') {
        const personas = (method.options as { personas?: string[] }).personas;
        entry.people = (await this.profiles.personas(ctx, personas)).map((p) => ({
          login: p.login,
          name: p.display_name,
          detail: [p.title, p.roles.length ? p.roles.join(', ') : undefined].filter(Boolean).join(' — '),
        }));
      }
      if (capability.kind === 'form') {
        entry.fields = (capability.fields ?? []).map((f) => ({ ...f, id: `${entry.id}-${f.name}`, label: pick(localized(f.label), locale), inputType: f.type === 'password' ? 'password' : 'text', otp: f.type === 'otp' }));
      }
      if (capability.start.method === 'GET') entry.href = `${action}?next=${encodeURIComponent(target)}`;
      methods.push(entry);
    }
    const texts = { tenant: ctx.tenant, locale };
    await this.pages.sendPublic(req, res, ctx.tenant, locale, 'login', { title: this.pages.text(texts, 'login.title'), nav: 'login', status: error ? 401 : 200 }, { methods, next: target, error: error ? this.signInError(locale, String(error)) : undefined });
  }

  /** The message of a failed sign-in (the auth routes come back here with `?error=<reason or code>`). */
  private signInError(locale: Locale, code: string): string {
    const reason = translate(locale, `signIn.${code}`);
    if (reason !== `signIn.${code}`) return translate(locale, 'SIGN_IN_FAILED', { reason });
    return portalText({}, locale, /^[A-Z_]+$/.test(code) ? `login.error.${code}` : 'login.error.other');
  }

  /** Language switch: remembered in a cookie, then back to the page. Works signed in or not. */
  @Get('lang/:locale')
  lang(@Param('tenant') tenantId: string, @Param('locale') locale: string, @Query('next') next: string | undefined, @Req() req: PortalRequest, @Res() res: Response): void {
    const ctx = this.contexts.for(tenantId);
    if (!(LOCALES as readonly string[]).includes(locale) || !ctx.tenant.config.locales.includes(locale as Locale)) throw new DomainError('NOT_FOUND');
    res.cookie(LOCALE_COOKIE, locale, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: `/${tenantId}`, maxAge: 365 * 86_400_000 });
    res.redirect(303, safeNext(tenantId, next));
  }

  @Get('theme.css')
  theme(@Param('tenant') tenantId: string, @Res() res: Response): void {
    const ctx = this.contexts.for(tenantId);
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600').send(themeCss(ctx.tenant));
  }

  @Get('theme/logo')
  logo(@Param('tenant') tenantId: string, @Res() res: Response): void {
    const file = logoPath(this.contexts.for(tenantId).tenant);
    if (!file) throw new DomainError('NOT_FOUND');
    res.type(logoType(file)).setHeader('Cache-Control', 'public, max-age=3600').setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(file);
  }
}
