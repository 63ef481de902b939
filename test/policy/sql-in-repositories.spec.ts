import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * STYLE.md: repositories are the only code that runs SQL. Any `.query(` or `.query<` call
 * (`ctx.query`, `tx.query`, a manager's or a data source's) in src/ or plugins/ must be in a
 * `*.repository.ts`, with two exceptions: src/database/ (data source, migrations, health) and
 * src/tenancy/request-context.ts (the `query` every repository calls). Specs are not scanned:
 * tests may arrange and inspect rows themselves.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['src', 'plugins'];
const CALL = /\.\s*query\s*[<(]/g;

function allowed(file: string): boolean {
  return file.endsWith('.repository.ts') || file.startsWith('src/database/') || file === 'src/tenancy/request-context.ts';
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The lines of `text` with a query call, 1-based. */
function queryLines(text: string): number[] {
  return [...text.matchAll(CALL)].map((m) => text.slice(0, m.index).split('\n').length);
}

const files = SCANNED.flatMap((dir) => sources(join(ROOT, dir))).map((path) => ({
  file: relative(ROOT, path).split(sep).join('/'),
  lines: queryLines(readFileSync(path, 'utf8')),
}));

describe('SQL in repositories', () => {
  it('finds the calls it looks for (the repositories and the request context are scanned)', () => {
    const found = files.filter((f) => f.lines.length).map((f) => f.file);
    expect(found).toContain('src/tenancy/request-context.ts');
    expect(found).toContain('src/tickets/ticket.repository.ts');
    expect(queryLines('await ctx\n  .query<{ n: number }>(`SELECT 1`)')).toEqual([2]);
  });

  it('runs no SQL outside *.repository.ts, src/database/ and src/tenancy/request-context.ts', () => {
    const offenders = files.filter((f) => f.lines.length && !allowed(f.file)).map((f) => `${f.file}:${f.lines.join(',')}`);
    expect(offenders).toEqual([]);
  });
});
