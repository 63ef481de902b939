import { DirectoryRepository } from '../directory/directory.repository.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { DeskService } from '../desk/desk.service.js';
import { DeskActionsService } from '../desk/desk-actions.service.js';
import { MassIncidents } from '../desk/mass-incidents.js';
import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PortalSessionGuard, type PortalRequest } from '../auth/portal-session.guard.js';
import { DomainError, ERROR_STATUS, ValidationFailed, type FieldProblem } from '../common/errors.js';
import { translate } from '../common/i18n.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { BulkAction, DeskResult } from '../desk/desk-actions.service.js';
import { DeskPageBuilder, type DeskFormState, type DeskQueueParams } from './desk-page.js';
import { fieldErrors, personLogin } from './form-model.js';
import { goneQuery, goneSignatureMatches, type GoneParams } from './gone-notice.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalPages } from './portal-page.js';

type FormBody = Record<string, unknown>;

/**
 * The agents' desk pages (`/{tenant}/desk/...`), thin over core.desk, core.deskActions and
 * core.massIncidents: the team queue with bulk actions, and the ticket with the desk's forms.
 * People without the agent or admin role get the desk's 403; tickets they may not see its 404.
 */
@ApiExcludeController()
@UseFilters(PortalErrorFilter)
@UseGuards(PortalSessionGuard)
@Controller(':tenant/desk')
export class PortalDeskController {
  constructor(
    private readonly actions: TicketActionsService,
    private readonly desk: DeskService,
    private readonly deskActions: DeskActionsService,
    private readonly massIncidents: MassIncidents,
    @Inject(PortalPages) private readonly pages: PortalPages,
    private readonly builder: DeskPageBuilder,
    private readonly directory: DirectoryRepository,
  ) {}

  @Get()
  async queue(@Req() req: PortalRequest, @Res() res: Response, @Query() query: Record<string, unknown>): Promise<void> {
    await this.showQueue(req, res, queueParams(query));
  }

  /** One action on the ticked rows; a page with each ticket's result (the queue again when the form itself is wrong). */
  @Post('bulk')
  async bulk(@Req() req: PortalRequest, @Res() res: Response, @Body() body: FormBody): Promise<void> {
    const ctx = this.pages.ctx(req);
    const tickets = list(body.tickets);
    const values = strings(body);
    const action = (['assign', 'requalify', 'resolve'].includes(values.action) ? values.action : 'assign') as BulkAction;
    let results;
    try {
      const person = action === 'assign' && values.person?.trim() ? (await personLogin(this.directory, ctx, values.person.trim())) || values.person.trim() : values.person;
      results = await this.deskActions.bulk(ctx, {
        action,
        tickets,
        person,
        requalify: action === 'requalify' ? { reason: values.reason ?? '', impact: values.impact || undefined, urgency: values.urgency || undefined } : undefined,
        resolve: action === 'resolve' ? { solution: values.solution ?? '' } : undefined,
      });
    } catch (error) {
      const problems = problemsOrThrow(error);
      return this.showQueue(req, res, queueParams(values), { values, errors: fieldErrors(ctx, problems), selected: tickets }, 400);
    }
    const rows = results.map(({ ticket, result, error }) => {
      if (result) return { ticket, ok: true, href: `/${ctx.tenantId}/desk/tickets/${encodeURIComponent(ticket)}`, text: this.pages.text(ctx, 'desk.bulk.ok', { status: this.statusLabel(ctx, result) }) };
      return { ticket, ok: false, text: this.pages.text(ctx, 'desk.bulk.failed', { message: describe(ctx, error) }) };
    });
    const ok = rows.filter((r) => r.ok).length;
    await this.pages.send(
      req,
      res,
      'desk-bulk',
      // 207 when some rows were refused, as the API answers.
      { title: this.pages.text(ctx, 'desk.bulk.title'), nav: 'desk', breadcrumb: [{ label: this.pages.text(ctx, 'desk.title'), href: `/${ctx.tenantId}/desk` }, { label: this.pages.text(ctx, 'desk.bulk.title') }], status: ok < rows.length ? 207 : 200 },
      { rows, caption: this.pages.text(ctx, 'desk.bulk.caption', { ok, failed: rows.length - ok }), back: `/${ctx.tenantId}/desk?${new URLSearchParams(Object.entries(queueParams(values)).filter(([k, v]) => v && k !== 'cursor' && !k.startsWith('gone'))).toString()}` },
    );
  }

