import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ApiCtx, PluginApi, type RequestContext } from '../../src/plugin-host/index.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from './webhook-events.js';
import { WebhookSubscriptions } from './webhook-subscriptions.service.js';
import type { DeliveryStatus } from './webhook.repository.js';

export class UpdateSubscriptionDto {
  @ApiPropertyOptional({ description: 'Where deliveries are POSTed (https:// unless the pack allows http)', example: 'https://hooks.example.org/guichet' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ description: 'Events delivered', enum: WEBHOOK_EVENTS, isArray: true, example: ['ticket.created', 'ticket.transitioned'] })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: WebhookEvent[];

  @ApiPropertyOptional({ description: 'What the subscription is for', example: 'Supervision' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ApiPropertyOptional({ description: 'Inactive subscriptions get no new deliveries; their pending ones wait' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class CreateSubscriptionDto {
  @ApiProperty({ description: 'Where deliveries are POSTed (https:// unless the pack allows http)', example: 'https://hooks.example.org/guichet' })
  @IsString()
  @MaxLength(2000)
  url: string;

  @ApiProperty({ description: 'Events delivered', enum: WEBHOOK_EVENTS, isArray: true, example: ['ticket.created'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events: WebhookEvent[];

  @ApiPropertyOptional({ description: 'What the subscription is for', example: 'Supervision' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ApiPropertyOptional({ description: 'Active by default' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ description: 'Signing secret (`whsec_` + base64 of 24 to 64 bytes); generated when absent', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/)
  secret?: string;
}

export class DeliveriesQueryDto {
  @IsOptional()
  @IsIn(['pending', 'delivered', 'dead'])
  status?: DeliveryStatus;

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

/** The tenant's webhook subscriptions and their delivery log, for administrators (`admin` scope and role). */
@ApiTags('webhooks')
@PluginApi({ scope: 'admin' })
@Controller('api/:tenant/plugins/webhooks')
export class WebhooksController {
  constructor(private readonly subscriptions: WebhookSubscriptions) {}

  @Get('subscriptions')
  @ApiOperation({ summary: 'Every subscription of the tenant, with its pending and dead deliveries counted (never the secret)' })
  list(@ApiCtx() ctx: RequestContext) {
    return this.subscriptions.list(ctx);
  }

  @Post('subscriptions')
  @ApiOperation({ summary: 'Subscribe a URL to events; the signing secret is in this answer only' })
  create(@ApiCtx() ctx: RequestContext, @Body() body: CreateSubscriptionDto) {
    return this.subscriptions.create(ctx, body);
  }

  @Get('subscriptions/:id')
  @ApiOperation({ summary: 'One subscription' })
  get(@ApiCtx() ctx: RequestContext, @Param('id') id: string) {
    return this.subscriptions.get(ctx, id);
  }

  @Patch('subscriptions/:id')
  @ApiOperation({ summary: 'Change the URL, events, description or active flag' })
  update(@ApiCtx() ctx: RequestContext, @Param('id') id: string, @Body() body: UpdateSubscriptionDto) {
    return this.subscriptions.update(ctx, id, body);
  }

  @Delete('subscriptions/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a subscription, its pending deliveries and its log' })
  async delete(@ApiCtx() ctx: RequestContext, @Param('id') id: string): Promise<void> {
    await this.subscriptions.delete(ctx, id);
  }

  @Post('subscriptions/:id/secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the signing secret; the new one is in this answer only' })
  rotateSecret(@ApiCtx() ctx: RequestContext, @Param('id') id: string) {
    return this.subscriptions.rotateSecret(ctx, id);
  }

  @Get('subscriptions/:id/deliveries')
  @ApiOperation({ summary: 'The delivery log, newest first: payload, status, and each attempt (status code, duration, error)' })
  deliveries(@ApiCtx() ctx: RequestContext, @Param('id') id: string, @Query() query: DeliveriesQueryDto) {
    return this.subscriptions.deliveries(ctx, id, query.status, query.limit ?? 50);
  }

  @Post('deliveries/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a dead delivery again now, with a fresh attempt count and the same webhook-id' })
  retry(@ApiCtx() ctx: RequestContext, @Param('id') id: string) {
    return this.subscriptions.retry(ctx, id);
  }
}
