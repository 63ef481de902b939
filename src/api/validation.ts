import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
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

/**
 * class-validator on every body and query, each failure turned into a field problem translated by
 * the error filter; and two holes it leaves closed:
 * - a body no parser read (another content type, or none) is an empty object, so rules name what
 *   is missing instead of handlers reading a property of `undefined`;
 * - `null` is refused on every DTO property: `@IsOptional()` lets it through, and services take an
 *   optional value as a string or absent, never null.
 */
class GuichetValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const result: unknown = await super.transform(metadata.type === 'body' && value === undefined ? {} : value, metadata);
    if (metadata.type === 'body' || metadata.type === 'query') {
      const nulls = nullProblems(result, '');
      if (nulls.length) throw new ValidationFailed(nulls);
    }
    return result;
  }
}

export function validationPipe(): ValidationPipe {
  return new GuichetValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailed(flatten(errors, '')),
  });
}

/** Null properties of a DTO and of the DTOs nested in it (plain objects, such as form values, are the services' to read). */
function nullProblems(value: unknown, prefix: string): FieldProblem[] {
  if (!isDto(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const field = prefix ? `${prefix}.${key}` : key;
    if (child === null) return [{ field, rule: 'rule.null' }];
    if (Array.isArray(child)) return child.flatMap((item, i) => nullProblems(item, `${field}.${i}`));
    return nullProblems(child, field);
  });
}

function isDto(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto !== Object.prototype && proto !== null && !(value instanceof Date) && !Buffer.isBuffer(value);
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
