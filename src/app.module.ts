import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminOutboxController } from './api/admin-outbox.controller.js';
import { AdminApiGuard, AdminAuditController, AdminDirectoryController, AdminOrganisationController, AdminPeopleController } from './api/admin.controller.js';
import { AdminAudit } from './admin/admin-audit.js';
import { AdminAuditRepository } from './admin/admin-audit.repository.js';
import { AdminOrganisation } from './admin/admin-org.service.js';
import { AdminPeople } from './admin/admin-people.service.js';
import { DirectoryAdminRepository } from './directory/directory-admin.repository.js';
import { DirectorySyncRepository } from './directory/directory-sync.repository.js';
import { DirectorySync } from './admin/directory-sync.service.js';
import { ApiAuthGuard } from './api/api-context.js';
import { CatalogueController } from './api/catalogue.controller.js';
import { DeskController } from './api/desk.controller.js';
import { ErrorFilter } from './api/error.filter.js';
import { IdempotencyInterceptor, IdempotencySweep } from './api/idempotency.interceptor.js';
import { IdempotencyRepository } from './api/idempotency.repository.js';
import { InboundMailController } from './api/inbound-mail.controller.js';
import { TicketsController } from './api/tickets.controller.js';
import { TokensController } from './api/tokens.controller.js';
import { ApiTokenRepository } from './auth/api-token.repository.js';
import { ActionLimits } from './auth/action-limits.js';
import { ApiTokenService } from './auth/api-token.service.js';
import { AuthController } from './auth/auth.controller.js';
import { LocalCredentialRepository } from './auth/local-credential.repository.js';
import { PortalSessionGuard } from './auth/portal-session.guard.js';
import { SessionRepository } from './auth/session.repository.js';
import { SessionService } from './auth/session.service.js';
import { SignInHttp } from './auth/sign-in-host.service.js';
import { SignInRepository } from './auth/sign-in.repository.js';
import { SignInService } from './auth/sign-in.service.js';
import { CatalogueRepository } from './catalogue/catalogue.repository.js';
import { CatalogueService, PublishedEntries } from './catalogue/catalogue.service.js';
import { Clock } from './common/clock.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { MAIL_CONFIG } from './config/mail-config.js';
import { createDataSource } from './database/data-source.js';
import { DatabaseHealth } from './database/database-health.js';
import { DemoSeeder } from './deployment/demo-seeder.js';
import { Deployment } from './deployment/deployment.service.js';
import { PackSyncRepository } from './deployment/pack-sync.repository.js';
import { PackSync } from './deployment/pack-sync.js';
import { DeskActionsService } from './desk/desk-actions.service.js';
import { DeskRepository } from './desk/desk.repository.js';
import { DeskService } from './desk/desk.service.js';
import { MassIncidents } from './desk/mass-incidents.js';
import { DirectoryRepository } from './directory/directory.repository.js';
import { ProfileRepository } from './directory/profile.repository.js';
import { EventBus } from './events/event-bus.js';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './health/metrics.controller.js';
import { DatabaseMetrics } from './database/database-metrics.js';
import { OutboxMetrics } from './notifications/outbox-metrics.js';
import { BackgroundJobs, TENANT_MAINTENANCE } from './jobs/background-jobs.js';
import { JOB_INTERVALS, JobScheduler } from './jobs/job-scheduler.js';
import { TimerRepository } from './jobs/timer.repository.js';
import { TimerService } from './jobs/timer.service.js';
import { KnowledgeRepository } from './knowledge/knowledge.repository.js';
import { KnowledgeService } from './knowledge/knowledge.service.js';
import { InboundMailRepository } from './notifications/inbound-mail.repository.js';
import { InboundMailService } from './notifications/inbound-mail.service.js';
import { MailIdentity } from './notifications/mail-identity.js';
import { MailTemplates } from './notifications/mail-templates.js';
import { MailTransport } from './notifications/mail-transport.js';
import { OutboxAdminService } from './notifications/outbox-admin.service.js';
import { OutboxRepository } from './notifications/outbox.repository.js';
import { OutboxWorker } from './notifications/outbox.worker.js';
import { TicketNotifications } from './notifications/ticket-notifications.js';
import { PluginLifecycle } from './plugin-lifecycle.js';
import { PluginRegistry } from './plugin-host/plugin-registry.js';
import { pluginMigrations } from './plugin-host/plugin-migrations.js';
import { ApiAuthHost } from './plugin-host/plugin-routes.js';
import { PluginEvents, PluginTickets } from './plugin-host/services.js';
import { CredentialStore, SignInHost } from './plugin-host/sign-in-host.js';
import { PluginTenants } from './plugin-host/tenant-plugins.js';
import { DeskPageBuilder } from './portal/desk-page.js';
import { PortalApiController } from './portal/portal-api.controller.js';
import { PortalCreateController } from './portal/portal-create.controller.js';
import { PortalDeskController } from './portal/portal-desk.controller.js';
import { PortalAdminController } from './portal/portal-admin.controller.js';
import { AdminPageBuilder } from './portal/admin-page.js';
import { PortalFallbackController } from './portal/portal-fallback.controller.js';
import { PortalHomeController } from './portal/portal-home.controller.js';
import { PortalPages } from './portal/portal-page.js';
import { PortalPublicController } from './portal/portal-public.controller.js';
import { PortalTicketsController } from './portal/portal-tickets.controller.js';
import { TicketPageBuilder } from './portal/ticket-page.js';
import { SlaJob } from './sla/sla.job.js';
import { SlaRepository } from './sla/sla.repository.js';
import { SlaService } from './sla/sla.service.js';
import { StorageDriver } from './storage/storage.js';
import { Metrics } from './observability/metrics.js';
import { ProcessState } from './observability/process-state.js';
import { PackTextRenderer } from './tenancy/pack-text.js';
import { TenantContexts } from './tenancy/tenant-contexts.js';
import { TenantRegistry } from './tenancy/tenant-registry.js';
import { TicketsForPlugins } from './tickets/plugin-tickets.js';
import { TicketAccess } from './tickets/ticket-access.js';
import { TicketActionsService } from './tickets/ticket-actions.service.js';
import { TicketParticipants } from './tickets/ticket-participants.js';
import { TicketPresenter } from './tickets/ticket.presenter.js';
import { TicketRepository } from './tickets/ticket.repository.js';
import { TicketSearch } from './tickets/ticket-search.service.js';
import { TicketService } from './tickets/ticket.service.js';

