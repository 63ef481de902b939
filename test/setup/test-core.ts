import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AdminAudit } from '../../src/admin/admin-audit.js';
import { AdminOrganisation } from '../../src/admin/admin-org.service.js';
import { AdminPeople } from '../../src/admin/admin-people.service.js';
import { DirectorySync } from '../../src/admin/directory-sync.service.js';
import { ApiTokenService } from '../../src/auth/api-token.service.js';
import { SessionService } from '../../src/auth/session.service.js';
import { SignInService } from '../../src/auth/sign-in.service.js';
import { CatalogueService } from '../../src/catalogue/catalogue.service.js';
import { Clock } from '../../src/common/clock.js';
import { APP_CONFIG, type AppConfig } from '../../src/config/app-config.js';
import { MAIL_CONFIG, type MailConfig } from '../../src/config/mail-config.js';
import { DemoSeeder } from '../../src/deployment/demo-seeder.js';
import { Deployment } from '../../src/deployment/deployment.service.js';
import { PackSync } from '../../src/deployment/pack-sync.js';
import { DeskActionsService } from '../../src/desk/desk-actions.service.js';
import { DeskService } from '../../src/desk/desk.service.js';
import { MassIncidents } from '../../src/desk/mass-incidents.js';
import { DirectoryRepository } from '../../src/directory/directory.repository.js';
import { ProfileRepository } from '../../src/directory/profile.repository.js';
import { EventBus } from '../../src/events/event-bus.js';
import { BackgroundJobs } from '../../src/jobs/background-jobs.js';
import { TimerService } from '../../src/jobs/timer.service.js';
import { KnowledgeService } from '../../src/knowledge/knowledge.service.js';
import { InboundMailService } from '../../src/notifications/inbound-mail.service.js';
import { MailIdentity } from '../../src/notifications/mail-identity.js';
import { OutboxAdminService } from '../../src/notifications/outbox-admin.service.js';
import { OutboxWorker } from '../../src/notifications/outbox.worker.js';
import { SlaJob } from '../../src/sla/sla.job.js';
import { SlaService } from '../../src/sla/sla.service.js';
import { StorageDriver } from '../../src/storage/storage.js';
import type { Locale } from '../../src/tenancy/pack.schema.js';
import { SYSTEM_ACTOR, type ActorRef, type RequestContext } from '../../src/tenancy/request-context.js';
import { TenantContexts } from '../../src/tenancy/tenant-contexts.js';
import { TenantRegistry } from '../../src/tenancy/tenant-registry.js';
import { TicketActionsService } from '../../src/tickets/ticket-actions.service.js';
import { TicketSearch } from '../../src/tickets/ticket-search.service.js';
import { TicketService } from '../../src/tickets/ticket.service.js';

/**
 * Tests' typed access to the services of one running instance (`app.get(Type)` under short
 * names), so that a test reads like the action it checks. Production code never uses it: there,
 * services ask for what they use by type.
 */
export class TestCore {
  constructor(readonly app: INestApplicationContext) {}

  get catalogue() { return this.app.get(CatalogueService); }
  get tickets() { return this.app.get(TicketService); }
  get actions() { return this.app.get(TicketActionsService); }
  get tokens() { return this.app.get(ApiTokenService); }
  get directory() { return this.app.get(DirectoryRepository); }
  get timers() { return this.app.get(TimerService); }
  get packSync() { return this.app.get(PackSync); }
  get seeder() { return this.app.get(DemoSeeder); }
  get mail() { return this.app.get<MailConfig>(MAIL_CONFIG); }
  get mailIdentity() { return this.app.get(MailIdentity); }
  get outbox() { return this.app.get(OutboxWorker); }
  get outboxAdmin() { return this.app.get(OutboxAdminService); }
  get inbound() { return this.app.get(InboundMailService); }
  get sessions() { return this.app.get(SessionService); }
  get signIn() { return this.app.get(SignInService); }
  get ticketSearch() { return this.app.get(TicketSearch); }
  get profiles() { return this.app.get(ProfileRepository); }
  get desk() { return this.app.get(DeskService); }
  get deskActions() { return this.app.get(DeskActionsService); }
  get massIncidents() { return this.app.get(MassIncidents); }
  get sla() { return this.app.get(SlaService); }
  get slaJob() { return this.app.get(SlaJob); }
  get knowledge() { return this.app.get(KnowledgeService); }
  get events() { return this.app.get(EventBus); }
  get registry() { return this.app.get(TenantRegistry); }
  get adminPeople() { return this.app.get(AdminPeople); }
  get adminOrg() { return this.app.get(AdminOrganisation); }
  get adminAudit() { return this.app.get(AdminAudit); }
  get directorySync() { return this.app.get(DirectorySync); }
  get demo(): boolean { return this.app.get<AppConfig>(APP_CONFIG).demo; }

  /** Turns demo mode on or off in the running instance (its configuration is read at each request). */
  setDemo(on: boolean): void {
    this.app.get<AppConfig>(APP_CONFIG).demo = on;
  }

  /** What the instance was built from. */
  get deps() {
    return { dataSource: this.app.get(DataSource), clock: this.app.get(Clock), storage: this.app.get(StorageDriver), registry: this.registry, demo: this.demo, mail: this.mail };
  }

  context(tenantId: string, actor: ActorRef = SYSTEM_ACTOR, locale?: Locale): RequestContext {
    return this.app.get(TenantContexts).for(tenantId, actor, locale);
  }

  /** A context acting as the person with `login`. */
  async as(tenantId: string, login: string, locale?: Locale): Promise<RequestContext> {
    const ctx = this.context(tenantId, SYSTEM_ACTOR, locale);
    const person = await this.directory.personByLoginOrId(ctx, login);
    if (!person) throw new Error(`No person "${login}" in tenant "${tenantId}"`);
    return ctx.withActor({ kind: 'person', id: person.id, login: person.login, displayName: person.display_name, roles: person.roles });
  }

  syncAll(options: { seed?: boolean } = {}): Promise<void> {
    return this.app.get(Deployment).syncAll(options);
  }

  runTimers() {
    return this.app.get(BackgroundJobs).runTimers();
  }

  runOutbox() {
    return this.app.get(BackgroundJobs).runOutbox();
  }

  /** Every plugin's background task once, for every tenant (webhook deliveries…). */
  runPluginTasks() {
    return this.app.get(BackgroundJobs).runPluginTasks();
  }

  close(): Promise<void> {
    return this.app.close();
  }
}
