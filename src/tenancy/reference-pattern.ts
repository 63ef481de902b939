import type { ReferenceToken } from './pack-extensions.js';

/**
 * A tiny pattern language for ticket references, e.g. `I-{seq:6}` or `I{date:yyMMdd}_{seq:4}`.
 *
 * Tokens: `{seq}` (the counter, unpadded), `{seq:N}` (zero-padded to N digits, never truncated),
 * `{date:FORMAT}` (the creation date in the tenant time zone; FORMAT combines `yyyy`, `yy`, `MM`,
 * `dd`, `HH`, `mm` and any non-letter separators), and the tokens plugins provide
 * (`{school-year:yy}`, see `ReferenceTokens`). Literal braces are written `{{` and `}}`.
 */

/** Tokens beyond `{seq}` and `{date}`: those of the plugins a pack turns on. */
export interface ReferenceTokens {
  /** Names offered, for the message about an unknown token. */
  readonly names: readonly string[];
  /**
   * The token `name` with its argument, or undefined when there is no such token.
   * @throws ReferencePatternError when the argument is refused or the token's plugin is off.
   */
  compile(name: string, argument: string | undefined): ReferenceToken | undefined;
}

/** Thrown when a pattern is malformed; the message is meant for whoever wrote the tenant pack. */
export class ReferencePatternError extends Error {
  override readonly name = 'ReferencePatternError';
}

type DateField = 'yyyy' | 'yy' | 'MM' | 'dd' | 'HH' | 'mm';
type DatePart = { field: DateField } | { text: string };
type Part = { kind: 'text'; text: string } | { kind: 'seq'; width: number } | { kind: 'date'; parts: DatePart[] } | { kind: 'token'; token: ReferenceToken };

const DATE_FIELDS: readonly DateField[] = ['yyyy', 'yy', 'MM', 'dd', 'HH', 'mm'];

// Fixed-width date fields keep references unambiguous even with an unpadded counter next to them.
const DATE_FIELD_REGEX: Record<DateField, string> = {
  yyyy: '\\d{4}',
  yy: '\\d{2}',
  MM: '(?:0[1-9]|1[0-2])',
  dd: '(?:0[1-9]|[12]\\d|3[01])',
  HH: '(?:[01]\\d|2[0-3])',
  mm: '[0-5]\\d',
};

// Longest reasonable padding; beyond this the counter would exceed Number.MAX_SAFE_INTEGER anyway.
const MAX_SEQ_WIDTH = 16;

export class ReferencePattern {
  private constructor(
    readonly source: string,
    private readonly parts: readonly Part[],
  ) {}

  /**
   * Parses a pattern.
   * @throws ReferencePatternError on unbalanced braces, unknown tokens, bad date formats, or when
   *   the pattern does not contain exactly one `{seq}` token.
   */
  static parse(pattern: string, tokens?: ReferenceTokens): ReferencePattern {
    const parts = tokenize(pattern, tokens);
    const seqCount = parts.filter((p) => p.kind === 'seq').length;
    if (seqCount !== 1) {
      throw new ReferencePatternError(
        `the pattern needs exactly one {seq} token, found ${seqCount} in "${pattern}"`,
      );
    }
    return new ReferencePattern(pattern, parts);
  }

  /**
   * The counter scope: the pattern rendered without its seq token (e.g. `I-`, `I130416_`).
   * Tickets share a counter exactly when their scopes are equal, so a date token restarts the
   * counter whenever the rendered date changes in the tenant time zone.
   */
  scope(at: Date, timeZone: string): string {
    return this.render(at, timeZone, '');
  }

  /** Renders the reference for a counter value (a non-negative safe integer). */
  format(at: Date, timeZone: string, seq: number): string {
    if (!Number.isSafeInteger(seq) || seq < 0) {
      throw new RangeError(`the counter must be a non-negative integer, got ${seq}`);
    }
    const width = this.parts.find((p) => p.kind === 'seq')?.width ?? 0;
    return this.render(at, timeZone, String(seq).padStart(width, '0'));
  }

  /**
   * The reference around its counter, for writing it in SQL next to the counter's increment:
   * `before + counter zero-padded to width (never truncated) + after` is what `format` renders.
   */
  around(at: Date, timeZone: string): { before: string; width: number; after: string } {
    const marker = '\u0000';
    const [before, after] = this.render(at, timeZone, marker).split(marker);
    return { before, width: this.parts.find((p) => p.kind === 'seq')?.width ?? 0, after };
  }

