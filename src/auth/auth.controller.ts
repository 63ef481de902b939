import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { SessionService } from './session.service.js';
import { Body, Controller, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError, ValidationFailed } from '../common/errors.js';
import { isIntegration } from './api-token.service.js';
import { clearSessionCookie, PortalSessionGuard, readCookie, SESSION_COOKIE, type PortalRequest } from './portal-session.guard.js';
import { checkSameOrigin, SignInHttp } from './sign-in-host.service.js';


/**
 * Sign-in and sign-out of the portal. Each auth plugin adds its own sign-in route; the demo
 * persona picker lives here because it needs nothing but the directory.
 */
@ApiExcludeController()
@Controller(':tenant')
export class AuthController {
  constructor(
    private readonly contexts: TenantContexts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly directory: DirectoryRepository,
    private readonly sessions: SessionService,
    private readonly host: SignInHttp,
  ) {}

  /**
   * Demo persona sign-in: only when the pack lists the `demo` auth plugin (else 404) and in demo
   * mode (else 403); from this site only, like every sign-in form; never as an integration.
   */
  @Post('auth/demo')
  @HttpCode(303)
  async demo(@Param('tenant') tenantId: string, @Body() body: { login?: string; next?: string }, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const ctx = this.contexts.for(tenantId);
    const method = ctx.tenant.config.auth.find((a) => a.plugin === 'demo');
    // Like every auth plugin's route: not found where the pack does not offer it.
    if (!method) throw new DomainError('NOT_FOUND');
    if (!this.config.demo) throw new DomainError('FORBIDDEN');
    const login = typeof body.login === 'string' ? body.login.trim() : '';
    if (!login) throw new ValidationFailed([{ field: 'login', rule: 'rule.required' }]);
    try {
      checkSameOrigin(req);
      await this.host.throttle(ctx, req, login);
      const personas = (method.options as { personas?: string[] }).personas;
      const person = await this.directory.personByLoginOrId(ctx, login);
      if (!person || isIntegration(person) || (personas && !personas.includes(person.login))) throw new DomainError('PERSON_NOT_FOUND', { person: login });
      await this.host.complete(ctx, req, res, person.id, 'demo', body.next);
    } catch (error) {
      this.host.failed(req, res, tenantId, error, body.next);
    }
  }

  @Post('logout')
  @UseGuards(PortalSessionGuard)
  async logout(@Param('tenant') tenantId: string, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    await this.sessions.close(this.contexts.for(tenantId), readCookie(req, SESSION_COOKIE));
    clearSessionCookie(req, res, tenantId);
    res.redirect(303, `/${tenantId}/login`);
  }
}