/** What the composition root is given: the deployment's configuration and what was built before Nest (packs, plugins). */
export interface GuichetOptions {
  config: AppConfig;
  registry: TenantRegistry;
  plugins: PluginRegistry;
  clock: Clock;
  storage: StorageDriver;
  metrics: Metrics;
  state: ProcessState;
}

/** The portal's pages, after every fixed path; the fallback (any other page: "not found") is last. */
const PORTAL_CONTROLLERS = [PortalPublicController, PortalApiController, PortalHomeController, PortalCreateController, PortalTicketsController, PortalDeskController, PortalAdminController, PortalFallbackController];

/** Every service, by domain from the bottom up. Subscribers of one event run in this order (SLA clocks before mass incidents). */
const SERVICES: Provider[] = [
  DatabaseHealth,
  DatabaseMetrics,
  TenantContexts,
  EventBus,
  CatalogueRepository,
  CatalogueService,
  DirectoryRepository,
  DirectoryAdminRepository,
  ProfileRepository,
  KnowledgeRepository,
  KnowledgeService,
  TicketRepository,
  TicketAccess,
  TicketParticipants,
  TicketPresenter,
  TicketService,
  TicketActionsService,
  TicketSearch,
  TicketsForPlugins,
  OutboxRepository,
  MailTemplates,
  MailIdentity,
  MailTransport,
  OutboxWorker,
  OutboxAdminService,
  OutboxMetrics,
  InboundMailRepository,
  InboundMailService,
  TicketNotifications,
  SlaRepository,
  SlaService,
  SlaJob,
  DeskRepository,
  DeskService,
  DeskActionsService,
  MassIncidents,
  TimerRepository,
  TimerService,
  BackgroundJobs,
  JobScheduler,
  AdminAuditRepository,
  AdminAudit,
  AdminPeople,
  AdminOrganisation,
  DirectorySyncRepository,
  DirectorySync,
  PackSyncRepository,
  PackSync,
  DemoSeeder,
  Deployment,
  ApiTokenRepository,
  ApiTokenService,
  SessionRepository,
  SessionService,
  SignInRepository,
  SignInService,
  LocalCredentialRepository,
  ActionLimits,
  SignInHttp,
  ApiAuthGuard,
  AdminApiGuard,
  IdempotencyRepository,
  IdempotencySweep,
  PortalSessionGuard,
  PortalPages,
  TicketPageBuilder,
  DeskPageBuilder,
  AdminPageBuilder,
  PluginLifecycle,
];

