import 'reflect-metadata';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { validationPipe } from './api/validation.js';
import { AppModule } from './app.module.js';
import { type Clock, SystemClock } from './common/clock.js';
import type { AppConfig } from './config/app-config.js';
import { Core } from './core.js';
import type { JobIntervals } from './jobs/job-scheduler.js';
import { closeDataSource, createDataSource, migrate } from './database/data-source.js';
import { LocalStorageDriver } from './storage/storage.js';
import { mountPortal } from './portal/assets.js';
import { PackLoader } from './tenancy/pack-loader.js';
import { PluginRegistry } from './plugin-host/plugin-registry.js';
import { FIRST_PARTY_PLUGINS } from '../plugins/index.js';
import { TenantRegistry } from './tenancy/tenant-registry.js';

/** The pack loader with the first-party plugins' checks (auth plugin names and options). */
export function packLoader(dir: string): PackLoader {
  const plugins = new PluginRegistry(FIRST_PARTY_PLUGINS);
  return new PackLoader(dir, (pack, fileOf) => plugins.check(pack, fileOf));
}

/**
 * Boot order: packs loaded and validated (a broken pack stops the boot with every problem
 * listed), database opened and migrated, packs synced, demo data seeded in demo mode.
 */
export async function buildCore(config: AppConfig, options: { clock?: Clock; seed?: boolean } = {}): Promise<Core> {
  const packs = packLoader(config.tenantsDir).loadAll(config.tenants);
  const dataSource = await createDataSource({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(dataSource);
    const core = new Core({
      dataSource,
      registry: new TenantRegistry(packs),
      clock: options.clock ?? new SystemClock(),
      storage: new LocalStorageDriver(config.storageDir),
      mail: config.mail,
      demo: config.demo,
    });
    await core.syncAll({ seed: options.seed ?? config.demo });
    return core;
  } catch (error) {
    await closeDataSource(dataSource);
    throw error;
  }
}

export async function createApp(core: Core, options: { logger?: LoggerService | LogLevel[] | false; jobs?: JobIntervals } = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forCore(core, { jobs: options.jobs }), { logger: options.logger ?? ['error', 'warn', 'log'] });
  app.useGlobalPipes(validationPipe());
  // Portal: DSFR and portal assets served from the packages. Uploads are read by their routes only, after the guards.
  mountPortal(app);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Guichet API')
      .setDescription('Tickets, catalogue and lifecycles of one tenant: every route is under /api/{tenant}/. Tokens: `guichet token <tenant> <login>`.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  return app;
}
