import { Body, type CanActivate, Controller, Delete, type ExecutionContext, Get, HttpCode, Injectable, Param, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminAudit } from '../admin/admin-audit.js';
import { AdminOrganisation } from '../admin/admin-org.service.js';
import { AdminPeople } from '../admin/admin-people.service.js';
import { DirectorySync } from '../admin/directory-sync.service.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { ApiAuthGuard, Ctx, type GuichetRequest } from './api-context.js';
import {
  AuditQueryDto, DirectorySyncDto, EstablishmentCreateDto, EstablishmentPatchDto, EstablishmentsQueryDto, MembershipDto, PeopleQueryDto, PersonCreateDto, PersonPatchDto, RolesDto, TeamMemberDto,
} from './admin.dto.js';

/** A token with the `admin` scope, acting for a person with the `admin` role (403 otherwise). */
@Injectable()
export class AdminApiGuard implements CanActivate {
  constructor(private readonly auth: ApiAuthGuard) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.auth.authenticate(context.switchToHttp().getRequest<GuichetRequest>(), 'admin');
    return true;
  }
}

/** People, roles and establishment memberships, for the tenant's administrators. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminApiGuard)
@Controller('api/:tenant/admin/people')
export class AdminPeopleController {
  constructor(private readonly people: AdminPeople) {}

  @Get()
  @ApiOperation({ summary: 'Search people (active or not) by name, login or e-mail; filter by role or state; paginated' })
  search(@Ctx() ctx: RequestContext, @Query() q: PeopleQueryDto) {
    return this.people.search(ctx, q);
  }

  @Post()
  @ApiOperation({ summary: 'Create a person (for accounts outside the directory, or before their first sign-in)' })
  create(@Ctx() ctx: RequestContext, @Body() body: PersonCreateDto) {
    const { lang: _, ...input } = body;
    return this.people.create(ctx, input);
  }

  @Get(':login')
  @ApiOperation({ summary: 'A person with roles, establishments (head or member), teams (lead or member) and how many tickets they are part of' })
  get(@Ctx() ctx: RequestContext, @Param('login') login: string) {
    return this.people.get(ctx, login);
  }

  @Patch(':login')
  @ApiOperation({ summary: 'Change name, e-mail, phone, title or language' })
  update(@Ctx() ctx: RequestContext, @Param('login') login: string, @Body() body: PersonPatchDto) {
    const { lang: _, ...input } = body;
    return this.people.update(ctx, login, input);
  }

  @Put(':login/roles')
  @ApiOperation({ summary: 'Set the tenant roles (agent, admin); refused (409 LAST_ADMIN) if no active administrator would be left' })
  roles(@Ctx() ctx: RequestContext, @Param('login') login: string, @Body() body: RolesDto) {
    return this.people.setRoles(ctx, login, body.roles);
  }

  @Post(':login/deactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deactivate: no more sign-in, sessions or tokens; their tickets and history stay' })
  deactivate(@Ctx() ctx: RequestContext, @Param('login') login: string) {
    return this.people.deactivate(ctx, login);
  }

  @Post(':login/reactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate a deactivated person' })
  reactivate(@Ctx() ctx: RequestContext, @Param('login') login: string) {
    return this.people.reactivate(ctx, login);
  }

  @Put(':login/establishments/:uai')
  @ApiOperation({ summary: 'Make the person a member, or the head (`head: true`), of an establishment' })
  setMembership(@Ctx() ctx: RequestContext, @Param('login') login: string, @Param('uai') uai: string, @Body() body: MembershipDto) {
    return this.people.setMembership(ctx, login, uai, body.head ?? false);
  }

  @Delete(':login/establishments/:uai')
  @ApiOperation({ summary: 'Remove the person from an establishment' })
  removeMembership(@Ctx() ctx: RequestContext, @Param('login') login: string, @Param('uai') uai: string) {
    return this.people.removeMembership(ctx, login, uai);
  }
}

/** Teams' members and leads (the teams are the pack's), and establishments. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminApiGuard)
@Controller('api/:tenant/admin')
export class AdminOrganisationController {
  constructor(private readonly organisation: AdminOrganisation) {}

  @Get('teams')
  @ApiOperation({ summary: "The pack's teams (and retired ones, inactive) with their member and lead counts" })
  teams(@Ctx() ctx: RequestContext) {
    return this.organisation.teams(ctx);
  }

  @Get('teams/:team/members')
  @ApiOperation({ summary: 'Members of a team, leads first' })
  members(@Ctx() ctx: RequestContext, @Param('team') team: string) {
    return this.organisation.members(ctx, team);
  }

  @Put('teams/:team/members/:login')
  @ApiOperation({ summary: 'Add an agent to a team, or set whether they lead it (`lead`)' })
  setMember(@Ctx() ctx: RequestContext, @Param('team') team: string, @Param('login') login: string, @Body() body: TeamMemberDto) {
    return this.organisation.setMember(ctx, team, login, body.lead ?? false);
  }

  @Delete('teams/:team/members/:login')
  @ApiOperation({ summary: 'Remove a member from a team' })
  removeMember(@Ctx() ctx: RequestContext, @Param('team') team: string, @Param('login') login: string) {
    return this.organisation.removeMember(ctx, team, login);
  }

  @Get('establishments')
  @ApiOperation({ summary: 'Search establishments by UAI, name or city; paginated' })
  establishments(@Ctx() ctx: RequestContext, @Query() q: EstablishmentsQueryDto) {
    return this.organisation.establishments(ctx, q);
  }

  @Post('establishments')
  @ApiOperation({ summary: 'Create an establishment; the UAI is checked (7 digits and the check letter)' })
  createEstablishment(@Ctx() ctx: RequestContext, @Body() body: EstablishmentCreateDto) {
    const { lang: _, ...input } = body;
    return this.organisation.createEstablishment(ctx, input);
  }

  @Patch('establishments/:uai')
  @ApiOperation({ summary: "Change an establishment's name, kind or city" })
  updateEstablishment(@Ctx() ctx: RequestContext, @Param('uai') uai: string, @Body() body: EstablishmentPatchDto) {
    const { lang: _, ...input } = body;
    return this.organisation.updateEstablishment(ctx, uai, input);
  }
}

/** The tenant's people from its directory source (a directory plugin the pack turns on; LDAP here, CSV from the CLI). */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminApiGuard)
@Controller('api/:tenant/admin/directory')
export class AdminDirectoryController {
  constructor(private readonly directory: DirectorySync) {}

