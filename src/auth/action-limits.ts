import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import { parseDuration } from '../common/units.js';
import type { RequestContext } from '../tenancy/request-context.js';

export type LimitedAction = 'create' | 'search';

/** Past this many counters, expired ones are dropped before adding one. */
const PRUNE_AT = 10_000;

/**
 * Per-person rates of what a script could abuse: creating tickets, searching the directory
 * (`limits.rates` of the pack). Counted in this instance's memory, a fixed window per person and
 * action: no statement is added to a create or a search (issue 12's budgets), at the price of a
 * limit that is per instance (N instances behind a load balancer allow up to N × `max`). Past
 * the rate, 429 `TOO_MANY_REQUESTS` with the time to wait (and Retry-After).
 */
@Injectable()
export class ActionLimits {
  private readonly windows = new Map<string, { start: number; hits: number; ms: number }>();

  constructor(private readonly clock: Clock) {}

  async hit(ctx: RequestContext, action: LimitedAction): Promise<void> {
    if (!ctx.actor.id) return;
    const rate = ctx.tenant.config.limits.rates[action];
    const d = parseDuration(rate.per);
    const ms = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
    const now = this.clock.now().getTime();
    const key = `${ctx.tenantId}\u0000${action}\u0000${ctx.actor.id}`;
    let window = this.windows.get(key);
    if (!window || window.start + window.ms <= now) {
      if (!window && this.windows.size >= PRUNE_AT) this.prune(now);
      window = { start: now, hits: 0, ms };
      this.windows.set(key, window);
    }
    window.hits++;
    if (window.hits > rate.max) {
      const seconds = Math.max(1, Math.ceil((window.start + ms - now) / 1000));
      throw new DomainError('TOO_MANY_REQUESTS', { minutes: Math.ceil(seconds / 60) }, { retryAfterSeconds: seconds });
    }
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.start + window.ms <= now) this.windows.delete(key);
  }
}
