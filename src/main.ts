import { Logger } from '@nestjs/common';
import { buildCore, createApp } from './bootstrap.js';
import { loadConfig } from './config/app-config.js';
import { SmtpListener } from './notifications/smtp-listener.js';
import { PackValidationError } from './tenancy/pack-errors.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new Logger('Guichet');
  if (!config.databaseUrl) logger.log(`No DATABASE_URL: embedded PostgreSQL in ${config.dataDir}`);
  const core = await buildCore(config);
  // Timers and the outbox worker run inside the application (@nestjs/schedule), in every instance.
  const app = await createApp(core, { jobs: config.jobs, trustProxy: config.trustProxy });
  if (core.mail.secretIsDefault) logger.warn('GUICHET_SECRET is not set: reply addresses are signed with a development key; set it in production.');
  const listener = core.mail.listenPort !== undefined
    ? new SmtpListener(core.inbound, core.mailIdentity, core.registry, { port: core.mail.listenPort, host: core.mail.listenHost, maxBytes: core.mail.maxInboundBytes })
    : undefined;
  await listener?.start();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: closing`);
      void app
        .close()
        .then(() => listener?.stop())
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
