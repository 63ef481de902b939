import { ApiTokenService } from '../auth/api-token.service.js';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsDate, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { TOKEN_SCOPES, type TokenScope } from '../auth/api-token.service.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { ApiAuthGuard, Ctx, type GuichetRequest } from './api-context.js';
import { LangQueryDto } from './dto.js';

export class MintTokenDto {
  @ApiPropertyOptional({ description: 'Login of the person the token acts for (or give `integration`)', example: 'clemonnier' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  person?: string;

  @ApiPropertyOptional({ description: 'Key of an integration (a person row with the role `integration`, created on first use)', example: 'supervision' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  integration?: string;

  @ApiPropertyOptional({ description: "The integration's display name when it is created", example: 'Supervision (Centreon)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  integrationName?: string;

  @ApiProperty({ description: 'What the token is for, shown in the list', example: 'nightly export' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ description: '`read` (GET), `write` (changes), `admin` (both, and these routes)', example: ['read'], enum: TOKEN_SCOPES, isArray: true })
  @IsArray()
  @ArrayNotEmpty()
  @IsIn(TOKEN_SCOPES, { each: true })
  scopes: TokenScope[];

  @ApiPropertyOptional({ description: 'When the token stops working (ISO 8601); never if absent', example: '2027-06-30T00:00:00Z' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  expiresAt?: Date;
}

/**
 * Integrators' tokens, for the tenant's administrators: a token with the `admin` scope, acting
 * for a person with the `admin` role.
 */
@ApiTags('tokens')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/:tenant/tokens')
export class TokensController {
  constructor(private readonly tokens: ApiTokenService) {}

  @Get()
  @ApiOperation({ summary: "Every token of the tenant: whose, scopes, expiry, revocation, last use (never the secret)" })
  list(@Ctx() ctx: RequestContext, @Req() req: GuichetRequest, @Query() _query: LangQueryDto) {
    requireAdminScope(req);
    return this.tokens.listAll(ctx);
  }

  @Post()
  @ApiOperation({ summary: 'Mint a token for a person or an integration; the secret is in this answer only' })
  mint(@Ctx() ctx: RequestContext, @Req() req: GuichetRequest, @Body() body: MintTokenDto) {
    requireAdminScope(req);
    return this.tokens.mintFor(ctx, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token (it stops working at once)' })
  async revoke(@Ctx() ctx: RequestContext, @Req() req: GuichetRequest, @Param('id') id: string): Promise<void> {
    requireAdminScope(req);
    if (!(await this.tokens.revokeAsAdmin(ctx, id))) throw new DomainError('NOT_FOUND');
  }
}

function requireAdminScope(req: GuichetRequest): void {
  if (!(req as GuichetRequest & { scopes?: string[] }).scopes?.includes('admin')) throw new DomainError('FORBIDDEN');
}
