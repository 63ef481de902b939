import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { readServiceResponse } from './cas-response.js';
import { definePlugin, SignInHost, SignInError, claimMappingSchema, mapClaims } from '../../src/plugin-host/index.js';

const options = z
  .strictObject({
    /** The CAS server's base address, e.g. `https://cas.example.org/cas` (its `/login` and `/p3/serviceValidate` are used). */
    server: z.url(),
    /** The service address registered at the CAS server; by default the address the browser used + `/{tenant}/auth/cas/callback`. */
    serviceUrl: z.url().optional(),
    /** An `http:` server (tests): never for a real deployment. */
    allowHttp: z.boolean().default(false),
    /** How attributes map to the person; `user` is the CAS user. */
    claims: claimMappingSchema({ login: 'user', name: 'displayName', email: 'mail' }),
  })
  .refine((o) => o.allowHttp || new URL(o.server).protocol === 'https:', { path: ['server'], message: 'an https:// server (or allowHttp: true)' });
export type CasOptions = z.infer<typeof options>;

const PLUGIN = 'cas';

@ApiExcludeController()
@Controller(':tenant/auth/cas')
export class CasController {
  constructor(private readonly host: SignInHost) {}

  /** Sends the browser to the CAS login page; the service address carries a state tied to this browser. */
  @Get()
  async start(@Param('tenant') tenantId: string, @Query('next') next: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { ctx, options } = this.host.method(tenantId, casPlugin, req);
    try {
      await this.host.throttle(ctx, req);
      const state = await this.host.startFlow(ctx, req, res, PLUGIN, { next: typeof next === 'string' ? next : null });
      const login = new URL(`${options.server.replace(/\/$/, '')}/login`);
      login.searchParams.set('service', serviceUrl(options, this.host.origin(req), tenantId, state));
      res.redirect(303, login.href);
    } catch (error) {
      this.host.failed(req, res, tenantId, error, next);
    }
  }

  /** The CAS server sends the browser back with a service ticket, validated once with `/p3/serviceValidate`. */
  @Get('callback')
  async callback(@Param('tenant') tenantId: string, @Query('state') state: unknown, @Query('ticket') ticket: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { ctx, options } = this.host.method(tenantId, casPlugin, req);
    let next: unknown;
    try {
      await this.host.throttle(ctx, req);
      const flow = await this.host.consumeFlow(ctx, req, res, PLUGIN, state);
      next = flow.next;
      if (typeof ticket !== 'string' || !/^[\w.-]{1,256}$/.test(ticket)) throw new SignInError('provider');
      const validate = new URL(`${options.server.replace(/\/$/, '')}/p3/serviceValidate`);
      validate.searchParams.set('service', serviceUrl(options, this.host.origin(req), tenantId, String(state)));
      validate.searchParams.set('ticket', ticket);
      const answer = await fetch(validate, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/xml, text/xml' } }).then(
        async (r) => (r.ok ? readServiceResponse(await r.text()) : { ok: false as const, reason: `HTTP ${r.status}` }),
        (error: unknown) => ({ ok: false as const, reason: String(error) }),
      );
      if (!answer.ok) {
        console.warn(`CAS sign-in refused: ${answer.reason}`);
        throw new SignInError('provider');
      }
      const identity = mapClaims({ ...answer.attributes, user: answer.user }, options.claims);
      if (!identity) throw new SignInError('claims');
      await this.host.throttle(ctx, req, identity.login);
      const personId = await this.host.provision(ctx, identity);
      await this.host.complete(ctx, req, res, personId, PLUGIN, next);
    } catch (error) {
      this.host.failed(req, res, tenantId, error, next);
    }
  }
}

/** The service address, the same at login and at validation (CAS compares them). */
function serviceUrl(options: CasOptions, origin: string, tenantId: string, state: string): string {
  const url = new URL(options.serviceUrl ?? `${origin}/${tenantId}/auth/cas/callback`);
  url.searchParams.set('state', state);
  return url.href;
}

/**
 * CAS 3: the browser signs in at the CAS server, which sends it back with a service ticket; the
 * ticket is validated once (`/p3/serviceValidate`, XML) and the released attributes are mapped to
 * the person like OIDC claims.
 */
export const casPlugin = definePlugin({
  name: PLUGIN,
  core: '^0.1',
  description: 'CAS 3 service ticket validation with attributes mapped to the person',
  options,
  provides: { authMethod: { kind: 'redirect', start: { method: 'GET', path: 'auth/cas' } } },
  controllers: [CasController],
});
