import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Locale } from '../common/localized.js';
import { RequestContext, SYSTEM_ACTOR, type ActorRef } from './request-context.js';
import { TenantRegistry } from './tenant-registry.js';

/** Builds the RequestContext of a tenant: its pack, an actor, a locale, the database. */
@Injectable()
export class TenantContexts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: TenantRegistry,
  ) {}

  /** A context for `tenantId` (404 if the deployment does not serve it), acting as `actor` (the system by default). */
  for(tenantId: string, actor: ActorRef = SYSTEM_ACTOR, locale?: Locale): RequestContext {
    const pack = this.registry.get(tenantId);
    return new RequestContext(pack, actor, locale ?? pack.config.defaultLocale, this.dataSource.manager);
  }

  /** One context per tenant this deployment serves, for background work. */
  all(): RequestContext[] {
    return this.registry.all().map((pack) => this.for(pack.id));
  }
}
