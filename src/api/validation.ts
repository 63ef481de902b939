import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidationFailed, type FieldProblem } from '../common/errors.js';

const RULES: Record<string, string> = {
  isNotEmpty: 'rule.required',
  isDefined: 'rule.required',
  whitelistValidation: 'rule.unknown',
  maxLength: 'rule.maxLength',
  isEmail: 'rule.email',
  min: 'rule.min',
  max: 'rule.max',
  isIn: 'rule.option',
};

/** class-validator's constraint arguments, as message parameters. */
function paramsOf(name: string, e: ValidationError): Record<string, string | number> {
  // class-validator gives the bound only inside its English message ("must not be greater than 100").
  const text = e.constraints?.[name] ?? '';
  const number = /(-?\d+(\.\d+)?)/.exec(text)?.[1];
  if (name === 'min') return { min: Number(number) };
  if (name === 'max' || name === 'maxLength') return { max: Number(number) };
  return { expected: name.replace(/^is/, '').toLowerCase() };
}

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
      params: paramsOf(name, e),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
