import { applyDecorators, type CanActivate, createParamDecorator, type ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';

/** What a bearer token may do: `read` (GET), `write` (changes), `admin` (the tenant's administration). */
export type ApiScope = 'read' | 'write' | 'admin';

/** The prefix of a plugin's API routes: `api/:tenant/plugins/<name>`. */
export function pluginApiPrefix(pluginName: string): string {
  return `api/:tenant/plugins/${pluginName}`;
}

/**
 * The host's API authentication, as plugin routes meet it (bound in the composition root to the
 * guard of the core's API): the tenant of `/api/:tenant/…` (404 when the deployment does not serve
 * it), the bearer token (401), its scope (403), and for `admin` the person's `admin` role (403).
 */
export abstract class ApiAuthHost {
  /** The context of the route's tenant, acting as the token's person, once the token holds `scope`. */
  abstract authenticate(req: Request, scope: ApiScope): Promise<RequestContext>;
}

const SCOPE = 'guichet:plugin-api-scope';
const CONTEXT = Symbol('guichet:plugin-api-context');

type WithContext = Request & { [CONTEXT]?: RequestContext };

/**
 * The guard `@PluginApi()` puts on a plugin's controller: the host authenticates the request with
 * the scope the route needs (`@PluginApi({ scope })` on the class or a method; otherwise `read` for
 * GET and HEAD, `write` for the rest) and the context is handed to the handler by `@ApiCtx()`.
 */
@Injectable()
export class PluginApiGuard implements CanActivate {
  constructor(
    private readonly auth: ApiAuthHost,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<WithContext>();
    const declared = this.reflector.getAllAndOverride<ApiScope | undefined>(SCOPE, [context.getHandler(), context.getClass()]);
    const scope = declared ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
    req[CONTEXT] = await this.auth.authenticate(req, scope);
    return true;
  }
}

/**
 * Puts a plugin's controller (or one of its routes) behind the host's API token guard. Routes of
 * a plugin live under `api/:tenant/plugins/<name>/` (checked at boot). `scope: 'admin'` makes them
 * the tenant administrators' (a token with the `admin` scope, for a person with the `admin` role).
 */
export function PluginApi(options: { scope?: ApiScope } = {}): ClassDecorator & MethodDecorator {
  return applyDecorators(UseGuards(PluginApiGuard), ApiBearerAuth(), ...(options.scope ? [SetMetadata(SCOPE, options.scope)] : []));
}

/** The RequestContext of a `@PluginApi()` route: its tenant, acting as the token's person. */
export const ApiCtx = createParamDecorator((_: unknown, host: ExecutionContext): RequestContext => {
  const ctx = host.switchToHttp().getRequest<WithContext>()[CONTEXT];
  if (!ctx) throw new DomainError('UNAUTHENTICATED');
  return ctx;
});
