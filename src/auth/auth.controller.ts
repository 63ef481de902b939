import { Body, Controller, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError, ValidationFailed } from '../common/errors.js';
import { Core } from '../core.js';
import { clientAddress } from './sign-in.http.js';
import { clearSessionCookie, PortalSessionGuard, readCookie, SESSION_COOKIE, setSessionCookie, type PortalRequest } from './portal-session.guard.js';

const ORIGIN = 'http://guichet.invalid';

/**
 * Where to go after signing in: a path inside the tenant's portal, nothing else (no open redirect).
 * The path is resolved as the browser will (`..`, `%2e%2e`), and once more after one decoding (for
 * `%2f` and whatever decodes it on the way), and both must stay under `/{tenant}/`.
 */
export function safeNext(tenantId: string, next: unknown): string {
  const home = `/${tenantId}/`;
  if (typeof next !== 'string' || !next.startsWith(home) || /[\\\p{Cc}]/u.test(next)) return home;
  const resolved = resolvePath(next);
  if (!resolved?.startsWith(home)) return home;
  let decoded: string;
  try {
    decoded = decodeURIComponent(resolved);
  } catch {
    return home;
  }
  if (/[\\\p{Cc}]/u.test(decoded) || !resolvePath(decoded.replace(/[?#].*$/s, ''))?.startsWith(home)) return home;
  return resolved;
}

/** The path, query and fragment of a same-origin reference once resolved, or undefined if it leaves the origin. */
function resolvePath(path: string): string | undefined {
  try {
    const url = new URL(path, ORIGIN);
    return url.origin === ORIGIN ? `${url.pathname}${url.search}${url.hash}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sign-in and sign-out of the portal. Each auth plugin adds its own sign-in route; the demo
 * persona picker lives here because it needs nothing but the directory.
 */
@ApiExcludeController()
@Controller(':tenant')
export class AuthController {
  constructor(@Inject(Core) private readonly core: Core) {}

  /** Demo persona sign-in: only in demo mode and when the pack lists the `demo` auth plugin. */
  @Post('auth/demo')
  @HttpCode(303)
  async demo(@Param('tenant') tenantId: string, @Body() body: { login?: string; next?: string }, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const ctx = this.core.context(tenantId);
    const method = ctx.tenant.config.auth.find((a) => a.plugin === 'demo');
    if (!this.core.demo || !method) throw new DomainError('FORBIDDEN');
    const login = typeof body.login === 'string' ? body.login.trim() : '';
    if (!login) throw new ValidationFailed([{ field: 'login', rule: 'rule.required' }]);
    await this.core.signIn.throttle(ctx, clientAddress(req), login);
    const personas = (method.options as { personas?: string[] }).personas;
    const person = await this.core.directory.personByLoginOrId(ctx, login);
    if (!person || (personas && !personas.includes(person.login))) throw new DomainError('PERSON_NOT_FOUND', { person: login });
    const session = await this.core.sessions.open(ctx, person.id, 'demo');
    setSessionCookie(req, res, tenantId, session.token, session.expiresAt);
    res.redirect(303, safeNext(tenantId, body.next));
  }

  @Post('logout')
  @UseGuards(PortalSessionGuard)
  async logout(@Param('tenant') tenantId: string, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    await this.core.sessions.close(this.core.context(tenantId), readCookie(req, SESSION_COOKIE));
    clearSessionCookie(req, res, tenantId);
    res.redirect(303, `/${tenantId}/login`);
  }
}
