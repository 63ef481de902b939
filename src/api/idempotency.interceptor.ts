import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { Clock } from '../common/clock.js';
import { DomainError, ValidationFailed } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { GuichetRequest } from './api-context.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** How long an answer is kept for its key. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on any POST of the API: the request runs in one transaction with the key's
 * row, so the key is stored exactly when what the request wrote is; the same key from the same
 * person then gets the same answer (status and body) for 24 hours instead of a second ticket. The
 * same key with another request is refused (422), a failed request stores nothing (retry it).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<GuichetRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers['idempotency-key'];
    const base = req.guichet;
    if (req.method !== 'POST' || header === undefined || !base?.actor.id || !req.path.startsWith('/api/')) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!KEY.test(key)) throw new ValidationFailed([{ field: 'Idempotency-Key', rule: 'rule.idempotencyKey' }]);
    return from(this.run(base, req, res, key, next));
  }

  private async run(base: RequestContext, req: GuichetRequest, res: Response, key: string, next: CallHandler): Promise<unknown> {
    const personId = base.actor.id!;
    const hash = createHash('sha256').update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
    return base.transaction(async (tx) => {
      const now = this.clock.now();
      const stored = await this.repository.claim(tx, personId, key, hash, now, new Date(now.getTime() - IDEMPOTENCY_TTL_MS));
      if (stored) {
        if (stored.request_hash !== hash) throw new DomainError('IDEMPOTENCY_KEY_REUSED');
        res.setHeader('Idempotent-Replayed', 'true');
        res.status(stored.status).json(stored.body);
        return undefined;
      }
      // The handler's services join this transaction: its rows and the key's commit together.
      req.guichet = tx;
      const body = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.repository.answer(tx, personId, key, res.statusCode, body);
      return body;
    });
  }
}

/** Forgets answers past their 24 hours (run with the timers). */
@Injectable()
export class IdempotencySweep {
  constructor(
    private readonly repository: IdempotencyRepository,
    private readonly clock: Clock,
  ) {}

  sweep(ctx: RequestContext): Promise<number> {
    return this.repository.sweep(ctx, new Date(this.clock.now().getTime() - IDEMPOTENCY_TTL_MS));
  }
}