  @Post('sync')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sync people, establishments, heads, roles and teams from the directory; counts and every refused entry with its reason; 404 without a directory source, 409 DIRECTORY_SHRANK' })
  sync(@Ctx() ctx: RequestContext, @Body() body: DirectorySyncDto) {
    return this.directory.sync(ctx, { dryRun: body.dryRun, source: body.source, force: body.force });
  }
}

/** The administrators' audit log: append-only, newest first, exportable as CSV. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminApiGuard)
@Controller('api/:tenant/admin/audit')
export class AdminAuditController {
  constructor(private readonly audit: AdminAudit) {}

  @Get()
  @ApiOperation({ summary: 'Audit entries (who, what, target, before/after), newest first; `next` is the cursor of the following page' })
  list(@Ctx() ctx: RequestContext, @Query() q: AuditQueryDto) {
    return this.audit.list(ctx, q, q.limit ?? 50, q.cursor);
  }

  @Get('export')
  @ApiProduces('text/csv')
  @ApiOperation({ summary: 'The audit log (with the same filters) as CSV, oldest first' })
  async export(@Ctx() ctx: RequestContext, @Query() q: AuditQueryDto, @Res() res: Response): Promise<void> {
    res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="audit-${ctx.tenantId}.csv"`);
    for await (const chunk of this.audit.csv(ctx, q)) res.write(chunk);
    res.end();
  }
}
