import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { logScope } from './logger.js';
import type { Metrics } from './metrics.js';

/** What a request carries once routed: the route's template, and who made it (set by the guards). */
interface RoutedRequest extends IncomingMessage {
  originalUrl?: string;
  route?: { path?: string };
  guichet?: { tenantId?: string; actor?: { id: string | null } };
}

/** An `X-Request-Id` worth keeping: short, printable, no spaces (anything else gets a new id). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** The path without its query string: queries may carry tokens (`?gone=`, sign-in round trips). */
function pathOf(req: RoutedRequest): string {
  return (req.originalUrl ?? req.url ?? '/').split('?')[0];
}

/**
 * The tenant a request is for, from its path (`/api/{tenant}/…`, `/{tenant}/…`), only if this
 * deployment serves it: a metric label never takes a value a client made up.
 */
export function tenantOfPath(path: string, tenants: ReadonlySet<string>): string {
  const parts = path.split('/');
  const candidate = parts[1] === 'api' ? parts[2] : parts[1];
  return candidate && tenants.has(candidate) ? candidate : '';
}

/**
 * One middleware in front of every route: gives the request its id (the client's `X-Request-Id`
 * or a new one, echoed in the response), runs the rest of the request in that id's log scope,
 * writes one line when the response is finished (method, path, route template, status,
 * duration, tenant, person), and records the duration in the HTTP histogram.
 */
export function requestLogging(logger: Logger, metrics: Metrics, tenants: ReadonlySet<string>) {
  const http = pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdOf(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    quietReqLogger: true,
    wrapSerializers: false,
    serializers: {
      // The raw objects (wrapSerializers off): only what is safe to write, never headers.
      req: (req: RoutedRequest) => ({ method: req.method, path: pathOf(req) }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customProps: (req) => {
      const routed = req as RoutedRequest;
      const path = pathOf(routed);
      return {
        route: routed.route?.path,
        tenant: routed.guichet?.tenantId ?? (tenantOfPath(path, tenants) || undefined),
        personId: routed.guichet?.actor?.id ?? undefined,
      };
    },
    // A 500 is a failure (its stack is on the error filter's line); a 503 (database away, not ready) is the system saying so.
    customLogLevel: (_req, res, error) => (error || res.statusCode === 500 ? 'error' : res.statusCode > 500 ? 'warn' : 'info'),
    // pino-http makes up an Error for every 5xx; only a real one is worth its stack.
    customErrorObject: (_req, _res, error, value: Record<string, unknown>) => (/^failed with status code \d+$/.test(error.message) ? { ...value, err: undefined } : value),
    customSuccessMessage: (req, res, time) => `${req.method} ${pathOf(req as RoutedRequest)} ${res.statusCode} ${Math.round(time)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req as RoutedRequest)} ${res.statusCode}`,
    customAttributeKeys: { responseTime: 'durationMs' },
  });
  return (req: RoutedRequest, res: ServerResponse, next: () => void) => {
    const started = process.hrtime.bigint();
    http(req, res);
    res.once('finish', () => {
      const path = pathOf(req);
      metrics.httpDuration.observe(
        { method: req.method ?? '', route: routeLabel(req), status: String(res.statusCode), tenant: req.guichet?.tenantId ?? tenantOfPath(path, tenants) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    logScope.run({ requestId: String(req.id) }, next);
  };
}

/** The route's template (`/api/:tenant/tickets/:reference`), never the path itself: bounded label values. */
function routeLabel(req: RoutedRequest): string {
  const route = req.route?.path;
  return typeof route === 'string' ? route : 'unmatched';
}
