import pg from 'pg';

/** node-postgres's conversion of a value to the text it sends for a parameter (not in its typings). */
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils.prepareValue;

/**
 * `sql` with its `$n` placeholders replaced by the values as quoted literals, for the simple query
 * protocol (which takes no parameters but runs several statements in one round trip). Values go
 * through node-postgres's own text conversion (`prepareValue`: dates, arrays, JSON) and
 * `escapeLiteral`, so what PostgreSQL reads is what a bound parameter would have carried.
 * Quoted strings, quoted identifiers and dollar-quoted bodies are copied untouched.
 * Returns undefined for values it does not inline (binary buffers): the caller binds them instead.
 */
export function inlineSql(sql: string, params: readonly unknown[]): string | undefined {
  const literals: string[] = [];
  for (const value of params) {
    if (value === null || value === undefined) {
      literals.push('NULL');
      continue;
    }
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return undefined;
    const text = prepareValue(value);
    if (text === null || text === undefined) literals.push('NULL');
    else if (typeof text === 'string') literals.push(pg.escapeLiteral(text));
    else return undefined;
  }
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = closing(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$') {
      const placeholder = /^\$(\d+)/.exec(sql.slice(i, i + 8));
      const tag = placeholder ? undefined : /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64));
      if (placeholder) {
        const n = Number(placeholder[1]);
        if (n < 1 || n > literals.length) return undefined;
        // Parenthesised so that a cast or an operator after it applies to the whole literal.
        out += `(${literals[n - 1]})`;
        i += placeholder[0].length;
      } else if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        const stop = end < 0 ? sql.length : end + tag[0].length;
        out += sql.slice(i, stop);
        i = stop;
      } else {
        out += c;
        i += 1;
      }
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** The index just past the quote that closes the one at `start` (doubled quotes stay inside). */
function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}
