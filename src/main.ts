import { Logger } from '@nestjs/common';
import { buildCore, createApp } from './bootstrap.js';
import { loadConfig } from './config/app-config.js';
import { PackValidationError } from './tenancy/pack-errors.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger('Guichet');
  if (!config.databaseUrl) logger.log(`No DATABASE_URL: embedded PostgreSQL in ${config.dataDir}`);
  const core = await buildCore(config);
  const app = await createApp(core);
  const interval = Number(process.env.GUICHET_TIMER_INTERVAL_MS ?? 60_000);
  if (interval > 0) {
    const timer = setInterval(() => core.runTimers().catch((error) => logger.error(`Timers failed: ${error}`)), interval);
    timer.unref();
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: closing`);
      void app
        .close()
        .then(() => core.close())
        .finally(() => process.exit(0));
    });
  }
  await app.listen(config.port);
  logger.log(`Guichet listening on http://localhost:${config.port} (tenants: ${core.registry.all().map((p) => p.id).join(', ')})`);
}

main().catch((error) => {
  console.error(error instanceof PackValidationError ? error.message : error);
  process.exit(1);
});
