import type { Request, Response } from 'express';
import type { RequestContext } from '../tenancy/request-context.js';
import type { SignedInIdentity } from './claim-mapping.js';
import type { GuichetPlugin } from './plugin.js';

/**
 * A sign-in failure for one of these reasons (translated by the host into the message).
 * `credentials` stands for a wrong login, password or one-time code alike: no answer tells that
 * the password was right.
 */
export type SignInFailure = 'credentials' | 'state' | 'provider' | 'claims' | 'inactive' | 'proxy' | 'origin';

/** Thrown by an auth plugin to refuse a sign-in; the host answers it (back to the sign-in page, or 401 JSON). */
export class SignInError extends Error {
  constructor(readonly reason: SignInFailure) {
    super(`sign-in failed: ${reason}`);
    this.name = 'SignInError';
  }
}

/** A local credential as the host stores it (the plugin hashes and checks). */
export interface StoredCredential {
  personId: string;
  login: string;
  passwordHash: string;
  totpSecret: string | null;
  totpLastStep: number | null;
}

/**
 * What the host gives an auth plugin's routes (`/{tenant}/auth/<plugin>/…`): the method's options,
 * throttling and lockouts shared by instances, identity-provider round trips tied to the browser,
 * provisioning, and opening the session. Sessions, cookies and CSRF stay the host's.
 * Inject it by type in the plugin's controllers.
 */
export abstract class SignInHost {
  /** The tenant's context and this plugin's options; 404 when the pack does not offer the method (or only in demo mode). */
  abstract method<O>(tenantId: string, plugin: GuichetPlugin<O>, req: Request): { ctx: RequestContext; options: O };
  /** Counts one attempt from the request's peer (and for `login`); 429 past the limits. */
  abstract throttle(ctx: RequestContext, req: Request, login?: string): Promise<void>;
  /** A sign-in form must come from this site (no login CSRF). */
  abstract checkSameOrigin(req: Request): void;
  /** The peer's address (never X-Forwarded-For, which anyone can send). */
  abstract address(req: Request): string;
  /** The base URL the browser used, for callback addresses. */
  abstract origin(req: Request): string;
  /** Starts a round trip to an identity provider: returns the `state` to send; the browser is bound to it by a cookie. */
  abstract startFlow(ctx: RequestContext, req: Request, res: Response, plugin: string, data: Record<string, unknown>): Promise<string>;
  /** Ends the round trip: the data given at start, once, from the browser that started it. */
  abstract consumeFlow(ctx: RequestContext, req: Request, res: Response, plugin: string, state: unknown): Promise<Record<string, unknown>>;
  /** Creates or updates the person the provider vouches for; returns their id. */
  abstract provision(ctx: RequestContext, identity: SignedInIdentity): Promise<string>;
  /** The active person with `login`, if any. */
  abstract personId(ctx: RequestContext, login: string): Promise<string | undefined>;
  /**
   * Counts one attempt for `login` before its secret is checked, atomically (one row-locked
   * statement), and refuses it (ACCOUNT_LOCKED) once `after` attempts failed within `lockMs`:
   * parallel guesses cannot outrun the lockout. A success clears the count (`clearFailures`).
   */
  abstract reserveAttempt(ctx: RequestContext, login: string, after: number, lockMs: number): Promise<void>;
  abstract clearFailures(ctx: RequestContext, login: string): Promise<void>;
  /** Opens the session (a new token), sets its cookie and goes where the person was heading. */
  abstract complete(ctx: RequestContext, req: Request, res: Response, personId: string, method: string, next: unknown): Promise<void>;
  /** Answers a failed sign-in (SignInError, rate limit, lockout); rethrows anything else. */
  abstract failed(req: Request, res: Response, tenantId: string, error: unknown, next?: unknown): void;
}

/** Local passwords and one-time-code secrets, stored by the host; hashing and checking are the plugin's. */
export abstract class CredentialStore {
  /** The person with `login`, active or not. */
  abstract personId(ctx: RequestContext, login: string): Promise<string | undefined>;
  abstract find(ctx: RequestContext, login: string): Promise<StoredCredential | undefined>;
  abstract setPassword(ctx: RequestContext, personId: string, passwordHash: string, at: Date): Promise<void>;
  abstract setTotpSecret(ctx: RequestContext, personId: string, secret: string, at: Date): Promise<boolean>;
  /** Records the last time step used (a code is accepted once); false when a later or equal step was already used. */
  abstract useTotpStep(ctx: RequestContext, personId: string, step: number): Promise<boolean>;
}
