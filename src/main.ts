import { Logger } from '@nestjs/common';
import { createApp, serve } from './bootstrap.js';
import { resolveSdkForPlugins } from './bootstrap-sdk.js';
import { queryStats } from './database/query-stats.js';
import { loadConfig } from './config/app-config.js';
import { MAIL_CONFIG, type MailConfig } from './config/mail-config.js';
import { InboundMailService } from './notifications/inbound-mail.service.js';
import { MailIdentity } from './notifications/mail-identity.js';
import { SmtpListener } from './notifications/smtp-listener.js';
import { PackValidationError } from './tenancy/pack-errors.js';
import { TenantRegistry } from './tenancy/tenant-registry.js';

async function main(): Promise<void> {
  // Bad configuration stops here, naming the variable, before anything is opened.
  const config = loadConfig();
  // Plugins installed anywhere import `guichet/plugin`: resolved to this process's SDK.
  resolveSdkForPlugins();
  // Timers and the outbox worker run inside the application (@nestjs/schedule), in every instance.
  const app = await createApp(config);
  const logger = new Logger('Guichet');
  if (!config.databaseUrl) logger.log(`No DATABASE_URL: embedded PostgreSQL in ${config.dataDir}`);
  const mail = app.get<MailConfig>(MAIL_CONFIG);
  const registry = app.get(TenantRegistry);
  if (mail.secretIsDefault) logger.warn('GUICHET_SECRET is not set: reply addresses are signed with a development key; set it in production.');
  const listener = mail.listenPort !== undefined
    ? new SmtpListener(app.get(InboundMailService), app.get(MailIdentity), registry, { port: mail.listenPort, host: mail.listenHost, maxBytes: mail.maxInboundBytes })
    : undefined;
  await listener?.start();
  const serving = await serve(app, { port: config.port, host: config.host, timeoutMs: config.shutdown?.timeoutMs, drainDelayMs: config.shutdown?.delayMs, metricsPort: config.metrics?.port, metricsHost: config.metrics?.host });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: finishing requests in flight, then closing`);
      // A second signal does not wait.
      process.once(signal, () => process.exit(1));
      void Promise.all([serving.shutdown(), listener?.stop()])
        .then(() => process.exit(0))
        .catch((error: Error) => {
          logger.error(`shutdown failed: ${error.stack ?? error}`);
          process.exit(1);
        });
    });
  }
  // Started by a parent with an IPC channel (`npm run bench:http`): it asks how many statements were sent, and the memory.
  if (process.send) process.on('message', (m) => m === 'stats' && process.send!({ stats: queryStats(), rss: process.memoryUsage().rss }));
  process.send?.({ listening: config.port });
  logger.log(`Guichet listening on http://${config.host}:${config.port} (tenants: ${registry.all().map((p) => p.id).join(', ')})`);
}

main().catch((error) => {
  console.error(error instanceof PackValidationError ? error.message : error);
  process.exit(1);
});
