import { type EntityManager, QueryFailedError, type QueryRunner } from 'typeorm';
import { inlineSql } from '../database/inline-sql.js';
import { countQuery } from '../database/query-stats.js';
import { enterTenantLiteralSql, enterTenantSql, LEAVE_TENANT_SQL } from '../database/tenant-isolation.js';
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
    const runner = this.em.connection.createQueryRunner();
    let result: T;
    try {
      await this.begin(runner);
      result = await fn(new RequestContext(this.tenant, this.actor, this.locale, runner.manager, committed, this.root));
      countQuery(1);
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) {
        countQuery(1);
        await runner.rollbackTransaction().catch(() => undefined);
      }
      throw error;
    } finally {
      await runner.release();
    }
    for (const work of committed) await work();
    return result;
  }

  /**
   * BEGIN, then the tenant entered for the transaction only: the row-level security of DESIGN.md
   * (the application role, this tenant's rows). On a PostgreSQL server both go in one round trip
   * (the simple protocol runs the two statements in one message); PGlite gets them one by one.
   */
  private async begin(runner: QueryRunner): Promise<void> {
    if (!folds(runner)) {
      countQuery(2);
      await runner.startTransaction();
      await runner.query(enterTenantSql(true), [this.tenantId]);
      return;
    }
    await runner.connect();
    // What QueryRunner.startTransaction records, without its own START TRANSACTION round trip.
    const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
    state.isTransactionActive = true;
    state.transactionDepth = 1;
    countQuery(2);
    await runner.query(`START TRANSACTION; ${enterTenantLiteralSql(this.tenantId)}`);
  }

  /** Rows of a parametrised statement, whatever its kind (TypeORM's plain results differ for UPDATE and DELETE). */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const own = this.em.queryRunner;
    if (own) {
      countQuery(1);
      return ((await own.query(sql, params, true)).records ?? []) as T[];
    }
    const runner = this.em.connection.createQueryRunner();
    const inlined = folds(runner) ? inlineSql(sql, params) : undefined;
    if (inlined !== undefined) return this.queryInTenant<T>(runner, sql, params, inlined);
    // A statement outside a transaction enters the tenant on its pooled connection, then leaves it.
    let broken: unknown;
    try {
      countQuery(3);
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

  /**
   * One statement outside a transaction in one round trip: the tenant entry (transaction-local)
   * and the statement sent as one simple-protocol message, which PostgreSQL runs as one implicit
   * transaction, so the role and tenant end with it and the pooled connection is left as found.
   */
  private async queryInTenant<T>(runner: QueryRunner, sql: string, params: unknown[], inlined: string): Promise<T[]> {
    try {
      const client = (await runner.connect()) as { query(text: string): Promise<{ rows: unknown[] } | { rows: unknown[] }[]> };
      countQuery(2);
      const results = await client.query(`${enterTenantLiteralSql(this.tenantId)};\n${inlined}`);
      const last = Array.isArray(results) ? results[results.length - 1] : results;
      return (last?.rows ?? []) as T[];
    } catch (error) {
      // The shape TypeORM gives the rest of the code (error filter, outage and data checks).
      throw error instanceof Error && 'code' in error ? new QueryFailedError(sql, params, error) : error;
    } finally {
      await runner.release();
    }
  }
}

/** Whether the data source is a PostgreSQL server (several statements per message), not PGlite. */
function folds(runner: QueryRunner): boolean {
  return Boolean((runner.connection.options as { url?: string }).url);
}
