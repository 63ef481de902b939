import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { isValidUai } from '../common/uai.js';
import type { SignedInIdentity } from '../plugin-host/claim-mapping.js';
import { INTEGRATION_LOGIN_PREFIX } from './api-token.service.js';
import { SignInRepository } from './sign-in.repository.js';

/** How many sign-in attempts a window allows, per client address and per login. */
export interface SignInLimits {
  perAddress: number;
  perLogin: number;
  windowMs: number;
}

/**
 * Generous per address: a school's staff signs in from one NAT address at 8 a.m. Tight per
 * login: nobody needs twenty tries in ten minutes.
 */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perAddress: 300, perLogin: 20, windowMs: 10 * 60_000 };

import { SignInError } from '../plugin-host/sign-in-host.js';

export { SignInError, type SignInFailure } from '../plugin-host/sign-in-host.js';

/** Injection token of the sign-in limits (DEFAULT_SIGN_IN_LIMITS when absent). */
export const SIGN_IN_LIMITS = Symbol('SIGN_IN_LIMITS');

/**
 * What every auth plugin shares: rate limits and lockouts kept in PostgreSQL (so instances share
 * them), the pending round trips to identity providers, and provisioning people from what the
 * provider says about them.
 */
@Injectable()
export class SignInService {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly repository: SignInRepository,
    private readonly clock: Clock,
    @Optional() @Inject(SIGN_IN_LIMITS) readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
  ) {}

  /** Counts one attempt from `address` (and for `login`); 429 past the limits. */
  async throttle(ctx: RequestContext, address: string, login?: string): Promise<void> {
    const keys: [string, number][] = [[`address:${address}`, this.limits.perAddress]];
    if (login) keys.push([`login:${login.trim().toLowerCase()}`, this.limits.perLogin]);
    for (const [key, limit] of keys) {
      const { hits, windowStart } = await this.hit(ctx, key, this.limits.windowMs);
      if (hits > limit) {
        const minutes = Math.max(1, Math.ceil((windowStart.getTime() + this.limits.windowMs - this.clock.now().getTime()) / 60_000));
        throw new DomainError('RATE_LIMITED', { minutes }, { retryAfterSeconds: minutes * 60 });
      }
    }
  }

  /**
   * Reserves one password (or code) check for `login` before it is made: the attempt counts as a
   * failure unless `clearFailures` follows it. Counting and checking the lockout are one upsert
   * under the row's lock, so parallel attempts cannot all pass the check before any is counted.
   * The `after`-th reservation within `lockMs` locks the login for `lockMs`; while it is locked,
   * nothing is checked (429 `ACCOUNT_LOCKED`). Unknown logins count the same, so a lockout tells
   * nothing about which logins exist.
   */
  async reserveAttempt(ctx: RequestContext, login: string, after: number, lockMs: number): Promise<void> {
    const now = this.clock.now();
    // A new count starts when the last one is older than `lockMs` or its lockout has ended.
    const row = await this.repository.reserve(ctx, failureKey(login), now, new Date(now.getTime() - lockMs), after, new Date(now.getTime() + lockMs));
    // A locked row always answers more hits than `after`: this attempt was not reserved.
    if (row.hits > after) {
      const until = row.locked_until ? new Date(row.locked_until).getTime() : now.getTime() + lockMs;
      const minutes = Math.max(1, Math.ceil((until - now.getTime()) / 60_000));
      throw new DomainError('ACCOUNT_LOCKED', { minutes }, { retryAfterSeconds: minutes * 60 });
    }
  }

  /** The attempt `reserveAttempt` counted succeeded: the login's failures are forgotten. */
  async clearFailures(ctx: RequestContext, login: string): Promise<void> {
    await this.repository.clear(ctx, failureKey(login));
  }

  /**
   * Remembers a round trip to an identity provider: returns the `state` to send it and the
   * `binding` to set as a cookie in the browser that started it. Both are needed to come back.
   */
  async startFlow(ctx: RequestContext, plugin: string, data: Record<string, unknown>, ttlMs = 10 * 60_000): Promise<{ state: string; binding: string }> {
    const state = randomBytes(24).toString('base64url');
    const binding = randomBytes(24).toString('base64url');
    const now = this.clock.now();
    await this.repository.insertFlow(ctx, { id: sha256(state), plugin, binding: sha256(binding), data, at: now, expiresAt: new Date(now.getTime() + ttlMs) });
    return { state, binding };
  }

  /** Takes a round trip back, once: unknown, expired, replayed or started by another browser fails. */
  async consumeFlow(ctx: RequestContext, plugin: string, state: unknown, binding: string | undefined): Promise<Record<string, unknown>> {
    if (typeof state !== 'string' || !state || !binding) throw new SignInError('state');
    const row = await this.repository.takeFlow(ctx, sha256(state), plugin);
    if (!row || row.binding !== sha256(binding) || new Date(row.expires_at) <= this.clock.now()) throw new SignInError('state');
    return row.data;
  }

  /**
   * Creates or updates the person an identity describes, in one transaction: name, e-mail,
   * roles (when the mapping gives them) and establishments (when it gives them). Returns the
   * person's id; a deactivated person cannot sign in.
   */
  async provision(ctx: RequestContext, identity: SignedInIdentity): Promise<string> {
    // Integrations' person rows (`integration:<key>`) act through API tokens only.
    if (identity.login.startsWith(INTEGRATION_LOGIN_PREFIX)) throw new SignInError('claims');
    return ctx.transaction(async (tx) => {
      const person = await this.directory.upsertSignedIn(tx, { login: identity.login, name: identity.name, email: identity.email, roles: identity.roles ?? null });
      if (!person.active) throw new SignInError('inactive');
      if (identity.establishments) {
        const memberships: { establishmentId: string; roles: string[] }[] = [];
        for (const { uai, head } of identity.establishments) {
          let establishment = await this.directory.establishmentByUaiOrId(tx, uai);
          if (!establishment && identity.createEstablishments && isValidUai(uai)) {
            await this.directory.upsertEstablishments(tx, [{ uai, name: uai }]);
            establishment = await this.directory.establishmentByUaiOrId(tx, uai);
          }
          if (establishment) memberships.push({ establishmentId: establishment.id, roles: head ? ['member', 'head'] : ['member'] });
        }
        await this.directory.replaceMemberships(tx, person.id, memberships);
      }
      if (identity.teams) await this.directory.replaceTeamMemberships(tx, person.id, identity.teams.managed, identity.teams.memberOf);
      return person.id;
    });
  }

  /** Removes finished round trips and stale counters (the session sweep calls it). */
  async sweep(ctx: RequestContext): Promise<number> {
    const now = this.clock.now();
    const flows = await this.repository.sweepFlows(ctx, now);
    const counters = await this.repository.sweepCounters(ctx, new Date(now.getTime() - 86_400_000), now);
    return flows + counters;
  }

  /** One more hit on a fixed-window counter; a window older than `windowMs` starts again. */
  private async hit(ctx: RequestContext, key: string, windowMs: number): Promise<{ hits: number; windowStart: Date }> {
    const now = this.clock.now();
    const row = await this.repository.hit(ctx, key, now, new Date(now.getTime() - windowMs));
    return { hits: row.hits, windowStart: new Date(row.window_start) };
  }
}

function failureKey(login: string): string {
  return `failures:${login.trim().toLowerCase()}`;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
