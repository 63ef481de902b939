import { Controller, Get, NotFoundException, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PortalErrorFilter } from './portal-error.filter.js';

/** Registered last: any other GET under a tenant is a "page not found" page, not a JSON body. */
@ApiExcludeController()
@UseFilters(PortalErrorFilter)
@Controller(':tenant')
export class PortalFallbackController {
  @Get('*rest')
  notFound(): never {
    throw new NotFoundException();
  }
}