  /**
   * An anchored regex matching the references this pattern produces; the counter is captured in
   * the named group `seq`. Matching is case-sensitive: normalise user input before looking up.
   */
  toRegExp(): RegExp {
    const body = this.parts
      .map((part) => {
        if (part.kind === 'text') return escapeRegExp(part.text);
        if (part.kind === 'token') return `(?:${part.token.pattern})`;
        if (part.kind === 'seq') {
          // A padded counter is exactly `width` digits, or longer without a leading zero.
          return part.width > 1
            ? `(?<seq>\\d{${part.width}}|[1-9]\\d{${part.width},})`
            : '(?<seq>0|[1-9]\\d*)';
        }
        return part.parts.map((d) => ('field' in d ? DATE_FIELD_REGEX[d.field] : escapeRegExp(d.text))).join('');
      })
      .join('');
    return new RegExp(`^${body}$`);
  }

  private render(at: Date, timeZone: string, seqText: string): string {
    const needsDate = this.parts.some((p) => p.kind === 'date');
    const fields = needsDate ? dateFields(at, timeZone) : undefined;
    return this.parts
      .map((part) => {
        if (part.kind === 'text') return part.text;
        if (part.kind === 'seq') return seqText;
        if (part.kind === 'token') return part.token.render({ at, timeZone });
        return part.parts.map((d) => ('field' in d ? fields![d.field] : d.text)).join('');
      })
      .join('');
  }
}

function tokenize(pattern: string, tokens: ReferenceTokens | undefined): Part[] {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '{' && pattern[i + 1] === '{') {
      text += '{';
      i += 2;
    } else if (ch === '}' && pattern[i + 1] === '}') {
      text += '}';
      i += 2;
    } else if (ch === '}') {
      throw new ReferencePatternError(`unexpected "}" at position ${i} in "${pattern}" (write "}}" for a literal brace)`);
    } else if (ch === '{') {
      const end = pattern.indexOf('}', i + 1);
      const nested = pattern.indexOf('{', i + 1);
      if (end < 0 || (nested >= 0 && nested < end)) {
        throw new ReferencePatternError(`unclosed "{" at position ${i} in "${pattern}" (write "{{" for a literal brace)`);
      }
      if (text) parts.push({ kind: 'text', text });
      text = '';
      parts.push(parseToken(pattern.slice(i + 1, end), tokens));
      i = end + 1;
    } else {
      text += ch;
      i += 1;
    }
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

function parseToken(body: string, tokens: ReferenceTokens | undefined): Part {
  const colon = body.indexOf(':');
  const name = colon < 0 ? body : body.slice(0, colon);
  const arg = colon < 0 ? undefined : body.slice(colon + 1);
  if (name === 'seq') {
    if (arg === undefined) return { kind: 'seq', width: 0 };
    if (!/^\d+$/.test(arg) || Number(arg) < 1 || Number(arg) > MAX_SEQ_WIDTH) {
      throw new ReferencePatternError(`invalid width in {${body}}: expected a whole number from 1 to ${MAX_SEQ_WIDTH}`);
    }
    return { kind: 'seq', width: Number(arg) };
  }
  if (name === 'date') {
    if (!arg) throw new ReferencePatternError(`{date} needs a format, e.g. {date:yyMMdd}`);
    return { kind: 'date', parts: parseDateFormat(arg) };
  }
  const token = name ? tokens?.compile(name, arg) : undefined;
  if (token) return { kind: 'token', token };
  const offered = tokens?.names.length ? ` or a plugin's token (${tokens.names.map((n) => `{${n}}`).join(', ')})` : ' or {date:FORMAT}';
  throw new ReferencePatternError(`unknown token {${body}}: expected {seq}, {seq:N}${tokens?.names.length ? ', {date:FORMAT}' : ''}${offered}`);
}

function parseDateFormat(format: string): DatePart[] {
  const parts: DatePart[] = [];
  // Split into runs of the same character so that `yyy` is an error rather than `yy` + `y`.
  for (const run of format.match(/(.)\1*/gsu) ?? []) {
    if (!/^\p{L}/u.test(run)) {
      parts.push({ text: run });
    } else if ((DATE_FIELDS as readonly string[]).includes(run)) {
      parts.push({ field: run as DateField });
    } else {
      throw new ReferencePatternError(
        `unknown date format letter "${run}" in {date:${format}}: use yyyy, yy, MM, dd, HH or mm`,
      );
    }
  }
  return parts;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Calendar fields of an instant as seen in a time zone (Gregorian calendar, Latin digits). */
function dateFields(at: Date, timeZone: string): Record<DateField, string> {
  if (Number.isNaN(at.getTime())) throw new RangeError('cannot format an invalid date');
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws RangeError for an unknown time zone, which is what we want.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      // h23, not hour12: false, which renders midnight as "24" on some ICU versions.
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const year = get('year').padStart(4, '0');
  return { yyyy: year, yy: year.slice(-2), MM: get('month'), dd: get('day'), HH: get('hour'), mm: get('minute') };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
