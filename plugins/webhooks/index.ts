import { definePlugin } from '../../src/plugin-host/index.js';
import { PluginWebhooks1796411213660 } from './migrations/1796411213660-webhooks.js';
import { WEBHOOK_EVENTS } from './webhook-events.js';
import { webhookOptions } from './webhook-options.js';
import { WebhookOutbox } from './webhook-outbox.js';
import { WebhookSubscriptions } from './webhook-subscriptions.service.js';
import { WebhookWorker } from './webhook.worker.js';
import { WebhookRepository } from './webhook.repository.js';
import { WebhooksController } from './webhooks.controller.js';

/**
 * Webhooks: a tenant's administrators subscribe URLs to ticket events; each event becomes a
 * delivery in the action's transaction, signed the Standard Webhooks way and sent by a worker in
 * every instance, retried with backoff until it is delivered or dead. A pack turns it on with
 * `plugins: [{ plugin: webhooks, options: { … } }]`. See docs/plugins.md § Webhooks.
 */
export const webhooksPlugin = definePlugin({
  name: 'webhooks',
  version: '0.1.0',
  core: '^0.1',
  description: 'Signed HTTP callbacks of ticket events (Standard Webhooks), per-tenant subscriptions, retried from an outbox',
  options: webhookOptions,
  provides: { events: [...WEBHOOK_EVENTS] },
  controllers: [WebhooksController],
  providers: [WebhookRepository, WebhookSubscriptions, WebhookOutbox, WebhookWorker],
  migrations: [PluginWebhooks1796411213660],
  tasks: [{ name: 'deliveries', task: WebhookWorker }],
});

export { WebhookWorker } from './webhook.worker.js';
