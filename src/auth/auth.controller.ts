import { Body, Controller, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '../common/errors.js';
import { Core } from '../core.js';
import { isIntegration } from './api-token.service.js';
import { clearSessionCookie, PortalSessionGuard, readCookie, SESSION_COOKIE, type PortalRequest } from './portal-session.guard.js';
import { checkSameOrigin, clientAddress, completeSignIn, signInFailed } from './sign-in.http.js';

/** Where to go after signing in: a path inside the tenant's portal, nothing else (no open redirect). */
export function safeNext(tenantId: string, next: unknown): string {
  const home = `/${tenantId}/`;
  if (typeof next !== 'string' || !next.startsWith(home) || next.startsWith('//') || /[\\\r\n]/.test(next)) return home;
  return next;
}

/**
 * Sign-in and sign-out of the portal. Each auth plugin adds its own sign-in route; the demo
 * persona picker lives here because it needs nothing but the directory.
 */
@ApiExcludeController()
@Controller(':tenant')
export class AuthController {
  constructor(@Inject(Core) private readonly core: Core) {}

  /**
   * Demo persona sign-in: only when the pack lists the `demo` auth plugin (else 404) and in demo
   * mode (else 403); from this site only, like every sign-in form; never as an integration.
   */
  @Post('auth/demo')
  @HttpCode(303)
  async demo(@Param('tenant') tenantId: string, @Body() body: { login?: string; next?: string }, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const ctx = this.core.context(tenantId);
    const method = ctx.tenant.config.auth.find((a) => a.plugin === 'demo');
    // Like every auth plugin's route: not found where the pack does not offer it.
    if (!method) throw new DomainError('NOT_FOUND');
    if (!this.core.demo) throw new DomainError('FORBIDDEN');
    try {
      checkSameOrigin(req);
      await this.core.signIn.throttle(ctx, clientAddress(req), typeof body.login === 'string' ? body.login : undefined);
      const personas = (method.options as { personas?: string[] }).personas;
      const person = body.login ? await this.core.directory.personByLoginOrId(ctx, String(body.login)) : undefined;
      if (!person || isIntegration(person) || (personas && !personas.includes(person.login))) throw new DomainError('PERSON_NOT_FOUND', { person: String(body.login ?? '') });
      await completeSignIn(this.core, ctx, req, res, person.id, 'demo', body.next);
    } catch (error) {
      signInFailed(req, res, tenantId, error, body.next);
    }
  }

  @Post('logout')
  @UseGuards(PortalSessionGuard)
  async logout(@Param('tenant') tenantId: string, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    await this.core.sessions.close(this.core.context(tenantId), readCookie(req, SESSION_COOKIE));
    clearSessionCookie(req, res, tenantId);
    res.redirect(303, `/${tenantId}/login`);
  }
}
