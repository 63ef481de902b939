import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationFailed } from '../common/errors.js';
import { inputProblems } from '../common/input-check.js';

/**
 * Global, before every other guard: path parameters, query and parsed body (JSON, form, the
 * portal's multipart fields) must hold no NUL, no lone surrogate and no nesting deeper than
 * MAX_INPUT_DEPTH. Otherwise a 400 naming the fields, in the caller's language (the API's JSON or
 * the portal's error page, by the route's filter), instead of a 500 when PostgreSQL refuses them.
 */
@Injectable()
export class InputGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const problems = [...inputProblems(req.params), ...inputProblems(req.query), ...inputProblems(req.body)];
    if (problems.length) throw new ValidationFailed(problems);
    return true;
  }
}
