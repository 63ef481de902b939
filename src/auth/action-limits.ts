import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import { parseDuration } from '../common/units.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { SignInRepository } from './sign-in.repository.js';

export type LimitedAction = 'create' | 'search';

/**
 * Per-person rates of what a script could abuse: creating tickets, searching the directory
 * (`limits.rates` of the pack). Counted in PostgreSQL like sign-in attempts, so every instance
 * shares the count; past the rate, 429 `TOO_MANY_REQUESTS` with the minutes to wait (and Retry-After).
 */
@Injectable()
export class ActionLimits {
  constructor(
    private readonly counters: SignInRepository,
    private readonly clock: Clock,
  ) {}

  async hit(ctx: RequestContext, action: LimitedAction): Promise<void> {
    if (!ctx.actor.id) return;
    const rate = ctx.tenant.config.limits.rates[action];
    const d = parseDuration(rate.per);
    const windowMs = ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000;
    const now = this.clock.now();
    const row = await this.counters.hit(ctx, `rate:${action}:${ctx.actor.id}`, now, new Date(now.getTime() - windowMs));
    if (row.hits > rate.max) {
      const seconds = Math.max(1, Math.ceil((new Date(row.window_start).getTime() + windowMs - now.getTime()) / 1000));
      throw new DomainError('TOO_MANY_REQUESTS', { minutes: Math.ceil(seconds / 60) }, { retryAfterSeconds: seconds });
    }
  }
}
