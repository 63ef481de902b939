import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminAudit } from '../admin/admin-audit.js';
import { AdminOrganisation } from '../admin/admin-org.service.js';
import { AdminPeople } from '../admin/admin-people.service.js';
import { PortalSessionGuard, type PortalRequest } from '../auth/portal-session.guard.js';
import { DomainError, ERROR_STATUS, ValidationFailed } from '../common/errors.js';
import { translate } from '../common/i18n.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { AdminPageBuilder, type AdminFormState } from './admin-page.js';
import { fieldErrors } from './form-model.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalPages } from './portal-page.js';

type FormBody = Record<string, unknown>;

/**
 * The administration pages (`/{tenant}/admin/...`) for people with the `admin` role (403 for
 * others), thin over the admin services as the API is: people, teams, establishments, audit.
 * Forms post back; a refusal shows the page again with the message next to the field.
 */
@ApiExcludeController()
@UseFilters(PortalErrorFilter)
@UseGuards(PortalSessionGuard)
@Controller(':tenant/admin')
export class PortalAdminController {
  constructor(
    private readonly pages: PortalPages,
    private readonly builder: AdminPageBuilder,
    private readonly people: AdminPeople,
    private readonly organisation: AdminOrganisation,
    private readonly audit: AdminAudit,
  ) {}

  @Get()
  async peopleList(@Req() req: PortalRequest, @Res() res: Response, @Query() q: Record<string, unknown>, state: AdminFormState = {}, status = 200): Promise<void> {
    const ctx = this.admin(req);
    const query = { q: str(q.q).trim(), role: str(q.role), state: str(q.state), page: Math.max(1, Math.min(100000, Number(str(q.page)) || 1)) };
    await this.send(req, res, 'admin-people', 'people', this.pages.text(ctx, 'admin.people'), await this.builder.peopleList(ctx, query, { done: q.done === '1', ...state }), status);
  }

  @Post('people')
  async create(@Req() req: PortalRequest, @Res() res: Response, @Body() body: FormBody): Promise<void> {
    const v = strings(body);
    await this.act(req, res, 'create', v, (ctx) => this.people.create(ctx, { login: v.login, name: v.name, email: v.email || undefined }), (p) => `people/${encodeURIComponent(p.login)}`, (state, status) => this.peopleList(req, res, {}, state, status));
  }

  @Get('people/:login')
  async person(@Req() req: PortalRequest, @Res() res: Response, @Param('login') login: string, @Query('done') done?: string, state: AdminFormState = {}, status = 200): Promise<void> {
    const ctx = this.admin(req);
    const data = await this.builder.person(ctx, login, { done: done === '1', ...state });
    await this.send(req, res, 'admin-person', 'people', data.person.name, data, status, [{ label: this.pages.text(ctx, 'admin.people'), href: `/${ctx.tenantId}/admin` }, { label: data.person.name }]);
  }

  @Post('people/:login')
  edit(@Req() req: PortalRequest, @Res() res: Response, @Param('login') login: string, @Body() body: FormBody) {
    const v = strings(body);
    return this.onPerson(req, res, login, 'edit', v, (ctx) => this.people.update(ctx, login, { name: v.name, email: v.email, title: v.title, locale: v.locale }));
  }

  @Post('people/:login/roles')
  roles(@Req() req: PortalRequest, @Res() res: Response, @Param('login') login: string, @Body() body: FormBody) {
    return this.onPerson(req, res, login, 'roles', strings(body), (ctx) => this.people.setRoles(ctx, login, list(body.roles)));
  }

  @Post('people/:login/deactivate')
  deactivate(@Req() req: PortalRequest, @Res() res: Response, @Param('login') login: string) {
    return this.onPerson(req, res, login, 'active', {}, (ctx) => this.people.deactivate(ctx, login));
  }

  @Post('people/:login/reactivate')
  reactivate(@Req() req: PortalRequest, @Res() res: Response, @Param('login') login: string) {
    return this.onPerson(req, res, login, 'active', {}, (ctx) => this.people.reactivate(ctx, login));
  }

  @Post('people/:login/establishments')
  membership(@Req() req: PortalRequest, @Res() res: Response, @Param('login') login: string, @Body() body: FormBody) {
    const v = strings(body);
    return this.onPerson(req, res, login, 'membership', v, (ctx) => {
      if (!v.uai?.trim()) throw new ValidationFailed([{ field: 'uai', rule: 'rule.required' }]);
      return this.people.setMembership(ctx, login, v.uai, v.head === 'on');
    });
  }

  @Post('people/:login/establishments/:uai/remove')
  removeMembership(@Req() req: PortalRequest, @Res() res: Response, @Param('login') login: string, @Param('uai') uai: string) {
    return this.onPerson(req, res, login, 'membership', {}, (ctx) => this.people.removeMembership(ctx, login, uai));
  }

  @Get('teams')
  async teams(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const ctx = this.admin(req);
    await this.send(req, res, 'admin-teams', 'teams', this.pages.text(ctx, 'admin.teams'), await this.builder.teams(ctx));
  }

  @Get('teams/:team')
  async team(@Req() req: PortalRequest, @Res() res: Response, @Param('team') key: string, @Query('done') done?: string, state: AdminFormState = {}, status = 200): Promise<void> {
    const ctx = this.admin(req);
    const data = await this.builder.team(ctx, key, { done: done === '1', ...state });
    const name = data.team?.name ?? key;
    await this.send(req, res, 'admin-team', 'teams', name, data, status, [{ label: this.pages.text(ctx, 'admin.teams'), href: `/${ctx.tenantId}/admin/teams` }, { label: name }]);
  }

