import { Injectable, Logger } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { Clock, pluginOptions, PluginTask, type RequestContext } from '../../src/plugin-host/index.js';
import { WEBHOOKS, type WebhookOptions } from './webhook-options.js';
import { urlProblem } from './address-policy.js';
import { postWebhook, type SendOutcome } from './webhook-sender.js';
import { WebhookRepository, type ClaimedDelivery } from './webhook.repository.js';

export interface WebhookRunReport {
  delivered: number;
  retried: number;
  dead: number;
  /** Delivered and dead deliveries forgotten after `keepDays`. */
  swept: number;
}

/** At most this many batches per tenant and run, so that one tenant's backlog does not starve the others. */
const MAX_BATCHES = 10;

/** Time a worker keeps its claim beyond the receiver's timeout, before another may take the delivery. */
const LEASE_MARGIN_MS = 30_000;

/** base × 2^(n−1) after the n-th failed attempt, capped. */
export function backoffMs(attempts: number, options: Pick<WebhookOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  return Math.min(options.retryBaseMs * 2 ** Math.max(0, attempts - 1), options.retryMaxMs);
}

/** The Standard Webhooks headers of one attempt: the delivery's id (the same on every attempt), the attempt's time, and its signature. */
export function signedHeaders(delivery: Pick<ClaimedDelivery, 'id' | 'payload' | 'secret'>, at: Date): Record<string, string> {
  const id = `msg_${delivery.id}`;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(delivery.secret).sign(id, at, delivery.payload),
  };
}

/**
 * Sends a tenant's due webhook deliveries (the host runs it in every instance on the plugin-task
 * interval). Claims are leased with SKIP LOCKED, so instances never send one delivery at once; a
 * failed attempt waits for an exponential backoff, and the delivery dies after `maxAttempts`.
 */
@Injectable()
export class WebhookWorker extends PluginTask {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly repository: WebhookRepository,
    private readonly clock: Clock,
  ) {
    super();
  }

  async run(ctx: RequestContext): Promise<WebhookRunReport | undefined> {
    const options = pluginOptions(ctx, WEBHOOKS);
    if (!options) return undefined;
    const report: WebhookRunReport = { delivered: 0, retried: 0, dead: 0, swept: 0 };
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const now = this.clock.now();
      const claimed = await this.repository.claim(ctx, now, new Date(now.getTime() + options.timeoutMs + LEASE_MARGIN_MS), options.batchSize);
      const outcomes = await Promise.all(claimed.map((delivery) => this.attempt(ctx, delivery, options)));
      for (const outcome of outcomes) report[outcome]++;
      if (claimed.length < options.batchSize) break;
    }
    report.swept = await this.repository.sweep(ctx, new Date(this.clock.now().getTime() - options.keepDays * 86_400_000));
    return report;
  }

  private async attempt(ctx: RequestContext, delivery: ClaimedDelivery, options: WebhookOptions): Promise<'delivered' | 'retried' | 'dead'> {
    const started = this.clock.now();
    // The pack's policy may have tightened since the subscription was made.
    const refused = urlProblem(delivery.url, options);
    const sent: SendOutcome = refused
      ? { ok: false, statusCode: null, durationMs: 0, error: `ENOTALLOWED: the pack wants ${refused}` }
      : await postWebhook(delivery.url, delivery.payload, { ...signedHeaders(delivery, started), 'user-agent': 'Guichet-Webhooks/0.1' }, options);
    const at = this.clock.now();
    const attempts = delivery.attempts + 1;
    const status = sent.ok ? 'delivered' : attempts >= options.maxAttempts ? 'dead' : 'pending';
    const nextAttemptAt = status === 'pending' ? new Date(at.getTime() + backoffMs(attempts, options)) : at;
    await this.repository.recordAttempt(ctx, delivery, { at: started, statusCode: sent.statusCode, durationMs: sent.durationMs, error: sent.error, status, nextAttemptAt });
    if (status === 'dead') this.logger.warn(`${ctx.tenantId}: webhook msg_${delivery.id} (${delivery.event}) is dead after ${attempts} attempts: ${sent.error}`);
    return status === 'pending' ? 'retried' : status;
  }
}
