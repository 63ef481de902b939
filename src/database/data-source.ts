import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger, type MigrationInterface } from 'typeorm';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema.js';
import { Sessions1764100000000 } from './migrations/1764100000000-sessions.js';
import { IdentityAndIsolation1795468712504 } from './migrations/1795468712504-identity-and-isolation.js';
import { InboundMail1795468678726 } from './migrations/1795468678726-inbound-mail.js';
import { DeskAndSla1795468770798 } from './migrations/1795468770798-desk-and-sla.js';
import { RequesterIndexOrder1795470734911 } from './migrations/1795470734911-requester-index-order.js';
import { DeskQueueIndex1795469832244 } from './migrations/1795469832244-desk-queue-index.js';
import { IdempotencyKeys1795480000000 } from './migrations/1795480000000-idempotency-keys.js';
import { PackChanges1796600000000 } from './migrations/1796600000000-pack-changes.js';
import { Administration1796600000100 } from './migrations/1796600000100-administration.js';

export const MIGRATIONS = [InitialSchema1764000000000, Sessions1764100000000, IdentityAndIsolation1795468712504, InboundMail1795468678726, DeskAndSla1795468770798, DeskQueueIndex1795469832244, RequesterIndexOrder1795470734911, IdempotencyKeys1795480000000, PackChanges1796600000000, Administration1796600000100];

/** Embedded databases behind data sources: node-postgres does not close them. */
const embedded = new WeakMap<DataSource, { close(): Promise<void> }>();

export interface DatabaseTarget {
  url?: string;
  /** Embedded database folder, used when there is no URL. */
  dataDir?: string;
  /** Migrations run with the core's, in timestamp order: the plugins' own tables, checked by the plugin host. */
  migrations?: (new () => MigrationInterface)[];
}

/**
 * TypeORM's messages as the application's log lines (one line each, JSON in production): a failed
 * statement with its SQL on one line and never its parameters, which carry people's data.
 */
class DatabaseLog implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQuery(): void {}
  logQueryError(error: string | Error, query: string): void {
    this.logger.warn(`query failed: ${error instanceof Error ? error.message : error} (${query.replace(/\s+/g, ' ').trim().slice(0, 300)})`);
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${query.replace(/\s+/g, ' ').trim().slice(0, 300)}`);
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    this.logger.log(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.log(String(message));
  }
}

/**
 * A TypeORM data source on PostgreSQL, or on PGlite (embedded PostgreSQL) when no URL is given.
 * `synchronize` is never on: the schema changes only through migrations.
 */
export async function createDataSource(target: DatabaseTarget): Promise<DataSource> {
  const common = { type: 'postgres' as const, migrations: [...MIGRATIONS, ...(target.migrations ?? [])], synchronize: false, migrationsRun: false, logging: ['error' as const, 'warn' as const, 'migration' as const], logger: new DatabaseLog() };
  let options: DataSourceOptions;
  let pglite: { close(): Promise<void> } | undefined;
  if (target.url) {
    // JIT compiles plans that cost past a threshold; dashboard counts hover around it and paid
    // ~200 ms of compilation for a 50 ms query (docs/benchmarks.md), so it is off for the app.
    options = { ...common, url: target.url, poolSize: 10, extra: { max: 10, options: '-c jit=off' } };
  } else {
    const dir = target.dataDir ?? '.data';
    mkdirSync(dir, { recursive: true });
    // One after the other: Jest's ESM loader fails ("not in cache") when these modules, which share
    // chunks, are linked concurrently.
    const { PGlite } = await import('@electric-sql/pglite');
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
    const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    const db = await PGlite.create(join(dir, 'pg'), { extensions: { unaccent, pg_trgm } });
    pglite = db;
    // PGlite has a single session: one connection, and queries inside a transaction must use its manager.
    options = { ...common, extra: { ...createPgConfig(db), max: 1 }, poolSize: 1 };
  }
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  if (pglite) embedded.set(dataSource, pglite);
  return dataSource;
}

/** Closes the data source and, in embedded mode, the database itself. */
export async function closeDataSource(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) await dataSource.destroy();
  await embedded.get(dataSource)?.close();
  embedded.delete(dataSource);
}

export async function migrate(dataSource: DataSource): Promise<string[]> {
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  return ran.map((m) => m.name);
}