  @Post('teams/:team/members')
  addMember(@Req() req: PortalRequest, @Res() res: Response, @Param('team') key: string, @Body() body: FormBody) {
    const v = strings(body);
    return this.onTeam(req, res, key, v, (ctx) => {
      if (!v.login?.trim()) throw new ValidationFailed([{ field: 'login', rule: 'rule.required' }]);
      return this.organisation.setMember(ctx, key, v.login.trim(), v.lead === 'on');
    });
  }

  @Post('teams/:team/members/:login/lead')
  lead(@Req() req: PortalRequest, @Res() res: Response, @Param('team') key: string, @Param('login') login: string, @Body() body: FormBody) {
    return this.onTeam(req, res, key, {}, (ctx) => this.organisation.setMember(ctx, key, login, strings(body).lead === 'on'));
  }

  @Post('teams/:team/members/:login/remove')
  removeMember(@Req() req: PortalRequest, @Res() res: Response, @Param('team') key: string, @Param('login') login: string) {
    return this.onTeam(req, res, key, {}, (ctx) => this.organisation.removeMember(ctx, key, login));
  }

  @Get('establishments')
  async establishments(@Req() req: PortalRequest, @Res() res: Response, @Query() q: Record<string, unknown>, state: AdminFormState = {}, status = 200): Promise<void> {
    const ctx = this.admin(req);
    const query = { q: str(q.q).trim(), page: Math.max(1, Math.min(100000, Number(str(q.page)) || 1)) };
    await this.send(req, res, 'admin-establishments', 'establishments', this.pages.text(ctx, 'admin.establishments'), await this.builder.establishments(ctx, query, { done: q.done === '1', ...state }), status);
  }

  @Post('establishments')
  createEstablishment(@Req() req: PortalRequest, @Res() res: Response, @Body() body: FormBody) {
    const v = strings(body);
    return this.act(req, res, 'create', v, (ctx) => this.organisation.createEstablishment(ctx, { uai: v.uai, name: v.name, kind: v.kind, city: v.city }), () => 'establishments', (state, status) => this.establishments(req, res, {}, state, status));
  }

  @Get('audit')
  async auditLog(@Req() req: PortalRequest, @Res() res: Response, @Query('cursor') cursor?: string): Promise<void> {
    const ctx = this.admin(req);
    await this.send(req, res, 'admin-audit', 'audit', this.pages.text(ctx, 'admin.audit'), await this.builder.auditLog(ctx, typeof cursor === 'string' ? cursor : undefined));
  }

  @Get('audit.csv')
  async auditCsv(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const ctx = this.admin(req);
    res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="audit-${ctx.tenantId}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    for await (const chunk of this.audit.csv(ctx, {})) res.write(chunk);
    res.end();
  }

  /** The session's context, for administrators only. */
  private admin(req: PortalRequest): RequestContext {
    const ctx = this.pages.ctx(req);
    if (!ctx.actor.roles.includes('admin')) throw new DomainError('FORBIDDEN');
    return ctx;
  }

  private async send(req: PortalRequest, res: Response, view: string, section: string, title: string, data: object, status = 200, breadcrumb?: { label: string; href?: string }[]): Promise<void> {
    const ctx = this.pages.ctx(req);
    const root = { label: this.pages.text(ctx, 'admin.title'), href: `/${ctx.tenantId}/admin` };
    await this.pages.send(req, res, view, { title, nav: 'admin', status, breadcrumb: [root, ...(breadcrumb ?? [{ label: title }])] }, { ...data, section });
  }

  private onPerson(req: PortalRequest, res: Response, login: string, form: string, values: Record<string, string>, run: (ctx: RequestContext) => Promise<unknown>) {
    return this.act(req, res, form, values, run, () => `people/${encodeURIComponent(login)}`, (state, status) => this.person(req, res, login, undefined, state, status));
  }

  private onTeam(req: PortalRequest, res: Response, key: string, values: Record<string, string>, run: (ctx: RequestContext) => Promise<unknown>) {
    return this.act(req, res, 'add', values, run, () => `teams/${encodeURIComponent(key)}`, (state, status) => this.team(req, res, key, undefined, state, status));
  }

  /** Runs a change; on success back to the page (`?done=1`), on a refusal the page again with the messages. */
  private async act<T>(req: PortalRequest, res: Response, form: string, values: Record<string, string>, run: (ctx: RequestContext) => Promise<T>, next: (result: T) => string, again: (state: AdminFormState, status: number) => Promise<void>): Promise<void> {
    const ctx = this.admin(req);
    let result: T;
    try {
      result = await run(ctx);
    } catch (error) {
      if (error instanceof ValidationFailed) return again({ form, values, errors: fieldErrors(ctx, error.problems) }, 400);
      if (error instanceof DomainError && ERROR_STATUS[error.code] === 409) return again({ form, values, general: translate(ctx.locale, error.code, error.params) }, 409);
      throw error;
    }
    res.redirect(303, `/${ctx.tenantId}/admin/${next(result)}?done=1`);
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strings(body: FormBody): Record<string, string> {
  return Object.fromEntries(Object.entries(body ?? {}).filter(([k, v]) => k !== '_csrf' && typeof v === 'string').map(([k, v]) => [k, v as string]));
}

function list(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String).filter(Boolean);
}
