import { DeskService } from '../desk/desk.service.js';
import { DeskActionsService } from '../desk/desk-actions.service.js';
import { KnowledgeService } from '../knowledge/knowledge.service.js';
import { MassIncidents } from '../desk/mass-incidents.js';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Logger, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError, ERROR_STATUS, type FieldProblem } from '../common/errors.js';
import { translate, translateProblem } from '../common/i18n.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { DeskResult } from '../desk/desk-actions.service.js';
import type { StatusCategory } from '../tenancy/pack.schema.js';
import { ApiAuthGuard, Ctx } from './api-context.js';
import { AskDto, AssignDto, BulkDto, DeskLangDto, ParentDto, QueueQueryDto, ReassignDto, RequalifyDto, ResolveDto } from './desk.dto.js';

/**
 * The agents' desk (`/api/{tenant}/desk/...`): team queues, the ticket as agents see it, and
 * what they do with it. Agents act on their teams' tickets (and others' as the pack allows);
 * a ticket they cannot see is a 404, one they may only read a 403 for every action.
 */
@ApiTags('desk')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/:tenant/desk')
export class DeskController {
  private readonly logger = new Logger('Desk');

  constructor(private readonly desk: DeskService,
    private readonly deskActions: DeskActionsService,
    private readonly knowledge: KnowledgeService,
    private readonly massIncidents: MassIncidents) {}

  @Get('teams')
  @ApiOperation({ summary: 'Teams with your right on each (act, read, none) and their ticket counts per status category' })
  teams(@Ctx() ctx: RequestContext, @Query() _query: DeskLangDto) {
    return this.desk.teams(ctx);
  }

  @Get('teams/:team/members')
  @ApiOperation({ summary: 'Members of a team, to assign a ticket' })
  members(@Ctx() ctx: RequestContext, @Param('team') team: string) {
    return this.desk.members(ctx, team);
  }

  @Get('queue')
  @ApiOperation({ summary: 'A queue: 50 rows a page (keyset cursor), unassigned first then priority then age; counts per status category; filters and full-text search' })
  queue(@Ctx() ctx: RequestContext, @Query() q: QueueQueryDto) {
    return this.desk.queue(ctx, {
      team: q.team,
      categories: q.category as StatusCategory[] | undefined,
      statuses: q.status,
      assignee: q.assignee,
      priorities: q.priority,
      types: q.type,
      leaf: q.leaf,
      establishment: q.establishment,
      q: q.q,
      sla: q.sla,
      parent: q.parent,
      sort: q.sort,
      cursor: q.cursor,
      limit: q.limit,
    });
  }

  @Get('tickets/:ref')
  @ApiOperation({ summary: 'A ticket with private notes, SLA clocks, parent and children, and the desk actions its status allows' })
  read(@Ctx() ctx: RequestContext, @Param('ref') ref: string) {
    return this.desk.detail(ctx, ref);
  }

  @Post('tickets/:ref/take')
  @HttpCode(200)
  @ApiOperation({ summary: "Take the ticket (the pack's take transition, or become its assignee)" })
  take(@Ctx() ctx: RequestContext, @Param('ref') ref: string) {
    return this.answer(ctx, this.deskActions.take(ctx, ref));
  }

  @Post('tickets/:ref/assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give the ticket to an agent who may act on it' })
  assign(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: AssignDto) {
    return this.answer(ctx, this.deskActions.assign(ctx, ref, body.person));
  }

  @Post('tickets/:ref/reassign')
  @HttpCode(200)
  @ApiOperation({ summary: "Move the ticket to another team (the pack's reassign transition when it has one); the team is notified" })
  reassign(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: ReassignDto) {
    return this.answer(ctx, this.deskActions.reassign(ctx, ref, body));
  }

  @Post('tickets/:ref/requalify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change leaf, impact or urgency with a reason; priority from the matrix; optionally route again' })
  requalify(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: RequalifyDto) {
    return this.answer(ctx, this.deskActions.requalify(ctx, ref, body));
  }

  @Post('tickets/:ref/ask')
  @HttpCode(200)
  @ApiOperation({ summary: "Ask the requester for information: the pack's waiting status, with the reason" })
  ask(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: AskDto) {
    return this.answer(ctx, this.deskActions.ask(ctx, ref, body.reason));
  }

  @Post('tickets/:ref/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve with a solution (linked children follow); optionally publish it as a knowledge entry' })
  resolve(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: ResolveDto) {
    return this.answer(ctx, this.deskActions.resolve(ctx, ref, body));
  }

  @Put('tickets/:ref/parent')
  @ApiOperation({ summary: 'Link the ticket to a parent (mass incident): resolving the parent resolves it' })
  async link(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: ParentDto) {
    return this.answer(ctx, this.massIncidents.link(ctx, ref, body.parent).then((ticket) => ({ ticket })));
  }

  @Delete('tickets/:ref/parent')
  @ApiOperation({ summary: 'Unlink the ticket from its parent' })
  async unlink(@Ctx() ctx: RequestContext, @Param('ref') ref: string) {
    return this.answer(ctx, this.massIncidents.unlink(ctx, ref).then((ticket) => ({ ticket })));
  }

  @Post('bulk')
  @HttpCode(200)
  @ApiOperation({ summary: 'Assign, requalify or resolve a selection (at most 100); each ticket in its own transaction, with its own result' })
  @ApiResponse({ status: 200, description: 'Every ticket done' })
  @ApiResponse({ status: 207, description: 'Some or all tickets refused: see each result (`ok`, `httpStatus`, `code`, `message`, `details`)' })
  async bulk(@Ctx() ctx: RequestContext, @Body() body: BulkDto, @Res({ passthrough: true }) res: Response) {
    const results = await this.deskActions.bulk(ctx, body);
    // 207 Multi-Status: a 200 would tell a script that every ticket was done.
    if (results.some((r) => !r.result)) res.status(207);
    return {
      results: results.map(({ ticket, result, error }) =>
        result ? { ticket, ok: true, reference: result.ticket.reference, status: result.ticket.status } : { ticket, ok: false, ...this.describe(ctx, error) },
      ),
    };
  }

  @Delete('knowledge/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Withdraw a published knowledge entry' })
  async withdraw(@Ctx() ctx: RequestContext, @Param('id') id: string) {
    await this.knowledge.withdraw(ctx, id);
  }

  private async answer(ctx: RequestContext, action: Promise<DeskResult>) {
    const { ticket, knowledge } = await action;
    const view = await this.desk.afterAction(ctx, ticket);
    return knowledge ? { ...view, knowledge: { id: knowledge.id, title: knowledge.title } } : view;
  }

  /** A failed bulk item, as the error filter would have answered it. */
  private describe(ctx: RequestContext, error: unknown) {
    if (error instanceof DomainError) {
      const details =
        error.code === 'VALIDATION_FAILED'
          ? (error.details as FieldProblem[]).map((p) => ({ field: p.field, rule: p.rule.replace(/^rule\./, ''), message: translateProblem(ctx.locale, p) }))
          : error.details;
      return { httpStatus: ERROR_STATUS[error.code], code: error.code, message: translate(ctx.locale, error.code, error.params), details };
    }
    const correlationId = randomUUID();
    this.logger.error(`${correlationId} bulk item: ${(error as Error)?.stack ?? String(error)}`);
    return { httpStatus: 500, code: 'INTERNAL', message: translate(ctx.locale, 'INTERNAL', { correlationId }), correlationId };
  }
}
