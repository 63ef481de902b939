import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import * as client from 'openid-client';
import { z } from 'zod';
import { definePlugin, SignInHost, SignInError, claimMappingSchema, mapClaims } from '../../src/plugin-host/index.js';

const options = z
  .strictObject({
    /** The provider's issuer; its `/.well-known/openid-configuration` is read once per process. */
    issuer: z.url(),
    clientId: z.string().min(1),
    /** The client secret, given through an environment variable (packs are versioned: no secrets in them). */
    clientSecretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as GUICHET_OIDC_SECRET').optional(),
    scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
    /** The callback registered at the provider; by default the address the browser used + `/{tenant}/auth/oidc/callback`. */
    redirectUri: z.url().optional(),
    /** Ask the userinfo endpoint too (e-mail and other claims are often only there). */
    userinfo: z.boolean().default(true),
    /** An `http:` issuer (tests, a provider on the same host): never for a real deployment. */
    allowHttp: z.boolean().default(false),
    /** How claims map to the person (claim names). */
    claims: claimMappingSchema({ login: 'preferred_username', name: 'name', email: 'email' }),
  })
  .refine((o) => o.allowHttp || new URL(o.issuer).protocol === 'https:', { path: ['issuer'], message: 'an https:// issuer (or allowHttp: true)' });
export type OidcOptions = z.infer<typeof options>;

const PLUGIN = 'oidc';

@ApiExcludeController()
@Controller(':tenant/auth/oidc')
export class OidcController {
  /** Provider metadata by issuer and client: discovered once, again after a failure. */
  private readonly configurations = new Map<string, Promise<client.Configuration>>();

  constructor(private readonly host: SignInHost) {}

  /** Starts the authorization code flow with PKCE, state and nonce kept server-side. */
  @Get()
  async start(@Param('tenant') tenantId: string, @Query('next') next: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { ctx, options } = this.host.method(tenantId, oidcPlugin, req);
    try {
      await this.host.throttle(ctx, req);
      const config = await this.configuration(options);
      const verifier = client.randomPKCECodeVerifier();
      const nonce = client.randomNonce();
      const redirectUri = options.redirectUri ?? `${this.host.origin(req)}/${tenantId}/auth/oidc/callback`;
      const state = await this.host.startFlow(ctx, req, res, PLUGIN, { verifier, nonce, redirectUri, next: typeof next === 'string' ? next : null });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: options.scopes.join(' '),
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      res.redirect(303, url.href);
    } catch (error) {
      this.host.failed(req, res, tenantId, error instanceof SignInError || !(error instanceof Error) ? error : providerError(error), next);
    }
  }

  /** The provider sends the browser back here with a code: exchanged, checked, the person provisioned. */
  @Get('callback')
  async callback(@Param('tenant') tenantId: string, @Query('state') state: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { ctx, options } = this.host.method(tenantId, oidcPlugin, req);
    let next: unknown;
    try {
      await this.host.throttle(ctx, req);
      const flow = await this.host.consumeFlow(ctx, req, res, PLUGIN, state);
      next = flow.next;
      const config = await this.configuration(options);
      const current = new URL(String(flow.redirectUri));
      current.search = new URL(req.originalUrl, this.host.origin(req)).search;
      const tokens = await client
        .authorizationCodeGrant(config, current, { pkceCodeVerifier: String(flow.verifier), expectedState: String(state), expectedNonce: String(flow.nonce), idTokenExpected: true })
        .catch((error: unknown) => {
          throw providerError(error);
        });
      const idClaims = tokens.claims()!;
      const userinfo = options.userinfo ? await client.fetchUserInfo(config, tokens.access_token, idClaims.sub).catch((error: unknown) => { throw providerError(error); }) : {};
      const identity = mapClaims({ ...idClaims, ...userinfo }, options.claims);
      if (!identity) throw new SignInError('claims');
      await this.host.throttle(ctx, req, identity.login);
      const personId = await this.host.provision(ctx, identity);
      await this.host.complete(ctx, req, res, personId, PLUGIN, next);
    } catch (error) {
      this.host.failed(req, res, tenantId, error, next);
    }
  }

  private configuration(options: OidcOptions): Promise<client.Configuration> {
    const key = `${options.issuer} ${options.clientId}`;
    let found = this.configurations.get(key);
    if (!found) {
      const secret = options.clientSecretEnv ? process.env[options.clientSecretEnv] : undefined;
      found = client.discovery(new URL(options.issuer), options.clientId, secret ? { client_secret: secret } : undefined, secret ? undefined : client.None(), {
        execute: options.allowHttp ? [client.allowInsecureRequests] : [],
        timeout: 10,
      });
      found.catch(() => this.configurations.delete(key));
      this.configurations.set(key, found);
    }
    return found;
  }
}

/** The provider refused (a replayed or expired code, a bad signature, an unreachable provider): logged, not shown. */
function providerError(error: unknown): SignInError {
  console.warn(`OIDC sign-in refused: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  return new SignInError('provider');
}

/**
 * OpenID Connect: the authorization code flow with PKCE (S256), `state` and `nonce` checked; the
 * pending round trip is kept in the database and tied to the browser by a cookie. Claims of the
 * ID token and of userinfo are mapped to the person by the pack's rules.
 */
export const oidcPlugin = definePlugin({
  name: PLUGIN,
  core: '^0.1',
  description: 'OpenID Connect (authorization code + PKCE) with claims mapped to the person',
  options,
  provides: { authMethod: { kind: 'redirect', start: { method: 'GET', path: 'auth/oidc' } } },
  controllers: [OidcController],
});
