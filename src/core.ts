import type { DataSource } from 'typeorm';
import { closeDataSource } from './database/data-source.js';
import { ApiTokenService } from './auth/api-token.service.js';
import { SessionService } from './auth/session.service.js';
import { SignInService } from './auth/sign-in.service.js';
import { CatalogueRepository } from './catalogue/catalogue.repository.js';
import { CatalogueService } from './catalogue/catalogue.service.js';
import type { Clock } from './common/clock.js';
import { RequestContext, SYSTEM_ACTOR, type ActorRef } from './common/request-context.js';
import { DirectoryRepository } from './directory/directory.repository.js';
import { ProfileRepository } from './directory/profile.repository.js';
import { TimerService } from './jobs/timer.service.js';
import { InboundMailService } from './notifications/inbound-mail.service.js';
import { loadMailConfig, type MailConfig } from './notifications/mail-config.js';
import { MailIdentity } from './notifications/mail-identity.js';
import { MailTemplates } from './notifications/mail-templates.js';
import { MailTransport } from './notifications/mail-transport.js';
import { OutboxAdminService } from './notifications/outbox-admin.service.js';
import { OutboxRepository } from './notifications/outbox.repository.js';
import { OutboxWorker, type OutboxRunReport } from './notifications/outbox.worker.js';
import type { Locale } from './tenancy/pack.schema.js';
import { DemoSeeder } from './tenancy/demo-seeder.js';
import { PackSync } from './tenancy/pack-sync.js';
import type { TenantRegistry } from './tenancy/tenant-registry.js';
import type { StorageDriver } from './storage/storage.js';
import { TicketAccess } from './tickets/ticket-access.js';
import { TicketActionsService } from './tickets/ticket-actions.service.js';
import { TicketParticipants } from './tickets/ticket-participants.js';
import { TicketPresenter } from './tickets/ticket.presenter.js';
import { TicketRepository } from './tickets/ticket.repository.js';
import { TicketService } from './tickets/ticket.service.js';
import { TicketSearch } from './tickets/ticket-search.service.js';
import { TicketHooks } from './tickets/ticket-hooks.js';
import { DeskActionsService } from './desk/desk-actions.service.js';
import { DeskRepository } from './desk/desk.repository.js';
import { DeskService } from './desk/desk.service.js';
import { MassIncidents } from './desk/mass-incidents.js';
import { KnowledgeRepository } from './knowledge/knowledge.repository.js';
import { KnowledgeService } from './knowledge/knowledge.service.js';
import { SlaJob } from './sla/sla.job.js';
import { SlaRepository } from './sla/sla.repository.js';
import { SlaService } from './sla/sla.service.js';

export interface CoreDependencies {
  dataSource: DataSource;
  registry: TenantRegistry;
  clock: Clock;
  storage: StorageDriver;
  /** Outgoing and incoming mail; without it, no SMTP server (notifications stay pending). */
  mail?: MailConfig;
  /** Demo mode: demo sign-in allowed (GUICHET_DEMO). */
  demo?: boolean;
}

/**
 * The engine's services, wired once. The HTTP application, the CLI and the tests all use this
 * same object, so they exercise the same code.
 */
export class Core {
  readonly catalogue: CatalogueService;
  readonly tickets: TicketService;
  readonly actions: TicketActionsService;
  readonly tokens: ApiTokenService;
  readonly directory: DirectoryRepository;
  readonly timers: TimerService;
  readonly packSync: PackSync;
  readonly seeder: DemoSeeder;
  /** Mail settings, and the identifiers and addresses put in mails. */
  readonly mail: MailConfig;
  readonly mailIdentity: MailIdentity;
  /** Delivers the outbox over SMTP. */
  readonly outbox: OutboxWorker;
  readonly outboxAdmin: OutboxAdminService;
  /** Replies by mail become public exchanges. */
  readonly inbound: InboundMailService;
  private readonly mailTransport: MailTransport;
  readonly sessions: SessionService;
  readonly signIn: SignInService;
  /** Filtered dashboard pages and look-alike tickets (portal). */
  readonly ticketSearch: TicketSearch;
  /** People's own settings (portal profile) and demo personas. */
  readonly profiles: ProfileRepository;
  /** The agents' desk: queues and ticket detail; its actions; mass incidents. */
  readonly desk: DeskService;
  readonly deskActions: DeskActionsService;
  readonly massIncidents: MassIncidents;
  /** Service levels (clocks on the business calendar) and their breach job. */
  readonly sla: SlaService;
  readonly slaJob: SlaJob;
  /** Knowledge entries published from solutions. */
  readonly knowledge: KnowledgeService;

