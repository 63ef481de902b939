import type { FieldProblem } from './errors.js';

/** Deepest nesting accepted in a body or query (the packs' forms need three or four levels). */
export const MAX_INPUT_DEPTH = 32;

/** Problems reported for one request at most: a hostile body should not make a huge answer. */
const MAX_PROBLEMS = 20;

// PostgreSQL refuses NUL in text and jsonb; a lone UTF-16 surrogate is refused in jsonb and turned into U+FFFD in text.
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATE_ALL = /\p{Cs}/gu;

/**
 * What in a parsed body, query or set of path parameters PostgreSQL would refuse or mangle: a NUL
 * character or a lone surrogate in a string or a key, or nesting deeper than MAX_INPUT_DEPTH. Each
 * problem names its field by path (`values.title`, `tickets.0`), as validation problems do.
 */
export function inputProblems(value: unknown, field = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walk(value, field, 0, problems);
  return problems;
}

function walk(value: unknown, field: string, depth: number, problems: FieldProblem[]): void {
  if (problems.length >= MAX_PROBLEMS) return;
  if (typeof value === 'string') {
    const rule = stringRule(value);
    if (rule) problems.push({ field: field || 'body', rule });
    return;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (depth >= MAX_INPUT_DEPTH) {
    problems.push({ field: field || 'body', rule: 'rule.depth', params: { max: MAX_INPUT_DEPTH } });
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const keyRule = stringRule(key);
    const path = join(field, keyRule ? printable(key) : key);
    if (keyRule) {
      problems.push({ field: path, rule: keyRule });
      if (problems.length >= MAX_PROBLEMS) return;
      continue;
    }
    walk(child, path, depth + 1, problems);
  }
}

function stringRule(value: string): string | undefined {
  if (value.includes('\0')) return 'rule.nul';
  if (LONE_SURROGATE.test(value)) return 'rule.unicode';
  return undefined;
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** A key as it can be shown: NUL and lone surrogates as `\uXXXX`. */
function printable(key: string): string {
  return key.replace(LONE_SURROGATE_ALL, codeOf).replaceAll('\0', codeOf('\0'));
}

function codeOf(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** An ISO 8601 UTC instant as Date#toISOString writes it (years 0001–9999), so PostgreSQL reads it too. */
export function isIsoInstant(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(value) && !value.startsWith('0000') && !Number.isNaN(Date.parse(value));
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * Text from outside a request (a mail's body) made storable, the same for every delivery: control
 * characters dropped (NUL, from a quoted-printable `=00`, fails every insert; tab and line breaks
 * are kept), lone surrogates replaced by U+FFFD. A person typing in a form gets a 400 instead
 * (inputProblems).
 */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '').replace(LONE_SURROGATE_ALL, '\uFFFD');
}
