import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/** Express's `trust proxy`: off, on (any proxy), a number of hops, or addresses and subnets. */
export type TrustProxy = boolean | number | string;

/**
 * GUICHET_TRUST_PROXY as Express reads it: unset, empty or `false` trusts no proxy; `true` trusts
 * any; a number is how many proxies in front to trust; anything else is a comma-separated list of
 * addresses, subnets or Express's names (`loopback`, `linklocal`, `uniquelocal`).
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = (value ?? '').trim();
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

/** The portal's pages load only their own files: no inline script, style or handler, nowhere else, in no frame. */
const PORTAL_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Swagger UI (`/api/docs`) writes its own inline styles; nothing else is relaxed for it. */
const DOCS_CSP = { ...PORTAL_CSP, styleSrc: ["'self'", "'unsafe-inline'"] };

function headers(directives: typeof PORTAL_CSP) {
  return helmet({
    // Without `upgrade-insecure-requests`: a deployment on plain HTTP (a test, an intranet) keeps working; HSTS covers TLS ones.
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
    // Not `no-referrer`: that policy also sends `Origin: null` on form posts, which the sign-in forms' origin check refuses.
    referrerPolicy: { policy: 'same-origin' },
  });
}

/**
 * Security headers on every answer (helmet: CSP, X-Frame-Options, nosniff, Referrer-Policy, HSTS…),
 * no `X-Powered-By`, and Express's `trust proxy` so that `req.secure` (hence the cookies' `Secure`)
 * follows `X-Forwarded-Proto` from a trusted TLS proxy. Called first, so static files get them too.
 */
export function applySecurityHeaders(app: INestApplication, options: { trustProxy?: TrustProxy } = {}): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.set('trust proxy', options.trustProxy ?? false);
  const portal = headers(PORTAL_CSP);
  const docs = headers(DOCS_CSP);
  app.use((req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/api/docs') ? docs : portal)(req, res, next));
}