  @Get('tickets/:ref')
  async ticket(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Query('done') done?: string, @Query('published') published?: string): Promise<void> {
    await this.show(req, res, ref, { done: typeof done === 'string' ? done : undefined, published: typeof published === 'string' ? published : undefined });
  }

  @Post('tickets/:ref/take')
  take(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'take', body, (ctx) => this.deskActions.take(ctx, ref));
  }

  @Post('tickets/:ref/assign')
  assign(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'assign', body, (ctx, v) => this.deskActions.assign(ctx, ref, v.person ?? ''));
  }

  @Post('tickets/:ref/reassign')
  reassign(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'reassign', body, (ctx, v) => this.deskActions.reassign(ctx, ref, { team: v.team ?? '', reason: v.reason || undefined }));
  }

  @Post('tickets/:ref/requalify')
  requalify(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'requalify', body, (ctx, v) =>
      this.deskActions.requalify(ctx, ref, { leaf: v.leaf || undefined, impact: v.impact || undefined, urgency: v.urgency || undefined, reason: v.reason ?? '', reroute: v.reroute === 'on' || v.reroute === 'true' }),
    );
  }

  @Post('tickets/:ref/ask')
  ask(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'ask', body, (ctx, v) => this.deskActions.ask(ctx, ref, v.reason ?? ''));
  }

  @Post('tickets/:ref/resolve')
  resolve(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'resolve', body, (ctx, v) => this.deskActions.resolve(ctx, ref, { solution: v.solution ?? '', publish: v.publish === 'on' || v.publish === 'true', title: v.title || undefined }));
  }

  @Post('tickets/:ref/parent')
  parent(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'parent', body, async (ctx, v) => {
      if (!v.parent?.trim()) throw new ValidationFailed([{ field: 'parent', rule: 'rule.required' }]);
      return { ticket: await this.massIncidents.link(ctx, ref, v.parent.trim()) };
    });
  }

  @Post('tickets/:ref/unlink')
  unlink(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'unlink', body, async (ctx) => ({ ticket: await this.massIncidents.unlink(ctx, ref) }));
  }

  /** A public exchange or a private note (`kind=private`, the default on the desk). */
  @Post('tickets/:ref/note')
  note(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string, @Body() body: FormBody) {
    return this.act(req, res, ref, 'note', body, async (ctx, v) => ({ ticket: await this.actions.comment(ctx, ref, v.body ?? '', v.kind !== 'public') }));
  }

  /**
   * Runs a desk action; on success back to the ticket (or to the queue when it left the agent's
   * sight), on a refusal the page again with the message next to the field and what was typed.
   */
  private async act(req: PortalRequest, res: Response, ref: string, form: string, body: FormBody, run: (ctx: RequestContext, values: Record<string, string>) => Promise<DeskResult>): Promise<void> {
    const ctx = this.pages.ctx(req);
    const values = strings(body);
    let result: DeskResult;
    try {
      result = await run(ctx, values);
    } catch (error) {
      if (error instanceof ValidationFailed) return this.show(req, res, ref, { form, values, errors: fieldErrors(ctx, error.problems) }, 400);
      if (error instanceof DomainError && [400, 409].includes(ERROR_STATUS[error.code])) {
        return this.show(req, res, ref, { form, values, general: translate(ctx.locale, error.code, error.params) }, ERROR_STATUS[error.code]);
      }
      throw error;
    }
    const after = await this.desk.afterAction(ctx, result.ticket);
    if ('readable' in after && after.readable === false) {
      res.redirect(303, `/${ctx.tenantId}/desk?${goneQuery(req.portal!.csrf, after.reference, after.status.key)}`);
      return;
    }
    const published = result.knowledge ? `&published=${encodeURIComponent(result.knowledge.title)}` : '';
    res.redirect(303, `/${ctx.tenantId}/desk/tickets/${encodeURIComponent(result.ticket.reference)}?done=${form}${published}#top`);
  }

  private async show(req: PortalRequest, res: Response, ref: string, state: DeskFormState, status = 200): Promise<void> {
    const ctx = this.pages.ctx(req);
    const data = await this.builder.ticket(ctx, ref, state);
    const base = `/${ctx.tenantId}`;
    await this.pages.send(
      req,
      res,
      'desk-ticket',
      { title: `${data.ticket.reference} — ${data.ticket.title}`, nav: 'desk', breadcrumb: [{ label: this.pages.text(ctx, 'desk.title'), href: `${base}/desk` }, { label: data.ticket.reference }], status },
      data,
    );
  }

  private async showQueue(req: PortalRequest, res: Response, params: DeskQueueParams & GoneParams, bulk?: { values: Record<string, string>; errors: Record<string, string>; selected: string[] }, status?: number): Promise<void> {
    const ctx = this.pages.ctx(req);
    const data = await this.builder.queue(ctx, params, bulk);
    const gone = this.goneText(req, ctx, params);
    await this.pages.send(
      req,
      res,
      'desk-queue',
      { title: this.pages.text(ctx, 'desk.title'), nav: 'desk', breadcrumb: [{ label: this.pages.text(ctx, 'desk.title') }], status: status ?? (Object.keys(data.errors).length ? 400 : 200) },
      { ...data, gone },
    );
  }

  /**
   * What the agent may know of a ticket that left their sight after their own action: the status
   * their action left it in, carried by the redirect and signed with the session's secret, so that
   * `?gone=` cannot be used to read the status of a ticket the agent may not see.
   */
  private goneText(req: PortalRequest, ctx: RequestContext, params: GoneParams): string | undefined {
    const { gone, goneStatus, goneSig } = params;
    if (!gone || !goneStatus || !goneSig || !req.portal || !goneSignatureMatches(req.portal.csrf, gone, goneStatus, goneSig)) return undefined;
    return this.pages.text(ctx, 'desk.ticket.gone', { reference: gone, status: this.statusLabel(ctx, { ticket: { status: goneStatus } }) });
  }

  private statusLabel(ctx: RequestContext, result: { ticket: { status: string } }): string {
    try {
      return String(ctx.tenant.lifecycle.status(result.ticket.status).label[ctx.locale] ?? result.ticket.status);
    } catch {
      return result.ticket.status;
    }
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function queueParams(q: Record<string, unknown>): DeskQueueParams & GoneParams {
  return {
    team: str(q.team),
    category: str(q.category),
    q: str(q.q).trim(),
    assignee: str(q.assignee),
    priority: str(q.priority),
    sla: str(q.sla),
    sort: str(q.sort),
    cursor: str(q.cursor),
    gone: str(q.gone) || undefined,
    goneStatus: str(q.goneStatus) || undefined,
    goneSig: str(q.goneSig) || undefined,
  };
}

function strings(body: FormBody): Record<string, string> {
  return Object.fromEntries(Object.entries(body ?? {}).filter(([k, v]) => k !== '_csrf' && typeof v === 'string').map(([k, v]) => [k, v as string]));
}

function list(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String).filter(Boolean);
}

function problemsOrThrow(error: unknown): FieldProblem[] {
  if (error instanceof ValidationFailed) return error.problems;
  throw error;
}

/** A bulk item's refusal, in the person's language, with its field messages. */
function describe(ctx: RequestContext, error: unknown): string {
  if (error instanceof ValidationFailed) return Object.values(fieldErrors(ctx, error.problems)).join(' ');
  if (error instanceof DomainError) return translate(ctx.locale, error.code, error.params);
  throw error;
}
