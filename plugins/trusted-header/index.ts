import { BlockList, isIP } from 'node:net';
import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { definePlugin, SignInHost, SignInError, claimMappingSchema, mapClaims, type ClaimMapping, type Claims } from '../../src/plugin-host/index.js';

const cidrSchema = z.string().refine((value) => parseCidr(value) !== null, 'an address or a CIDR block such as 10.0.0.0/8 or 2001:db8::/32');

const options = z.strictObject({
  /** Addresses of the portal's reverse proxies (CIDR blocks); a request from anywhere else is refused. A string is a list separated by commas or spaces (`"${GUICHET_X_PROXIES}"`). */
  proxies: z.preprocess((v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v), z.array(cidrSchema).min(1)),
  /** Header names (case-insensitive) and how they map to the person. */
  claims: claimMappingSchema({ login: 'x-remote-user', name: 'x-remote-name', email: 'x-remote-mail' }),
});
export type TrustedHeaderOptions = z.infer<typeof options>;

@ApiExcludeController()
@Controller(':tenant/auth/trusted-header')
export class TrustedHeaderController {
  constructor(private readonly host: SignInHost) {}

  @Get()
  async signIn(@Param('tenant') tenantId: string, @Query('next') next: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { ctx, options } = this.host.method(tenantId, trustedHeaderPlugin, req);
    try {
      const address = this.host.address(req);
      const trusted = fromProxy(address, options.proxies);
      // Headers from elsewhere are not even read: they could name anybody's login.
      const identity = trusted ? mapClaims(headerClaims(req), lowerCased(options.claims)) : null;
      await this.host.throttle(ctx, req, identity?.login);
      if (!trusted) throw new SignInError('proxy');
      if (!identity) throw new SignInError('claims');
      const personId = await this.host.provision(ctx, identity);
      await this.host.complete(ctx, req, res, personId, trustedHeaderPlugin.name, next);
    } catch (error) {
      this.host.failed(req, res, tenantId, error, next);
    }
  }
}

/**
 * Single sign-on through the academy's portal: its reverse proxy authenticates the person and
 * forwards who they are in headers. The headers are believed only on a connection coming from
 * one of the configured proxy addresses (the peer address, never `X-Forwarded-For`).
 */
export const trustedHeaderPlugin = definePlugin({
  name: 'trusted-header',
  core: '^0.1',
  description: "Headers set by the academy's authenticating reverse proxy, accepted from its addresses only",
  options,
  provides: { authMethod: { kind: 'header', start: { method: 'GET', path: 'auth/trusted-header' } } },
  controllers: [TrustedHeaderController],
});

/** `10.0.0.0/8`, `192.0.2.7` (one address) or an IPv6 block. */
export function parseCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address, bits, ...rest] = value.trim().split('/');
  const version = isIP(address);
  if (!version || rest.length) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!/^\d+$/.test(bits ?? String(max)) || prefix < 0 || prefix > max) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function fromProxy(address: string, proxies: string[]): boolean {
  const version = isIP(address);
  if (!version) return false;
  const list = new BlockList();
  for (const cidr of proxies) {
    const block = parseCidr(cidr)!;
    list.addSubnet(block.address, block.prefix, block.family);
  }
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/** Headers as claims. Proxies often send UTF-8 bytes, which arrive read as Latin-1: they are read again. */
function headerClaims(req: Request): Claims {
  const claims: Claims = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const values = (Array.isArray(value) ? value : [value ?? '']).map(utf8);
    claims[name] = values.length === 1 ? values[0] : values;
  }
  return claims;
}

function utf8(value: string): string {
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  return decoded.includes('\uFFFD') ? value : decoded;
}

function lowerCased(mapping: ClaimMapping): ClaimMapping {
  const lower = (name: string) => name.toLowerCase();
  return {
    ...mapping,
    login: lower(mapping.login),
    name: Array.isArray(mapping.name) ? mapping.name.map(lower) : lower(mapping.name),
    email: mapping.email && lower(mapping.email),
    establishments: mapping.establishments && { ...mapping.establishments, claim: lower(mapping.establishments.claim) },
    headOf: mapping.headOf && { ...mapping.headOf, claim: lower(mapping.headOf.claim) },
    heads: mapping.heads?.map((r) => ({ ...r, claim: lower(r.claim) })),
    roles: mapping.roles?.map((r) => ({ ...r, claim: lower(r.claim) })),
    teams: mapping.teams?.map((r) => ({ ...r, claim: lower(r.claim) })),
  };
}
