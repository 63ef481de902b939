import { DirectoryRepository } from '../directory/directory.repository.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PortalSessionGuard, type PortalRequest } from '../auth/portal-session.guard.js';
import { ValidationFailed, type FieldProblem } from '../common/errors.js';
import type { UploadedFile } from '../tickets/ticket-actions.service.js';
import type { PortalUploadRequest } from './assets.js';
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

  @Post('tickets/:ref/attach')
  async attach(@Req() req: PortalRequest & PortalUploadRequest, @Res() res: Response, @Param('ref') ref: string): Promise<void> {
    const ctx = this.pages.ctx(req);
    const files = ((req.files as UploadedFile[] | undefined) ?? []).filter((f) => f.originalname || f.size);
    const problems: FieldProblem[] = [];
    if (req.uploadError) problems.push({ field: 'file', rule: req.uploadError === 'fileSize' ? 'rule.fileSize' : 'rule.fileCount', params: { max: this.builder.maxSize(ctx) } });
    else if (!files.length) problems.push({ field: 'file', rule: 'rule.required' });
    try {
      if (problems.length) throw new ValidationFailed(problems);
      for (const file of files) await this.actions.attach(ctx, ref, file);
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
    const { attachment, stream } = await this.actions.download(this.pages.ctx(req), id);
    res.setHeader('Content-Type', attachment.content_type);
    res.setHeader('Content-Length', attachment.size_bytes);
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(attachment.file_name)}`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    stream.pipe(res);
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
