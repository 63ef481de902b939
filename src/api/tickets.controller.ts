import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { TicketService } from '../tickets/ticket.service.js';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { RequestContext } from '../tenancy/request-context.js';
import { DomainError, UploadRefused, ValidationFailed } from '../common/errors.js';
import type { TicketRow } from '../tickets/ticket.repository.js';
import { ApiAuthGuard, Ctx } from './api-context.js';
import { readUpload, sendAttachment } from './attachment-http.js';
import { CommentDto, CreateTicketDto, EditTicketDto, LangQueryDto, ListQueryDto, ParticipantDto, PeopleQueryDto, TransitionDto } from './dto.js';

@ApiTags('tickets')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/:tenant')
export class TicketsController {
  constructor(private readonly actions: TicketActionsService,
    private readonly directory: DirectoryRepository,
    private readonly tickets: TicketService) {}

  @Post('tickets')
  @ApiOperation({ summary: 'Create a ticket about a catalogue leaf; answers with the reference and the acknowledgement' })
  create(@Ctx() ctx: RequestContext, @Body() body: CreateTicketDto) {
    return this.tickets.create(ctx, { leaf: body.leaf, values: body.values ?? {} });
  }

  @Get('views')
  @ApiOperation({ summary: "The pack's dashboard views (tabs) with their counts" })
  views(@Ctx() ctx: RequestContext, @Query() _query: LangQueryDto) {
    return this.tickets.views(ctx);
  }

  @Get('tickets')
  @ApiOperation({ summary: 'One page of a dashboard view, newest first (keyset pagination with nextCursor)' })
  list(@Ctx() ctx: RequestContext, @Query() query: ListQueryDto) {
    return this.tickets.list(ctx, query.view ?? ctx.tenant.config.views[0].key, { cursor: query.cursor, limit: query.limit });
  }

  @Get('tickets/:ref')
  @ApiOperation({ summary: 'A ticket with its history, participants, attachments and the transitions you may apply' })
  read(@Ctx() ctx: RequestContext, @Param('ref') ref: string) {
    return this.tickets.read(ctx, ref);
  }

  @Patch('tickets/:ref')
  @ApiOperation({ summary: 'Change fields the pack keeps editable in the current status' })
  async edit(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: EditTicketDto) {
    const ticket = await this.actions.edit(ctx, ref, body.values);
    return this.afterAction(ctx, ticket);
  }

  @Post('tickets/:ref/comments')
  @ApiOperation({ summary: 'Add a public exchange (or, for agents, a private note)' })
  async comment(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: CommentDto) {
    const ticket = await this.actions.comment(ctx, ref, body.body, body.private ?? false);
    return this.afterAction(ctx, ticket);
  }

  @Post('tickets/:ref/transitions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply a transition; 409 with the allowed ones if it is not allowed' })
  async transition(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: TransitionDto) {
    const ticket = await this.actions.transition(ctx, ref, body);
    return this.afterAction(ctx, ticket);
  }

  @Post('tickets/:ref/participants')
  @ApiOperation({ summary: 'Add a participant (contact), from the directory or the establishment allow-list' })
  async participant(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: ParticipantDto) {
    const ticket = await this.actions.addParticipant(ctx, ref, body.person);
    return this.afterAction(ctx, ticket);
  }

  @Post('tickets/:ref/assignee')
  @HttpCode(200)
  @ApiOperation({ summary: 'Agents: give the ticket to an agent' })
  async assign(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Body() body: ParticipantDto) {
    const ticket = await this.actions.assign(ctx, ref, body.person);
    return this.afterAction(ctx, ticket);
  }

  /**
   * The ticket is checked before a byte of the body is read; the file then streams to storage
   * and is refused (413) at the pack's size limit plus one byte.
   */
  @Post('tickets/:ref/attachments')
  @ApiOperation({ summary: "Attach a file (multipart field 'file'), within the pack's size limit (413 beyond it)" })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } } })
  async attach(@Ctx() ctx: RequestContext, @Param('ref') ref: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const ticket = await this.actions.checkAttach(ctx, ref);
    const upload = await readUpload(this.actions, ctx, req, res, { fileFields: ['file'], maxFiles: 1 });
    if (upload.problems.length) throw upload.tooLarge ? new UploadRefused(upload.problems) : new ValidationFailed(upload.problems);
    const [row] = await this.actions.attachFiles(ctx, ticket.id, upload.files);
    return { id: row.id, fileName: row.file_name, size: Number(row.size_bytes), contentType: row.content_type, url: `/api/${ctx.tenantId}/attachments/${row.id}` };
  }

  @Get('attachments/:id')
  @ApiOperation({ summary: 'Download an attachment of a ticket you may see' })
  async download(@Ctx() ctx: RequestContext, @Param('id') id: string, @Res() res: Response) {
    sendAttachment(res, await this.actions.download(ctx, id));
  }

  @Get('people')
  @ApiOperation({ summary: 'Search the directory (for beneficiaries and contacts)' })
  async people(@Ctx() ctx: RequestContext, @Query() query: PeopleQueryDto) {
    const establishment = query.establishment ? await this.directory.establishmentByUaiOrId(ctx, query.establishment) : undefined;
    if (query.establishment && !establishment) throw new ValidationFailed([{ field: 'establishment', rule: 'rule.establishment' }]);
    const rows = query.q.trim().length < 2 ? [] : await this.directory.searchPeople(ctx, query.q.trim(), 20, establishment?.id);
    return rows.map((p) => ({ id: p.id, login: p.login, name: p.display_name, title: p.title, establishments: p.establishments }));
  }

  @Get('me')
  @ApiOperation({ summary: 'The person the token acts for, with establishments' })
  async me(@Ctx() ctx: RequestContext) {
    const person = await this.directory.personByLoginOrId(ctx, ctx.actor.id!);
    const establishments = await this.directory.membershipsOf(ctx, ctx.actor.id!);
    return { id: person!.id, login: person!.login, name: person!.display_name, email: person!.email, locale: person!.locale, roles: person!.roles, establishments: establishments.map((e) => ({ uai: e.uai, name: e.name, roles: e.roles })) };
  }

  /**
   * The ticket as the caller now sees it. An action can take it out of the caller's sight (an
   * agent escalating to a team whose tickets they may not read): the action happened, so the
   * answer is its outcome, not a 404.
   */
  private async afterAction(ctx: RequestContext, ticket: TicketRow) {
    try {
      return await this.tickets.read(ctx, ticket.id);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'TICKET_NOT_FOUND') throw error;
      return { id: ticket.id, reference: ticket.reference, status: { key: ticket.status, category: ticket.status_category }, visible: false };
    }
  }
}