  constructor(readonly deps: CoreDependencies) {
    const catalogueRepository = new CatalogueRepository();
    const ticketRepository = new TicketRepository();
    this.directory = new DirectoryRepository();
    // Work that follows every ticket change in its transaction (SLA clocks, mass incidents), registered below.
    const hooks = new TicketHooks();
    this.knowledge = new KnowledgeService(new KnowledgeRepository(), deps.clock);
    this.catalogue = new CatalogueService(catalogueRepository, this.knowledge);
    const access = new TicketAccess(ticketRepository, this.directory);
    const participants = new TicketParticipants(ticketRepository, this.directory);
    this.tickets = new TicketService(ticketRepository, this.directory, this.catalogue, access, participants, new TicketPresenter(), deps.clock, hooks);
    this.actions = new TicketActionsService(ticketRepository, this.directory, access, participants, deps.storage, deps.clock, hooks);
    const slaRepository = new SlaRepository();
    this.sla = new SlaService(slaRepository, deps.clock);
    this.slaJob = new SlaJob(this.sla, slaRepository, deps.clock);
    const deskRepository = new DeskRepository();
    this.massIncidents = new MassIncidents(deskRepository, ticketRepository, access, this.actions, deps.clock);
    hooks.add(this.sla);
    hooks.add(this.massIncidents);
    this.desk = new DeskService(deskRepository, access, this.directory, this.tickets, this.catalogue, new TicketPresenter(), this.sla, deps.clock);
    this.deskActions = new DeskActionsService(this.actions, access, ticketRepository, this.directory, this.catalogue, this.knowledge, hooks, (ctx) => this.sla.pausedIn(ctx), deps.clock);
    this.tokens = new ApiTokenService(this.directory, deps.clock);
    this.timers = new TimerService(deps.clock, deps.storage);
    this.packSync = new PackSync(catalogueRepository, this.directory);
    this.seeder = new DemoSeeder(this.directory, this.tickets, this.actions);
    this.mail = deps.mail ?? loadMailConfig({}, 'http://localhost');
    this.mailIdentity = new MailIdentity(this.mail);
    this.mailTransport = new MailTransport(this.mail);
    const outboxRepository = new OutboxRepository();
    this.outbox = new OutboxWorker(outboxRepository, this.mailTransport, new MailTemplates(), this.mailIdentity, this.mail, deps.clock);
    this.outboxAdmin = new OutboxAdminService(outboxRepository, deps.clock);
    this.inbound = new InboundMailService(deps.registry, (tenantId) => this.context(tenantId), this.actions, outboxRepository, this.mailIdentity, deps.clock);
    this.sessions = new SessionService(deps.clock);
    this.signIn = new SignInService(this.directory, deps.clock);
    this.ticketSearch = new TicketSearch(ticketRepository, access, this.catalogue, new TicketPresenter());
    this.profiles = new ProfileRepository();
  }

  get demo(): boolean {
    return this.deps.demo ?? false;
  }

  get registry(): TenantRegistry {
    return this.deps.registry;
  }

  /** A context for `tenantId` (404 if unknown), acting as `actor` (the system by default). */
  context(tenantId: string, actor: ActorRef = SYSTEM_ACTOR, locale?: Locale): RequestContext {
    const pack = this.deps.registry.get(tenantId);
    return new RequestContext(pack, actor, locale ?? pack.config.defaultLocale, this.deps.dataSource.manager);
  }

  /** A context acting as the person with `login`. */
  async as(tenantId: string, login: string, locale?: Locale): Promise<RequestContext> {
    const ctx = this.context(tenantId, SYSTEM_ACTOR, locale);
    const person = await this.directory.personByLoginOrId(ctx, login);
    if (!person) throw new Error(`No person "${login}" in tenant "${tenantId}"`);
    return ctx.withActor({ kind: 'person', id: person.id, login: person.login, displayName: person.display_name, roles: person.roles });
  }

  /** Syncs every pack into the database; seeds demo data where asked and the tenant is empty. */
  async syncAll(options: { seed?: boolean } = {}): Promise<void> {
    for (const pack of this.registry.all()) {
      const ctx = this.context(pack.id);
      await this.packSync.sync(ctx);
      if (options.seed) await this.seeder.seed(ctx);
    }
  }

  async close(): Promise<void> {
    this.mailTransport.close();
    await closeDataSource(this.deps.dataSource);
  }

  async runTimers() {
    const reports = [];
    for (const pack of this.registry.all()) {
      reports.push(...(await this.timers.runAll(this.context(pack.id))));
      reports.push(...(await this.slaJob.run(this.context(pack.id))));
      // Expired sessions, finished sign-in round trips and stale sign-in counters.
      await this.sessions.sweep(this.context(pack.id));
      await this.signIn.sweep(this.context(pack.id));
    }
    return reports;
  }

  /** Delivers every tenant's due notifications once; stops early when the SMTP server is unreachable. */
  async runOutbox(): Promise<OutboxRunReport[]> {
    const reports: OutboxRunReport[] = [];
    for (const pack of this.registry.all()) {
      const report = await this.outbox.run(this.context(pack.id));
      reports.push(report);
      if (report.unreachable) break;
    }
    return reports;
  }
}
