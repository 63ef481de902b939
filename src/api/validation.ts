import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidationFailed, type FieldProblem } from '../common/errors.js';

const RULES: Record<string, string> = {
  isNotEmpty: 'rule.required',
  isDefined: 'rule.required',
  whitelistValidation: 'rule.unknown',
  maxLength: 'rule.maxLength',
  isEmail: 'rule.email',
};

/** class-validator on every body, each failure turned into a field problem translated by the error filter. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailed(flatten(errors, '')),
  });
}

function flatten(errors: ValidationError[], prefix: string): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.keys(e.constraints ?? {}).slice(0, 1).map((name) => ({
      field,
      rule: RULES[name] ?? 'rule.type',
      params: { expected: name.replace(/^is/, '').toLowerCase() },
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
