import 'reflect-metadata';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger, type INestApplication, type INestApplicationContext, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { InputGuard } from './api/input.guard.js';
import { validationPipe } from './api/validation.js';
import { applySecurityHeaders } from './common/security-headers.js';
import { AppModule } from './app.module.js';
import { type Clock, SystemClock } from './common/clock.js';
import type { AppConfig } from './config/app-config.js';
import { loadMailConfig } from './config/mail-config.js';
import { Deployment } from './deployment/deployment.service.js';
import { LocalStorageDriver } from './storage/storage.js';
import { mountPortal } from './portal/assets.js';
import { PackLoader } from './tenancy/pack-loader.js';
import type { PackEnvironment } from './tenancy/pack-environment.js';
import type { GuichetPlugin } from './plugin-host/plugin.js';
import { PluginRegistry } from './plugin-host/plugin-registry.js';
import { FIRST_PARTY_PLUGINS } from '../plugins/index.js';
import { TenantRegistry } from './tenancy/tenant-registry.js';

/**
 * The plugins of this deployment: the first-party ones, then those the configuration names by
 * package or path (GUICHET_PLUGINS). A module exports its definition as `default` or `plugin`.
 * Each one's core range is checked here: a mismatch stops the boot naming the plugin.
 */
export async function loadPlugins(names: string[] = []): Promise<PluginRegistry> {
  const outside: GuichetPlugin[] = [];
  for (const name of names) {
    const specifier = name.startsWith('.') || isAbsolute(name) ? pathToFileURL(resolve(name)).href : name;
    let module: { default?: GuichetPlugin; plugin?: GuichetPlugin };
    try {
      module = (await import(specifier)) as typeof module;
    } catch (error) {
      throw new Error(`Plugin "${name}" could not be loaded: ${(error as Error).message}`, { cause: error });
    }
    const plugin = module.plugin ?? module.default;
    if (!plugin?.name || !plugin.provides || !plugin.options) throw new Error(`Plugin "${name}" exports no plugin definition (definePlugin(...) as default or \`plugin\`)`);
    outside.push(plugin);
  }
  return new PluginRegistry([...(FIRST_PARTY_PLUGINS as GuichetPlugin[]), ...outside]);
}

/** The pack loader with the plugins' checks (auth plugin names and options). */
export function packLoader(dir: string, plugins: PluginRegistry = new PluginRegistry(FIRST_PARTY_PLUGINS as GuichetPlugin[]), environment?: PackEnvironment): PackLoader {
  return new PackLoader(dir, (pack, fileOf) => plugins.check(pack, fileOf), environment);
}

export interface GuichetBootOptions {
  clock?: Clock;
  /** Seed demo data into empty tenants (by default in demo mode). */
  seed?: boolean;
  logger?: LoggerService | LogLevel[] | false;
  /** `createContext` only: migrate and sync packs before returning (default). Off for commands that must not change the database (`tenants plan`). */
  prepare?: boolean;
}

async function moduleFor(config: AppConfig, options: GuichetBootOptions) {
  const plugins = await loadPlugins(config.plugins);
  // A broken pack stops the boot with every problem listed, before the database is opened.
  const packs = packLoader(config.tenantsDir, plugins, { env: config.env ?? process.env, demo: config.demo }).loadAll(config.tenants);
  for (const pack of packs) {
    for (const m of pack.unconfigured) new Logger('Packs').warn(`${pack.id}: sign-in "${m.plugin}" not offered, set ${m.variables.join(', ')} (demo mode)`);
  }
  return AppModule.register({
    config: { ...config, mail: config.mail ?? loadMailConfig({}, config.publicUrl) },
    registry: new TenantRegistry(packs),
    plugins,
    clock: options.clock ?? new SystemClock(),
    storage: new LocalStorageDriver(config.storageDir),
  });
}

/**
 * The HTTP application. Boot order: plugins loaded and checked, packs loaded and validated, the
 * database opened, the application initialised (subscribers registered), migrated, packs synced,
 * demo data seeded in demo mode. `listen` is the caller's.
 */
export async function createApp(config: AppConfig, options: GuichetBootOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(await moduleFor(config, options), { logger: options.logger ?? ['error', 'warn', 'log'] });
  try {
    applySecurityHeaders(app, { trustProxy: config.trustProxy });
    // Before every other guard: no NUL, lone surrogate or deep nesting reaches a route (400 naming the field).
    app.useGlobalGuards(new InputGuard());
    app.useGlobalPipes(validationPipe());
    // Portal: DSFR and portal assets served from the packages, multipart forms parsed before the session guard.
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
    await app.init();
    await app.get(Deployment).prepare({ seed: options.seed ?? config.demo });
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** The same services without HTTP, for the CLI, a second instance in tests and benchmarks. */
export async function createContext(config: AppConfig, options: GuichetBootOptions = {}): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(await moduleFor(config, options), { logger: options.logger ?? ['error', 'warn'] });
  try {
    if (options.prepare !== false) await app.get(Deployment).prepare({ seed: options.seed ?? false });
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}
