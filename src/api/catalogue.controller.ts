import { CatalogueService } from '../catalogue/catalogue.service.js';
import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RequestContext } from '../tenancy/request-context.js';
import { ApiAuthGuard, Ctx } from './api-context.js';
import { LangQueryDto, SearchQueryDto } from './dto.js';

@ApiTags('catalogue')
@ApiBearerAuth()
@UseGuards(ApiAuthGuard)
@Controller('api/:tenant/catalogue')
export class CatalogueController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get()
  @ApiOperation({ summary: 'The catalogue tree, with level labels from the pack' })
  tree(@Ctx() ctx: RequestContext, @Query() query: LangQueryDto) {
    return this.catalogue.tree(ctx, query.root).then((nodes) => ({ levels: ctx.tenant.config.catalogue.levels.map((l) => l.key), nodes }));
  }

  @Get('search')
  @ApiOperation({ summary: 'Ranked keyword search over leaves (names, keywords, synonyms), accent-insensitive, prefix from 3 characters' })
  search(@Ctx() ctx: RequestContext, @Query() query: SearchQueryDto) {
    return this.catalogue.search(ctx, query.q, query.page ?? 1);
  }

  @Get(':key')
  @ApiOperation({ summary: 'One node with its children and its path' })
  node(@Ctx() ctx: RequestContext, @Param('key') key: string) {
    return this.catalogue.node(ctx, key);
  }

  @Get(':key/form')
  @ApiOperation({ summary: 'The create form for a leaf: the pack fields then the leaf fields' })
  form(@Ctx() ctx: RequestContext, @Param('key') key: string) {
    return this.catalogue.form(ctx, key);
  }
}
