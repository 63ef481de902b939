import 'reflect-metadata';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Logger, type INestApplication, type INestApplicationContext, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { InputGuard } from './api/input.guard.js';
import { withErrorResponses } from './api/openapi-errors.js';
import { validationPipe } from './api/validation.js';
import { applySecurityHeaders } from './common/security-headers.js';
import { AppModule } from './app.module.js';
import { type Clock, SystemClock } from './common/clock.js';
import { loadLogConfig, type AppConfig, type LogConfig } from './config/app-config.js';
import { createLogger, PinoNestLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { ProcessState } from './observability/process-state.js';
import { requestLogging } from './observability/request-logging.js';
import type { DestinationStream, Logger as Pino } from 'pino';
import { loadMailConfig } from './config/mail-config.js';
import { Deployment } from './deployment/deployment.service.js';
import { JobScheduler } from './jobs/job-scheduler.js';
import { LocalStorageDriver, type StorageDriver } from './storage/storage.js';
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

/**
 * The deployment's storage driver: the core's local folder (`local`, the default) or the one a
 * loaded plugin provides under the name `GUICHET_STORAGE_DRIVER` gives, with its options checked.
 */
export function storageDriver(config: AppConfig, plugins: PluginRegistry): StorageDriver {
  const name = config.storageDriver ?? 'local';
  if (name === 'local') return new LocalStorageDriver(config.storageDir);
  const provided = plugins.all().flatMap((p) => Object.entries(p.provides.storageDrivers ?? {}).map(([driver, capability]) => ({ driver, capability })));
  const found = provided.find((d) => d.driver === name);
  if (!found) throw new Error(`GUICHET_STORAGE_DRIVER: expected local${provided.map((d) => `, ${d.driver}`).join('')}, got "${name}"`);
  const options = found.capability.options.safeParse(config.storageOptions ?? {});
  if (!options.success) throw new Error(`GUICHET_STORAGE_OPTIONS: ${options.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
  return found.capability.create(options.data, { dataDir: config.dataDir });
}

/**
 * The pack loader with the plugins' checks (auth plugin names and options), what packs may turn
 * on (their `plugins:`), and where `${VAR}` in their options is resolved.
 */
export function packLoader(dir: string, plugins: PluginRegistry = new PluginRegistry(FIRST_PARTY_PLUGINS as GuichetPlugin[]), environment?: PackEnvironment): PackLoader {
  return new PackLoader(dir, (pack, fileOf) => plugins.check(pack, fileOf), plugins.all(), environment);
}

export interface GuichetBootOptions {
  clock?: Clock;
  /** Seed demo data into empty tenants (by default in demo mode). */
  seed?: boolean;
  /** Nest's log levels (tests pass `['error']`), mapped onto the pino logger's level; `false` silences it. */
  logger?: LoggerService | LogLevel[] | false;
  /** Where log lines go (stdout by default): tests read them from a stream. */
  logDestination?: DestinationStream;
  /** `createContext` only: migrate and sync packs before returning (default). Off for commands that must not change the database (`tenants plan`). */
  prepare?: boolean;
}

/** The process's logger, from the configuration or, when a test asks for Nest levels, the lowest of them. */
function bootLogger(config: AppConfig, options: GuichetBootOptions): { pino: Pino; nest: LoggerService } {
  const log: LogConfig = config.log ?? loadLogConfig({ NODE_ENV: process.env.NODE_ENV }, false);
  const levels = options.logger;
  if (levels && !Array.isArray(levels)) return { pino: createLogger({ ...log, destination: options.logDestination }), nest: levels };
  const level: LogConfig['level'] =
    levels === false ? 'silent'
    : !levels ? log.level
    : levels.includes('debug') || levels.includes('verbose') ? 'debug'
    : levels.includes('log') ? 'info'
    : levels.includes('warn') ? 'warn'
    : levels.includes('error') || levels.includes('fatal') ? 'error'
    : 'silent';
  const pino = createLogger({ ...log, level, destination: options.logDestination });
  return { pino, nest: new PinoNestLogger(pino) };
}

async function moduleFor(config: AppConfig, options: GuichetBootOptions, observed: { metrics: Metrics; state: ProcessState }, logger: LoggerService) {
  const plugins = await loadPlugins(config.plugins);
  // A broken pack stops the boot with every problem listed, before the database is opened.
  const packs = packLoader(config.tenantsDir, plugins, { env: config.env ?? process.env, demo: config.demo }).loadAll(config.tenants);
  for (const pack of packs) {
    // Through the deployment's logger (JSON in production), not Nest's default one.
    for (const m of pack.unconfigured) logger.warn(`${pack.id}: sign-in "${m.plugin}" not offered, set ${m.variables.join(', ')} (demo mode)`, 'Packs');
  }
  return AppModule.register({
    config: { ...config, mail: config.mail ?? loadMailConfig({}, config.publicUrl) },
    registry: new TenantRegistry(packs),
    plugins,
    clock: options.clock ?? new SystemClock(),
    storage: storageDriver(config, plugins),
    ...observed,
  });
}

/**
 * The HTTP application. Boot order: plugins loaded and checked, packs loaded and validated, the
 * database opened, the application initialised (subscribers registered), migrated, packs synced,
 * demo data seeded in demo mode. `listen` is the caller's.
 */
export async function createApp(config: AppConfig, options: GuichetBootOptions = {}): Promise<INestApplication> {
  const { pino, nest } = bootLogger(config, options);
  const observed = { metrics: new Metrics(), state: new ProcessState() };
  const module = await moduleFor(config, options, observed, nest);
  const app = await NestFactory.create(module, { logger: nest });
  try {
    // First of all: every request gets its id, its log line and its place in the HTTP histogram.
    const tenants = new Set(app.get(TenantRegistry).all().map((p) => p.id));
    app.use(requestLogging(pino, observed.metrics, tenants));
    applySecurityHeaders(app, { trustProxy: config.trustProxy });
    // Before every other guard: no NUL, lone surrogate or deep nesting reaches a route (400 naming the field).
    app.useGlobalGuards(new InputGuard());
    app.useGlobalPipes(validationPipe());
    // Portal: DSFR and portal assets served from the packages, multipart forms parsed before the session guard.
    mountPortal(app);
    const document = withErrorResponses(SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Guichet API')
        .setDescription('Tickets, catalogue and lifecycles of one tenant: every route is under /api/{tenant}/. Tokens: `guichet token <tenant> <login>`.')
        .setVersion('0.1.0')
        .addBearerAuth()
        .build(),
    ));
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
    await app.init();
    await app.get(Deployment).prepare({ seed: options.seed ?? config.demo });
    app.get(JobScheduler).start();
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** The same services without HTTP, for the CLI, a second instance in tests and benchmarks. */
export async function createContext(config: AppConfig, options: GuichetBootOptions = {}): Promise<INestApplicationContext> {
  const { nest } = bootLogger(config, { ...options, logger: options.logger ?? ['error', 'warn'] });
  const app = await NestFactory.createApplicationContext(await moduleFor(config, options, { metrics: new Metrics({ processMetrics: false }), state: new ProcessState() }, nest), { logger: nest });
  try {
    if (options.prepare !== false) {
      await app.get(Deployment).prepare({ seed: options.seed ?? false });
      app.get(JobScheduler).start();
    }
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** A listening application and the way to stop it. */
export interface Serving {
  server: Server;
  /** The metrics listener, when `metricsPort` was given. */
  metricsServer?: Server;
  /** Requests received and not yet answered. */
  inFlight(): number;
  /**
   * Graceful shutdown: readiness answers 503 (after `drainDelayMs`, time for a load balancer to
   * notice), the listener stops accepting, requests in flight finish (at most `timeoutMs`, then
   * their connections are cut), idle keep-alive connections are closed, then the application
   * closes: no new job run, runs in progress finish and release what they claimed, the pool
   * closes. Resolves once all of that is done; calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
}

export interface ServeOptions {
  port: number;
  host?: string;
  /** A port of its own for `/metrics` (no token: keep it off the public network), on `metricsHost` (default `host`). */
  metricsPort?: number;
  metricsHost?: string;
  timeoutMs?: number;
  drainDelayMs?: number;
}

export async function serve(app: INestApplication, options: ServeOptions): Promise<Serving> {
  const server = app.getHttpServer() as Server;
  const state = app.get(ProcessState);
  const logger = new Logger('Shutdown');
  const active = new Set<ServerResponse>();
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    active.add(res);
    // Once draining, a kept-alive connection is closed after its answer instead of waiting idle.
    if (state.draining) res.setHeader('Connection', 'close');
    res.once('close', () => active.delete(res));
  });
  if (options.host) await app.listen(options.port, options.host);
  else await app.listen(options.port);
  const metricsServer = options.metricsPort === undefined ? undefined : await serveMetrics(app.get(Metrics), options.metricsPort, options.metricsHost ?? options.host);
  let closing: Promise<void> | undefined;
  return {
    server,
    metricsServer,
    inFlight: () => active.size,
    shutdown: () =>
      (closing ??= (async () => {
        state.startDraining();
        for (const res of active) if (!res.headersSent) res.setHeader('Connection', 'close');
        if (options.drainDelayMs) await new Promise((r) => setTimeout(r, options.drainDelayMs));
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = Date.now() + (options.timeoutMs ?? 10_000);
        while (active.size > 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 25));
          server.closeIdleConnections();
        }
        if (active.size > 0) logger.warn(`${active.size} requests still running after ${options.timeoutMs ?? 10_000} ms: their connections are closed`);
        server.closeAllConnections();
        await closed;
        await app.close();
        if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      })()),
  };
}

/** `GET /metrics` on a listener of its own: nothing else is served there. */
async function serveMetrics(metrics: Metrics, port: number, host?: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