/** Interfaces a lower layer (or the SDK) declares, bound to the implementations above. */
const BINDINGS: Provider[] = [
  { provide: PublishedEntries, useExisting: KnowledgeService },
  { provide: PackTextRenderer, useExisting: MailTemplates },
  { provide: PluginEvents, useExisting: EventBus },
  { provide: PluginTickets, useExisting: TicketsForPlugins },
  { provide: SignInHost, useExisting: SignInHttp },
  { provide: CredentialStore, useExisting: LocalCredentialRepository },
  {
    provide: PluginTenants,
    useFactory: (contexts: TenantContexts, registry: TenantRegistry): PluginTenants => ({ ids: () => registry.all().map((p) => p.id), context: (id) => contexts.for(id) }),
    inject: [TenantContexts, TenantRegistry],
  },
  { provide: ApiAuthHost, useExisting: ApiAuthGuard },
  {
    provide: TENANT_MAINTENANCE,
    useFactory: (sessions: SessionService, signIn: SignInService, keys: IdempotencySweep) => [sessions, signIn, keys],
    inject: [SessionService, SignInService, IdempotencySweep],
  },
];

/**
 * The composition root: the only place that wires implementations to interfaces. The same
 * module serves HTTP (`createApp`), the CLI and the tests (an application context).
 */
@Module({})
export class AppModule {
  static register(options: GuichetOptions): DynamicModule {
    const { config } = options;
    const plugins = options.plugins.all();
    return {
      module: AppModule,
      imports: [
        // Timers and the outbox worker, on intervals; off unless the configuration asks.
        ScheduleModule.forRoot(),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ type: 'postgres' as const, retryAttempts: 3, retryDelay: 1000 }),
          // The plugins' own tables migrate with the core's (checked: prefixed, keyed by tenant, under RLS).
          dataSourceFactory: () => createDataSource({ url: config.databaseUrl, dataDir: config.dataDir, migrations: pluginMigrations(plugins) }),
        }),
      ],
      // Portal controllers (`/:tenant/...`) come last so that fixed paths win.
      controllers: [HealthController, MetricsController, CatalogueController, TicketsController, DeskController, TokensController, AdminOutboxController, AdminPeopleController, AdminOrganisationController, AdminDirectoryController, AdminAuditController, InboundMailController, ...plugins.flatMap((p) => p.controllers ?? []), AuthController, ...PORTAL_CONTROLLERS],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: MAIL_CONFIG, useValue: config.mail },
        { provide: JOB_INTERVALS, useValue: config.jobs ?? {} },
        { provide: TenantRegistry, useValue: options.registry },
        { provide: PluginRegistry, useValue: options.plugins },
        { provide: Clock, useValue: options.clock },
        { provide: StorageDriver, useValue: options.storage },
        { provide: Metrics, useValue: options.metrics },
        { provide: ProcessState, useValue: options.state },
        ...SERVICES,
        ...BINDINGS,
        ...plugins.flatMap((p) => p.providers ?? []),
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}

