import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { basename } from 'node:path';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { definePlugin, DirectorySource, DomainError, directoryMappingSchema, directoryScope, mapDirectoryEntry, type DirectoryItem, type DirectoryScope } from '../../src/plugin-host/index.js';

const options = z.strictObject({
  /** The export to read when the command names none (`--file`), e.g. `"${GUICHET_X_DIRECTORY_CSV}"`. */
  file: z.string().min(1).optional(),
  /** `;` (French spreadsheets' default) or `,`; detected from the header line when absent. */
  delimiter: z.enum([';', ',', '\t']).optional(),
  encoding: z.enum(['utf8', 'latin1']).default('utf8'),
  /** Separator of several values in one cell (establishments, groups). */
  multiValueSeparator: z.string().min(1).default('|'),
  /** Column names to person (the header line names the columns). */
  columns: directoryMappingSchema({ login: 'login', name: 'name', email: 'email' }).prefault({}),
});
export type CsvDirectoryOptions = z.infer<typeof options>;

/** RFC 4180 fields of one line (quotes doubled inside quoted fields); null when a quote is left open. */
export function splitCsvLine(line: string, delimiter: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) {
      cells.push(cell);
      cell = '';
    }
    else cell += c;
  }
  if (quoted) return null;
  cells.push(cell);
  return cells.map((v) => v.trim());
}

/** Reads a CSV export line by line (streamed), the header naming the columns. */
@Injectable()
export class CsvDirectorySource extends DirectorySource<CsvDirectoryOptions> {
  scope(o: CsvDirectoryOptions): DirectoryScope {
    return directoryScope(o.columns);
  }

  async *read(o: CsvDirectoryOptions, input: { file?: string }): AsyncIterable<DirectoryItem> {
    const file = input.file ?? o.file;
    if (!file || !existsSync(file)) throw new DomainError('NOT_FOUND', {}, { file: file ?? null });
    const lines = createInterface({ input: createReadStream(file, { encoding: o.encoding }), crlfDelay: Infinity });
    let header: string[] | undefined;
    let delimiter = o.delimiter;
    let n = 0;
    for await (const raw of lines) {
      n++;
      const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (!line.trim()) continue;
      const where = `${basename(file)}:${n}`;
      if (!header) {
        delimiter ??= line.includes(';') ? ';' : line.includes('\t') ? '\t' : ',';
        header = splitCsvLine(line, delimiter) ?? [];
        continue;
      }
      const cells = splitCsvLine(line, delimiter!);
      if (!cells) {
        yield { where, refused: 'unterminated quote' };
        continue;
      }
      if (cells.length !== header.length) {
        yield { where, refused: `expected ${header.length} columns, got ${cells.length}` };
        continue;
      }
      const claims = Object.fromEntries(header.map((h, i) => [h, cells[i].includes(o.multiValueSeparator) ? cells[i].split(o.multiValueSeparator).map((v) => v.trim()) : cells[i]]));
      const person = mapDirectoryEntry(claims, o.columns);
      yield person ? { where, person } : { where, refused: `no ${o.columns.login}` };
    }
  }
}

/** People from a CSV export of the academy's directory. */
export const csvDirectoryPlugin = definePlugin({
  name: 'csv-directory',
  core: '^0.1',
  description: 'People, establishments, heads, roles and teams from a CSV export',
  options,
  provides: { directory: { source: CsvDirectorySource } },
  providers: [CsvDirectorySource],
});
