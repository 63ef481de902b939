import type { OpenAPIObject } from '@nestjs/swagger';
import { ERROR_STATUS } from '../common/errors.js';

/** Statuses every API operation may answer besides its own, with the error body they carry. */
const COMMON = {
  400: 'Invalid input: `VALIDATION_FAILED` with one entry per field in `details`, or `INVALID_JSON`, `INVALID_MULTIPART`',
  401: 'No valid bearer token (`UNAUTHENTICATED`)',
  403: 'The token or the person may not do this (`FORBIDDEN`)',
  404: 'Unknown tenant, or nothing the caller may see under this id (`*_NOT_FOUND`)',
  409: 'The ticket changed meanwhile, or the transition is not allowed from its status (`TRANSITION_NOT_ALLOWED` lists the allowed ones)',
  413: 'A body or file over its limit (`BODY_TOO_LARGE`, `UPLOAD_TOO_LARGE`)',
  422: 'An Idempotency-Key already used for another request (`IDEMPOTENCY_KEY_REUSED`)',
  431: 'The request line (a very long query) or headers are too large, refused by the HTTP server before Guichet reads them (no body)',
  429: 'Too many requests by this person (`TOO_MANY_REQUESTS`), with Retry-After',
  503: 'The database does not answer (`SERVICE_UNAVAILABLE`); nothing was saved; with Retry-After',
} as const;

/**
 * Declares the error answers of every operation in the document, with their one body
 * shape `{ code, message, details }` (the codes are `ERROR_STATUS`'s), so clients generated from
 * it know every status the server answers (the fuzzer fails on one it does not declare).
 */
export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.ErrorBody = {
    type: 'object',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: [...new Set([...Object.keys(ERROR_STATUS), 'INVALID_JSON', 'INVALID_MULTIPART', 'BODY_TOO_LARGE', 'UPLOAD_TOO_LARGE', 'INTERNAL'])] },
      message: { type: 'string', description: 'In the caller’s language (French by default, `?lang=en` or Accept-Language)' },
      details: { description: 'For VALIDATION_FAILED: `[{ field, rule, message }]`; for others, the code’s data (e.g. the allowed transitions)' },
      correlationId: { type: 'string', description: 'On a 500: the id of its log line' },
    },
  };
  const body = { content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
  for (const [path, item] of Object.entries(document.paths)) {
    // Outside the API (the health check) only input and the database can fail a request.
    const statuses = Object.entries(COMMON).filter(([status]) => path.startsWith('/api/') || ['400', '431', '503'].includes(status));
    for (const operation of Object.values(item)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      const responses = (operation as { responses: Record<string, unknown> }).responses;
      for (const [status, description] of statuses) responses[status] ??= status === '431' ? { description } : { description, ...body };
    }
  }
  return document;
}
