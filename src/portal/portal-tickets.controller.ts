import { DirectoryRepository } from '../directory/directory.repository.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AcceptsFiles, portalCsrf, PortalSessionGuard, type PortalRequest } from '../auth/portal-session.guard.js';
import { readUpload, sendAttachment } from '../api/attachment-http.js';
import { drainRequest } from '../common/drain-request.js';
import { ValidationFailed, type FieldProblem } from '../common/errors.js';
import { fieldErrors, personLogin, problemsOf } from './form-model.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalPages } from './portal-page.js';
import { TicketPageBuilder, type FormState } from './ticket-page.js';

/** Dashboards and the ticket page with its forms (exchange, file, description, transitions, participants). */
@ApiExcludeController()
@UseFilters(PortalErrorFilter)
@UseGuards(PortalSessionGuard)
@Controller(':tenant')
export class PortalTicketsController {
  constructor(
    private readonly actions: TicketActionsService,
    @Inject(PortalPages) private readonly pages: PortalPages,
    private readonly builder: TicketPageBuilder,
    private readonly directory: DirectoryRepository,
  ) {}

  /** The pack's tabs (views) of one group, with counts; 20 rows a page; filters by text and status. */
  @Get('tickets')
  async dashboard(@Req() req: PortalRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    const ctx = this.pages.ctx(req);
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const data = await this.builder.dashboard(ctx, { view: str(query.view), cursor: str(query.cursor), q: str(query.q).trim(), status: str(query.status), first: str(query.first) });
    await this.pages.send(req, res, 'tickets', { title: data.group ?? this.pages.text(ctx, 'tickets.title'), nav: 'tickets', breadcrumb: [{ label: data.group ?? this.pages.text(ctx, 'tickets.title') }], status: data.errors ? 400 : 200 }, data);
  }

  @Get('tickets/:ref')
  async ticket(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Query('done') done?: string): Promise<void> {
    await this.show(req, res, ref, { done: typeof done === 'string' ? done : undefined });
  }

  @Post('tickets/:ref/comment')
  async comment(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: Record<string, unknown>): Promise<void> {
    const ctx = this.pages.ctx(req);
    const text = String(body.body ?? '');
    try {
      await this.actions.comment(ctx, ref, text);
    } catch (error) {
      return this.show(req, res, ref, { form: 'comment', values: { body: text }, problems: problemsOf(error) }, 400);
    }
    this.back(res, ctx.tenantId, ref, 'comment', 'exchanges');
  }

  /** The ticket is checked before the body is read; files stream to storage within the pack's limits (413 beyond). */
  @Post('tickets/:ref/attach')
  @AcceptsFiles()
  async attach(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string): Promise<void> {
    const ctx = this.pages.ctx(req);
    try {
      await this.actions.checkAttach(ctx, ref);
    } catch (error) {
      drainRequest(req, res);
      return this.show(req, res, ref, { form: 'attach', values: {}, problems: problemsOf(error) }, 400);
    }
    const upload = await readUpload(this.actions, ctx, req, res, { fileFields: ['file'], authorize: portalCsrf(req) });
    if (upload.problems.length) return this.show(req, res, ref, { form: 'attach', values: {}, problems: upload.problems }, upload.tooLarge ? 413 : 400);
    try {
      if (!upload.files.length) throw new ValidationFailed([{ field: 'file', rule: 'rule.required' }]);
      await this.actions.attachFiles(ctx, ref, upload.files);
    } catch (error) {
      return this.show(req, res, ref, { form: 'attach', values: {}, problems: problemsOf(error) }, 400);
    }
    this.back(res, ctx.tenantId, ref, 'attach', 'attachments');
  }

  @Post('tickets/:ref/edit')
  async edit(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: Record<string, unknown>): Promise<void> {
    const ctx = this.pages.ctx(req);
    const values = Object.fromEntries(Object.entries(body).filter(([k]) => k !== '_csrf').map(([k, v]) => [k, String(v ?? '')]));
    try {
      await this.actions.edit(ctx, ref, values);
    } catch (error) {
      return this.show(req, res, ref, { form: 'edit', values, problems: problemsOf(error) }, 400);
    }
    this.back(res, ctx.tenantId, ref, 'edit', 'details');
  }

  /** A transition with what it needs: a comment, a solution, a team, the survey's ratings (`rating_<question>`). */
  @Post('tickets/:ref/transition')
  async transition(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: Record<string, unknown>): Promise<void> {
    const ctx = this.pages.ctx(req);
    const name = String(body.transition ?? '');
    const ratings: Record<string, number> = {};
    const problems: FieldProblem[] = [];
    for (const [key, value] of Object.entries(body)) {
      if (!key.startsWith('rating_') || value === '' || value === undefined) continue;
      const n = Number(value);
      if (Number.isInteger(n)) ratings[key.slice(7)] = n;
      else problems.push({ field: `ratings.${key.slice(7)}`, rule: 'rule.type', params: { expected: 'number' } });
    }
    const text = (k: string) => (typeof body[k] === 'string' && (body[k] as string).trim() ? (body[k] as string) : undefined);
    const values = Object.fromEntries(Object.entries(body).filter(([k]) => k !== '_csrf').map(([k, v]) => [k, String(v ?? '')]));
    try {
      if (problems.length) throw new ValidationFailed(problems);
      await this.actions.transition(ctx, ref, { transition: name, comment: text('comment'), solution: text('solution'), team: text('team'), ratings: Object.keys(ratings).length ? ratings : undefined });
    } catch (error) {
      return this.show(req, res, ref, { form: `transition:${name}`, values, problems: problemsOf(error) }, 400);
    }
    this.back(res, ctx.tenantId, ref, 'transition', 'top');
  }

  @Post('tickets/:ref/participants')
  async participant(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: Record<string, unknown>): Promise<void> {
    const ctx = this.pages.ctx(req);
    const person = String(body.person ?? '').trim();
    try {
      const login = person ? await personLogin(this.directory, ctx, person) : '';
      await this.actions.addParticipant(ctx, ref, login || person);
    } catch (error) {
      return this.show(req, res, ref, { form: 'participants', values: { person }, problems: problemsOf(error) }, 400);
    }
    this.back(res, ctx.tenantId, ref, 'participants', 'participants');
  }

  @Get('attachments/:id')
  async download(@Req() req: PortalRequest, @Res() res: Response, @Param('id') id: string): Promise<void> {
    sendAttachment(res, await this.actions.download(this.pages.ctx(req), id));
  }

  private async show(req: PortalRequest, res: Response, ref: string, state: FormState & { problems?: FieldProblem[] }, status = 200) {
    const ctx = this.pages.ctx(req);
    const errors = state.problems ? fieldErrors(ctx, state.problems) : {};
    const data = await this.builder.ticket(ctx, ref, { ...state, errors });
    await this.pages.send(req, res, 'ticket', { title: `${data.ticket.reference} — ${data.ticket.title}`, nav: 'tickets', breadcrumb: [{ label: this.pages.text(ctx, 'tickets.title'), href: `/${ctx.tenantId}/tickets` }, { label: data.ticket.reference }], status }, data);
  }

  private back(res: Response, tenantId: string, ref: string, done: string, anchor: string): void {
    res.redirect(303, `/${tenantId}/tickets/${encodeURIComponent(ref)}?done=${done}#${anchor}`);
  }
}
