import type { Localized } from './localized.js';

/** Codes of the expected failures, mapped to HTTP statuses by the global filter. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  TENANT_NOT_FOUND: 404,
  TICKET_NOT_FOUND: 404,
  ATTACHMENT_NOT_FOUND: 404,
  PERSON_NOT_FOUND: 404,
  CATALOGUE_NODE_NOT_FOUND: 404,
  VIEW_NOT_FOUND: 404,
  NOT_FOUND: 404,
  TRANSITION_NOT_ALLOWED: 409,
  CONFLICT: 409,
  /** The change would leave the tenant without an active administrator. */
  LAST_ADMIN: 409,
  /** A directory sync would deactivate too large a share of the people it manages (an empty or misfiltered read?). */
  DIRECTORY_SHRANK: 409,
  /** An Idempotency-Key already used for another request. */
  IDEMPOTENCY_KEY_REUSED: 422,
  MAIL_ALREADY_SENT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UPLOAD_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  INVALID_MULTIPART: 400,
  SIGN_IN_FAILED: 401,
  RATE_LIMITED: 429,
  /** Too many creations or searches by one person (the pack's `limits.rates`). */
  TOO_MANY_REQUESTS: 429,
  ACCOUNT_LOCKED: 429,
  /** The database does not answer: try again later (with Retry-After). */
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One field's problem: the field, a message key and its parameters, translated when answered. */
export interface FieldProblem {
  field: string;
  rule: string;
  params?: Record<string, string | number>;
  /** The message itself, when it comes with the problem (a plugin's check) rather than from the core's messages. */
  message?: Localized;
}

/**
 * An expected failure of a domain rule. Services throw these, never HTTP exceptions; the
 * filter translates `code` into the caller's language.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly params: Record<string, string | number> = {},
    readonly details?: unknown,
  ) {
    super(code);
    this.name = 'DomainError';
  }
}

export class ValidationFailed extends DomainError {
  constructor(readonly problems: FieldProblem[]) {
    super('VALIDATION_FAILED', { count: problems.length }, problems);
  }
}

/** Field problems of an upload over a size or count limit, found while it was read (a 413). */
export class UploadRefused extends DomainError {
  constructor(readonly problems: FieldProblem[]) {
    super('UPLOAD_TOO_LARGE', { count: problems.length }, problems);
  }
}

/** Collects field problems and throws them together. */
export class FieldErrors {
  private readonly problems: FieldProblem[] = [];
  add(field: string, rule: string, params?: Record<string, string | number>): void {
    this.problems.push({ field, rule, params });
  }
  /** A problem whose message is given (in each locale) rather than looked up by `rule`. */
  addMessage(field: string, rule: string, message: Localized): void {
    this.problems.push({ field, rule, message });
  }
  has(field?: string): boolean {
    return field ? this.problems.some((p) => p.field === field) : this.problems.length > 0;
  }
  all(): FieldProblem[] {
    return [...this.problems];
  }
  throwIfAny(): void {
    if (this.problems.length) throw new ValidationFailed(this.problems);
  }
}
