import type { EntityManager } from 'typeorm';
import { enterTenantSql, LEAVE_TENANT_SQL } from '../database/tenant-isolation.js';
import type { Locale } from './pack.schema.js';
import type { TenantPack } from './tenant-pack.js';

/** Who acts: a person of the tenant, or the system (timers, seeding). */
export interface ActorRef {
  kind: 'person' | 'system';
  id: string | null;
  login: string;
  displayName: string;
  /** Tenant-wide roles: `agent`, `admin`. */
  roles: string[];
}

export const SYSTEM_ACTOR: ActorRef = { kind: 'system', id: null, login: 'system', displayName: 'Guichet', roles: [] };

/**
 * What every service call needs (Vendure's RequestContext): the tenant, the actor, the
 * locale, and the database manager, which is the open transaction's when there is one.
 */
export class RequestContext {
  constructor(
    readonly tenant: TenantPack,
    readonly actor: ActorRef,
    readonly locale: Locale,
    readonly em: EntityManager,
    /** Work queued for after the outermost transaction commits (shared by the contexts bound to it). */
    private readonly committed: (() => Promise<void>)[] | null = null,
    /** The manager outside any transaction, for work after commit. */
    private readonly root: EntityManager = em,
  ) {}

  get tenantId(): string {
    return this.tenant.id;
  }

  /** The same context bound to another manager (a transaction's). */
  withManager(em: EntityManager): RequestContext {
    return new RequestContext(this.tenant, this.actor, this.locale, em, this.committed, this.root);
  }

  withActor(actor: ActorRef): RequestContext {
    return new RequestContext(this.tenant, actor, this.locale, this.em, this.committed, this.root);
  }

  withLocale(locale: Locale): RequestContext {
    return new RequestContext(this.tenant, this.actor, locale, this.em, this.committed, this.root);
  }

  /** The same context outside any transaction (for after-commit work). */
  outsideTransaction(): RequestContext {
    return new RequestContext(this.tenant, this.actor, this.locale, this.root);
  }

  /** Runs `work` once the current transaction commits (never if it rolls back); at once outside a transaction. */
  afterCommit(work: () => Promise<void>): void {
    if (this.committed && this.inTransaction) this.committed.push(work);
    else void work();
  }

  get inTransaction(): boolean {
    return Boolean(this.em.queryRunner?.isTransactionActive);
  }

  /** Runs `fn` in a transaction, or in the current one if already inside one. */
  async transaction<T>(fn: (ctx: RequestContext) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    const committed: (() => Promise<void>)[] = [];
    const result = await this.em.transaction(async (em) => {
      // Row-level security: the transaction runs as the application role, inside this tenant only.
      await em.query(enterTenantSql(true), [this.tenantId]);
      return fn(new RequestContext(this.tenant, this.actor, this.locale, em, committed, this.root));
    });
    for (const work of committed) await work();
    return result;
  }

  /** Rows of a parametrised statement, whatever its kind (TypeORM's plain results differ for UPDATE and DELETE). */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const own = this.em.queryRunner;
    if (own) return ((await own.query(sql, params, true)).records ?? []) as T[];
    // A statement outside a transaction enters the tenant on its pooled connection, then leaves it.
    const runner = this.em.connection.createQueryRunner();
    let broken: unknown;
    try {
      await runner.query(enterTenantSql(false), [this.tenantId]);
      return ((await runner.query(sql, params, true)).records ?? []) as T[];
    } finally {
      try {
        await runner.query(LEAVE_TENANT_SQL);
      } catch (error) {
        broken = error;
      }
      // A connection that could not leave the tenant is destroyed rather than reused.
      if (broken) await (runner as unknown as { releasePostgresConnection(error: unknown): Promise<void> }).releasePostgresConnection(broken);
      else await runner.release();
    }
  }
}
