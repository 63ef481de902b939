import { Injectable, type OnModuleInit } from '@nestjs/common';
import { pluginOptions, PluginEvents, type GuichetEventMap, type RequestContext } from '../../src/plugin-host/index.js';
import { WEBHOOK_EVENTS, webhookBody, type WebhookEvent } from './webhook-events.js';
import { WEBHOOKS } from './webhook-options.js';
import { WebhookRepository } from './webhook.repository.js';

/**
 * The deliveries of each event, written in the transaction of the action that raised it (an
 * outbox): a rolled-back action sends nothing, a committed one is sent even if the process stops.
 */
@Injectable()
export class WebhookOutbox implements OnModuleInit {
  constructor(
    private readonly events: PluginEvents,
    private readonly repository: WebhookRepository,
  ) {}

  onModuleInit(): void {
    for (const event of WEBHOOK_EVENTS) this.subscribe(event);
  }

  private subscribe<N extends WebhookEvent>(event: N): void {
    this.events.on(event, (ctx, payload) => this.enqueue(ctx, event, payload), { phase: 'transaction', name: 'webhooks' });
  }

  private async enqueue<N extends WebhookEvent>(ctx: RequestContext, event: N, payload: GuichetEventMap[N]): Promise<void> {
    if (!pluginOptions(ctx, WEBHOOKS)) return;
    await this.repository.enqueue(ctx, event, webhookBody(ctx.tenantId, event, payload), payload.at);
  }
}
