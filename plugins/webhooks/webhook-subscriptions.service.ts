import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock, DomainError, FieldErrors, pluginOptions, type RequestContext } from '../../src/plugin-host/index.js';
import { urlProblem } from './address-policy.js';
import { WEBHOOKS, type WebhookOptions } from './webhook-options.js';
import { WebhookRepository, type Delivery, type DeliveryStatus, type Subscription } from './webhook.repository.js';

export interface SubscriptionChanges {
  url?: string;
  events?: string[];
  description?: string;
  active?: boolean;
}

/** A signing secret the Standard Webhooks way: `whsec_` and 32 random bytes in base64. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * A tenant's webhook subscriptions, for its administrators (the routes need the `admin` scope and
 * role). The plugin answers 404 in a tenant whose pack does not turn it on. A secret is shown
 * when it is made (creation, rotation), never listed.
 */
@Injectable()
export class WebhookSubscriptions {
  constructor(
    private readonly repository: WebhookRepository,
    private readonly clock: Clock,
  ) {}

  list(ctx: RequestContext): Promise<Subscription[]> {
    this.options(ctx);
    return this.repository.list(ctx);
  }

  async get(ctx: RequestContext, id: string): Promise<Subscription> {
    this.options(ctx);
    return this.found(await this.repository.find(ctx, id));
  }

  async create(ctx: RequestContext, input: Required<Pick<SubscriptionChanges, 'url' | 'events'>> & SubscriptionChanges & { secret?: string }): Promise<Subscription & { secret: string }> {
    const options = this.options(ctx);
    this.check(input, options);
    const secret = input.secret ?? newSecret();
    return ctx.transaction(async (tx) => {
      // Counted in the creating transaction; two creations at once may pass the limit by one, which is harmless.
      if ((await this.repository.count(tx)) >= options.maxSubscriptions) {
        const errors = new FieldErrors();
        errors.add('url', 'rule.maxItems', { max: options.maxSubscriptions });
        errors.throwIfAny();
      }
      const id = await this.repository.create(tx, { url: input.url, events: unique(input.events), description: input.description ?? '', active: input.active ?? true, secret }, this.clock.now());
      return { ...this.found(await this.repository.find(tx, id)), secret };
    });
  }

  async update(ctx: RequestContext, id: string, changes: SubscriptionChanges): Promise<Subscription> {
    const options = this.options(ctx);
    this.check(changes, options);
    if (!(await this.repository.update(ctx, id, { ...changes, events: changes.events && unique(changes.events) }, this.clock.now()))) throw new DomainError('NOT_FOUND');
    return this.found(await this.repository.find(ctx, id));
  }

  /** A new secret, effective for the next attempt of every delivery (those in flight were signed with the old one). */
  async rotateSecret(ctx: RequestContext, id: string): Promise<{ id: string; secret: string }> {
    this.options(ctx);
    const secret = newSecret();
    if (!(await this.repository.update(ctx, id, { secret }, this.clock.now()))) throw new DomainError('NOT_FOUND');
    return { id, secret };
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    this.options(ctx);
    if (!(await this.repository.delete(ctx, id))) throw new DomainError('NOT_FOUND');
  }

  async deliveries(ctx: RequestContext, id: string, status: DeliveryStatus | undefined, limit: number): Promise<{ subscription: Subscription; items: Delivery[] }> {
    this.options(ctx);
    const subscription = this.found(await this.repository.find(ctx, id));
    return { subscription, items: await this.repository.deliveries(ctx, subscription.id, status, limit) };
  }

  /** Sends a dead delivery again now, with a fresh attempt count and the same webhook-id (409 once delivered). */
  async retry(ctx: RequestContext, deliveryId: string): Promise<{ id: string; status: 'pending' }> {
    this.options(ctx);
    const outcome = await this.repository.retry(ctx, deliveryId, this.clock.now());
    if (outcome === 'missing') throw new DomainError('NOT_FOUND');
    if (outcome === 'delivered') throw new DomainError('CONFLICT');
    return { id: deliveryId, status: 'pending' };
  }

  private options(ctx: RequestContext): WebhookOptions {
    const options = pluginOptions(ctx, WEBHOOKS);
    if (!options) throw new DomainError('NOT_FOUND');
    return options;
  }

  private check(input: SubscriptionChanges & { secret?: string }, options: WebhookOptions): void {
    const errors = new FieldErrors();
    if (input.url !== undefined) {
      const problem = urlProblem(input.url, options);
      if (problem) errors.add('url', 'rule.url', { expected: problem });
    }
    if (input.events !== undefined && !input.events.length) errors.add('events', 'rule.required');
    errors.throwIfAny();
  }

  private found(subscription: Subscription | undefined): Subscription {
    if (!subscription) throw new DomainError('NOT_FOUND');
    return subscription;
  }
}

function unique(events: string[]): string[] {
  return [...new Set(events)];
}
