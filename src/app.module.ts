import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CatalogueController } from './api/catalogue.controller.js';
import { ErrorFilter } from './api/error.filter.js';
import { TicketsController } from './api/tickets.controller.js';
import { ApiAuthGuard } from './api/api-context.js';
import { Core } from './core.js';
import { HealthController } from './health/health.controller.js';
import { AuthController } from './auth/auth.controller.js';
import { PortalSessionGuard } from './auth/portal-session.guard.js';

/** The HTTP application around an already-built Core. */
@Module({})
export class AppModule {
  static forCore(core: Core): DynamicModule {
    return {
      module: AppModule,
      // Portal controllers (`/:tenant/...`) come last so that fixed paths win.
      controllers: [HealthController, CatalogueController, TicketsController, AuthController],
      providers: [{ provide: Core, useValue: core }, ApiAuthGuard, PortalSessionGuard, { provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
