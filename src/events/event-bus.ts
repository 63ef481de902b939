import { Injectable, Logger } from '@nestjs/common';
import type { GuichetEventMap, GuichetEventName, SubscriberPhase } from '../plugin-host/events.js';
import { PluginEvents } from '../plugin-host/services.js';
import type { RequestContext } from '../tenancy/request-context.js';

export type EventHandler<N extends GuichetEventName> = (ctx: RequestContext, payload: GuichetEventMap[N]) => Promise<void> | void;

interface Subscription {
  name: string;
  phase: SubscriberPhase;
  handler: EventHandler<GuichetEventName>;
}

/**
 * The typed events of DESIGN.md § Events. A domain publishes; what reacts to it (notifications,
 * SLA clocks, mass incidents, plugins) subscribes, so the publisher never imports it.
 * `transaction` subscribers run in the publisher's transaction, in subscription order, and a
 * failure rolls the whole action back; `after-commit` ones run once the outermost transaction
 * has committed (a failure is logged: put nothing there that must not be lost).
 */
@Injectable()
export class EventBus extends PluginEvents {
  private readonly logger = new Logger('Events');
  private readonly subscriptions = new Map<GuichetEventName, Subscription[]>();

  constructor() {
    super();
  }

  on<N extends GuichetEventName>(event: N, handler: EventHandler<N>, options: { phase?: SubscriberPhase; name?: string } = {}): () => void {
    const subscription: Subscription = { name: options.name ?? handler.name, phase: options.phase ?? 'transaction', handler: handler as EventHandler<GuichetEventName> };
    const list = this.subscriptions.get(event) ?? [];
    list.push(subscription);
    this.subscriptions.set(event, list);
    return () => {
      const at = list.indexOf(subscription);
      if (at >= 0) list.splice(at, 1);
    };
  }

  async publish<N extends GuichetEventName>(ctx: RequestContext, event: N, payload: GuichetEventMap[N]): Promise<void> {
    for (const subscription of this.subscriptions.get(event) ?? []) {
      if (subscription.phase === 'transaction') {
        await subscription.handler(ctx, payload);
      } else {
        ctx.afterCommit(async () => {
          try {
            await subscription.handler(ctx.outsideTransaction(), payload);
          } catch (error) {
            this.logger.error(`${event} subscriber ${subscription.name} failed after commit: ${(error as Error).stack ?? error}`);
          }
        });
      }
    }
  }
}
