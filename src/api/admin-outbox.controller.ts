import { OutboxAdminService } from '../notifications/outbox-admin.service.js';
import { Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { OutboxStatus } from '../notifications/outbox.repository.js';
import { ApiAuthGuard, Ctx, type GuichetRequest } from './api-context.js';

export class OutboxQueryDto {
  /** Which rows: `dead` (default), `pending` or `sent`. */
  @IsOptional()
  @IsIn(['dead', 'pending', 'sent'])
  status?: OutboxStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @IsOptional()
  @IsIn(['fr', 'en'])
  lang?: string;
}

/** The tenant's outgoing notifications, for administrators (token with the `admin` scope, person with the `admin` role). */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/:tenant/admin/outbox')
export class AdminOutboxController {
  constructor(private readonly outboxAdmin: OutboxAdminService) {}

  @Get()
  @ApiOperation({ summary: 'Notifications by delivery status (dead letters by default), with counts' })
  list(@Ctx() ctx: RequestContext, @Req() req: GuichetRequest, @Query() query: OutboxQueryDto) {
    requireAdminScope(req);
    return this.outboxAdmin.list(ctx, query.status ?? 'dead', query.limit ?? 50);
  }

  @Post('retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send every dead notification again' })
  retryAll(@Ctx() ctx: RequestContext, @Req() req: GuichetRequest) {
    requireAdminScope(req);
    return this.outboxAdmin.retryAllDead(ctx);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send one dead (or pending) notification again now, with a fresh attempt count' })
  retry(@Ctx() ctx: RequestContext, @Req() req: GuichetRequest, @Param('id') id: string) {
    requireAdminScope(req);
    return this.outboxAdmin.retry(ctx, id);
  }
}

function requireAdminScope(req: GuichetRequest): void {
  if (!req.scopes?.includes('admin')) throw new DomainError('FORBIDDEN');
}
