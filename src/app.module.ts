import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CatalogueController } from './api/catalogue.controller.js';
import { ErrorFilter } from './api/error.filter.js';
import { TicketsController } from './api/tickets.controller.js';
import { DeskController } from './api/desk.controller.js';
import { ApiAuthGuard } from './api/api-context.js';
import { Core } from './core.js';
import { HealthController } from './health/health.controller.js';
import { ScheduleModule } from '@nestjs/schedule';
import { AdminOutboxController } from './api/admin-outbox.controller.js';
import { InboundMailController } from './api/inbound-mail.controller.js';
import { JOB_INTERVALS, JobScheduler, type JobIntervals } from './jobs/job-scheduler.js';
import { AuthController } from './auth/auth.controller.js';
import { PortalSessionGuard } from './auth/portal-session.guard.js';
import { PortalApiController } from './portal/portal-api.controller.js';
import { PortalCreateController } from './portal/portal-create.controller.js';
import { PortalDeskController } from './portal/portal-desk.controller.js';
import { PortalFallbackController } from './portal/portal-fallback.controller.js';
import { PortalHomeController } from './portal/portal-home.controller.js';
import { PortalPages } from './portal/portal-page.js';
import { PortalPublicController } from './portal/portal-public.controller.js';
import { PortalTicketsController } from './portal/portal-tickets.controller.js';
import { TokensController } from './api/tokens.controller.js';
import { FIRST_PARTY_PLUGINS } from '../plugins/index.js';

/** The portal's pages, after every fixed path; the fallback (any other page: "not found") is last. */
const PORTAL_CONTROLLERS = [PortalPublicController, PortalApiController, PortalHomeController, PortalCreateController, PortalTicketsController, PortalDeskController, PortalFallbackController];

/** The HTTP application around an already-built Core. */
@Module({})
export class AppModule {
  static forCore(core: Core, options: { jobs?: JobIntervals } = {}): DynamicModule {
    return {
      module: AppModule,
      // Timers and the outbox worker, on intervals; off unless the process asks (main.ts does).
      imports: [ScheduleModule.forRoot()],
      // Portal controllers (`/:tenant/...`) come last so that fixed paths win.
      controllers: [HealthController, CatalogueController, TicketsController, DeskController, TokensController, AdminOutboxController, InboundMailController, ...FIRST_PARTY_PLUGINS.flatMap((p) => p.controllers ?? []), AuthController, ...PORTAL_CONTROLLERS],
      providers: [{ provide: Core, useValue: core }, ApiAuthGuard, JobScheduler, { provide: JOB_INTERVALS, useValue: options.jobs ?? {} }, PortalSessionGuard, PortalPages, { provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
