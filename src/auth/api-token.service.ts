import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus.js';
import { createHash, randomBytes } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { DomainError, FieldErrors } from '../common/errors.js';
import type { ActorRef, RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { ApiTokenRepository, type TokenHolderRow, type TokenRow } from './api-token.repository.js';

export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export type TokenInfo = TokenRow<TokenScope>;

/** API bearer tokens: random, shown once, stored as a SHA-256 hash (they carry 256 bits of entropy, no need for a slow hash). */
/**
 * How long a verified token is trusted from memory before it is looked up again: the bound on how
 * long another instance keeps accepting a token revoked elsewhere (or a person deactivated). This
 * instance forgets a token at once when it revokes it. `GUICHET_TOKEN_CACHE_MS`, 0 turns it off.
 */
export const TOKEN_CACHE_MS = Number(process.env.GUICHET_TOKEN_CACHE_MS ?? 10_000);

/** Last use is recorded at most this often per token, so a busy integration writes nothing per call. */
const TOUCH_EVERY_MS = 60_000;

interface CachedToken {
  tenantId: string;
  row: TokenHolderRow<TokenScope>;
  /** Process time (ms) until which the row is trusted. */
  until: number;
}

/** Cached tokens at most; past it the oldest are forgotten first. */
const CACHE_SIZE = 10_000;

@Injectable()
export class ApiTokenService implements OnModuleInit {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    private readonly directory: DirectoryRepository,
    private readonly tokens: ApiTokenRepository,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    // A person deactivated or given other roles: their tokens are looked up again, here at once.
    this.events.on('person.changed', (ctx, { personId }) => this.forgetPerson(ctx.tenantId, personId), { phase: 'after-commit', name: 'api-tokens' });
  }

  async mint(ctx: RequestContext, login: string, options: { name: string; scopes: TokenScope[]; expiresAt?: Date }): Promise<{ token: string; id: string }> {
    const person = await this.directory.personByLoginOrId(ctx, login);
    if (!person) throw new DomainError('PERSON_NOT_FOUND', { person: login });
    const token = `gch_${randomBytes(32).toString('base64url')}`;
    const id = await this.tokens.insert(ctx, { personId: person.id, name: options.name, tokenHash: hash(token), scopes: options.scopes, expiresAt: options.expiresAt ?? null, at: this.clock.now() });
    return { token, id };
  }

  /**
   * The person a token acts for, or 401: from memory for `TOKEN_CACHE_MS` after a lookup (expiry
   * is still checked against the clock on every call), so an API call costs no statement for its
   * token. Records the last use at most once a minute.
   */
  async authenticate(ctx: RequestContext, token: string): Promise<{ actor: ActorRef; scopes: TokenScope[]; locale: string }> {
    const now = this.clock.now();
    const key = `${ctx.tenantId}\n${hash(token)}`;
    let cached = this.cache.get(key);
    if (cached && (cached.until <= performance.now() || (cached.row.expires_at && new Date(cached.row.expires_at) <= now))) {
      this.cache.delete(key);
      cached = undefined;
    }
    if (!cached) {
      const row = await this.tokens.live<TokenScope>(ctx, hash(token), now);
      if (!row) throw new DomainError('UNAUTHENTICATED');
      cached = { tenantId: ctx.tenantId, row, until: performance.now() + TOKEN_CACHE_MS };
      if (TOKEN_CACHE_MS > 0) this.remember(key, cached);
    }
    const { row } = cached;
    if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > TOUCH_EVERY_MS) {
      row.last_used_at = now;
      await this.tokens.touch(ctx, row.id, now);
    }
    return {
      actor: { kind: 'person', id: row.person_id, login: row.login, displayName: row.display_name, roles: row.roles },
      scopes: row.scopes,
      locale: row.locale,
    };
  }

  private remember(key: string, entry: CachedToken): void {
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, entry);
  }

  /** Forgets every token of a person here (other instances within `TOKEN_CACHE_MS`). */
  private forgetPerson(tenantId: string, personId: string): void {
    for (const [key, entry] of this.cache) if (entry.tenantId === tenantId && entry.row.person_id === personId) this.cache.delete(key);
  }

  /** Forgets a revoked token here at once (other instances within `TOKEN_CACHE_MS`). */
  private forget(tenantId: string, id: string): void {
    for (const [key, entry] of this.cache) if (entry.tenantId === tenantId && entry.row.id === id) this.cache.delete(key);
  }

  async list(ctx: RequestContext, login: string): Promise<TokenInfo[]> {
    return this.tokens.ofLogin<TokenScope>(ctx, login);
  }

  async revoke(ctx: RequestContext, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const revoked = await this.tokens.revoke(ctx, id, this.clock.now());
    // After the write: a call that looked the token up meanwhile cached it still live.
    this.forget(ctx.tenantId, id);
    return revoked;
  }

  /** Every token of the tenant, for its administrators: whose, scopes, expiry, revocation and last use (never the secret). */
  async listAll(ctx: RequestContext): Promise<(TokenInfo & { person: { login: string; name: string; integration: boolean } })[]> {
    this.requireAdmin(ctx);
    const rows = await this.tokens.all<TokenScope>(ctx);
    const now = this.clock.now();
    return rows.map(({ login, display_name, roles, ...token }) => ({
      ...token,
      active: !token.revokedAt && (!token.expiresAt || new Date(token.expiresAt) > now),
      person: { login, name: display_name, integration: roles.includes(INTEGRATION_ROLE) },
    }));
  }

  /**
   * An administrator mints a token for a person of the tenant, or for an integration: a person
   * row with the role `integration` (created on first use, never able to sign in to the portal).
   */
  async mintFor(ctx: RequestContext, input: { person?: string; integration?: string; integrationName?: string; name: string; scopes: TokenScope[]; expiresAt?: Date }) {
    this.requireAdmin(ctx);
    const errors = new FieldErrors();
    if (Boolean(input.person) === Boolean(input.integration)) errors.add(input.person ? 'integration' : 'person', 'rule.required');
    if (input.integration && !/^[a-z0-9][a-z0-9._-]{1,62}$/.test(input.integration)) errors.add('integration', 'rule.type', { expected: 'a key of lower-case letters, digits, ".", "_" or "-"' });
    if (input.expiresAt && input.expiresAt <= this.clock.now()) errors.add('expiresAt', 'rule.date');
    if (!input.scopes.length || input.scopes.some((s) => !TOKEN_SCOPES.includes(s))) errors.add('scopes', 'rule.option');
    errors.throwIfAny();
    let login = input.person!;
    if (input.integration) {
      login = `${INTEGRATION_LOGIN_PREFIX}${input.integration}`;
      const existing = await this.directory.personByLoginOrId(ctx, login);
      if (existing && !existing.roles.includes(INTEGRATION_ROLE)) errors.add('integration', 'rule.option');
      errors.throwIfAny();
      if (!existing) await this.directory.upsertPerson(ctx, { login, name: input.integrationName ?? input.integration, roles: [INTEGRATION_ROLE] });
    }
    const person = await this.directory.personByLoginOrId(ctx, login);
    if (!person) {
      errors.add('person', 'rule.person', { person: login });
      errors.throwIfAny();
    }
    const minted = await this.mint(ctx, person!.id, { name: input.name, scopes: input.scopes, expiresAt: input.expiresAt });
    return { ...minted, person: { login: person!.login, name: person!.display_name, integration: person!.roles.includes(INTEGRATION_ROLE) }, scopes: input.scopes, expiresAt: input.expiresAt ?? null };
  }

  /** An administrator revokes a token of the tenant (again: nothing changes); false if there is none with this id. */
  async revokeAsAdmin(ctx: RequestContext, id: string): Promise<boolean> {
    this.requireAdmin(ctx);
    if (!UUID.test(id)) return false;
    const revoked = await this.tokens.revokeKeepingFirst(ctx, id, this.clock.now());
    // After the write: a call that looked the token up meanwhile cached it still live.
    this.forget(ctx.tenantId, id);
    return revoked;
  }

  private requireAdmin(ctx: RequestContext): void {
    if (!ctx.actor.roles.includes('admin')) throw new DomainError('FORBIDDEN');
  }
}

/** The role of a person row that stands for an integration (a connector, a supervision tool). */
export const INTEGRATION_ROLE = 'integration';

/** Logins of integrations (`integration:<key>`), reserved: no sign-in method may claim one. */
export const INTEGRATION_LOGIN_PREFIX = 'integration:';

/** Whether a person row is an integration's: they act through API tokens only, never in the portal. */
export function isIntegration(person: { login: string; roles: string[] }): boolean {
  return person.roles.includes(INTEGRATION_ROLE) || person.login.startsWith(INTEGRATION_LOGIN_PREFIX);
}

/** `isIntegration` negated, in SQL, for a person row aliased `p`. */
export const NOT_INTEGRATION_SQL = `NOT ('${INTEGRATION_ROLE}' = ANY (p.roles)) AND left(p.login, ${INTEGRATION_LOGIN_PREFIX.length}) <> '${INTEGRATION_LOGIN_PREFIX}'`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
