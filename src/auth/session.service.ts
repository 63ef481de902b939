import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Clock } from '../common/clock.js';
import type { ActorRef, RequestContext } from '../tenancy/request-context.js';
import { SessionRepository } from './session.repository.js';
import { SignInError } from './sign-in.service.js';

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, used or not. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 8 * 3600_000, absoluteMs: 7 * 86_400_000 };

/** Who may hold a portal session (person aliased `p`): active, and not an integration. */
export interface ActiveSession {
  actor: ActorRef;
  locale: string;
  csrf: string;
  method: string;
}

/**
 * Portal sessions, stored in PostgreSQL (several instances share them). The cookie carries a
 * random token; the table keeps only its hash, so a leaked table opens no session.
 */
/** Injection token of the session lifetimes (DEFAULT_SESSION_POLICY when absent). */
export const SESSION_POLICY = Symbol('SESSION_POLICY');

@Injectable()
export class SessionService {
  constructor(
    private readonly repository: SessionRepository,
    private readonly clock: Clock,
    @Optional() @Inject(SESSION_POLICY) private readonly policy: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {}

  /**
   * Opens a session for a person signed in by `method` (an auth plugin's name); returns the cookie
   * token. Whatever the sign-in method, a deactivated person or an integration gets none
   * (`SignInError('inactive')`): integrations act through API tokens only.
   */
  async open(ctx: RequestContext, personId: string, method: string): Promise<{ token: string; csrf: string; expiresAt: Date }> {
    const now = this.clock.now();
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.policy.absoluteMs);
    const opened = await this.repository.insert(ctx, { id: hash(token), personId, method, csrf, at: now, expiresAt });
    if (!opened) throw new SignInError('inactive');
    return { token, csrf, expiresAt };
  }

  /** The session of a cookie token, or null if unknown, idle too long or expired. Touches it (at most once a minute). */
  async resolve(ctx: RequestContext, token: string | undefined): Promise<ActiveSession | null> {
    if (!token) return null;
    const now = this.clock.now();
    const row = await this.repository.live(ctx, hash(token), now, new Date(now.getTime() - this.policy.idleMs));
    if (!row) return null;
    if (now.getTime() - new Date(row.last_seen_at).getTime() > 60_000) {
      await this.repository.touch(ctx, row.id, now);
    }
    return {
      actor: { kind: 'person', id: row.person_id, login: row.login, displayName: row.display_name, roles: row.roles },
      locale: row.locale,
      csrf: row.csrf,
      method: row.method,
    };
  }

  async close(ctx: RequestContext, token: string | undefined): Promise<void> {
    if (token) await this.repository.delete(ctx, hash(token));
  }

  /** Removes expired sessions (a timer calls it). */
  async sweep(ctx: RequestContext): Promise<number> {
    const now = this.clock.now();
    return this.repository.sweep(ctx, now, new Date(now.getTime() - this.policy.idleMs));
  }
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(expected: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
