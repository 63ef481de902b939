import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Invariant 1 of DESIGN.md: `src/` names no academy; what is an academy's own lives in its pack.
 *
 * The pattern: the names of the academies, their helpdesks and their portals, case-insensitive,
 * accents optional (`Réunion`/`Reunion`, `Créteil`/`Creteil`). Each name must stand as a word:
 * not preceded or followed by a letter, so `arenas`, `arenaceous` or `Caenorhabditis` pass while
 * `caen-amigo`, `cecoia_rouen`, `Rennes2` are caught. Identifiers are split into words first
 * (`reunionFilaos` → `reunion Filaos`, `CAENPack` → `CAEN Pack`), so camelCase hides nothing.
 *
 * Deliberate consequences:
 * - `Indian/Reunion`, the IANA time zone, is allowed anywhere: a time zone is data the core must
 *   handle, not a reference to the academy (specs use Indian/Mauritius for UTC+4 all the same).
 * - A few files may use one name for a stated reason (EXCEPTIONS). Each exception is checked to be
 *   still needed, so it goes away with the last use; prefer renaming to adding one.
 * - the French word "réunion" (a meeting) and the English "arena" (e.g. a memory arena) are
 *   caught: the core's own texts can say "rencontre" or "pool", and pack texts are not in src/.
 */
const NAMES = [
  'filaos', 'amigo', 'cecoia', 'cariina', 'kosmos', 'r[ée]union', 'caen', 'rennes',
  'cr[ée]teil', 'rouen', 'versailles', 'toutatice', 'metice', 'arena',
];
const ACADEMY = new RegExp(`(?<!\\p{L})(?:${NAMES.join('|')})(?!\\p{L})`, 'giu');
const ALLOWED = [/\bIndian\/Reunion\b/g];

/** Files (relative to src/) allowed to use one name, and why. */
const EXCEPTIONS: { file: string; name: RegExp; why: string }[] = [];

const SRC = join(import.meta.dirname, '..', 'src');

interface Finding {
  line: number;
  name: string;
  text: string;
}

/** The academy names found in a text, line by line. */
function findAcademies(text: string): Finding[] {
  const findings: Finding[] = [];
  text.normalize('NFC').split(/\r?\n/).forEach((raw, i) => {
    let line = raw;
    for (const allowed of ALLOWED) line = line.replace(allowed, ' ');
    const words = line.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2').replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2');
    for (const match of words.matchAll(ACADEMY)) findings.push({ line: i + 1, name: match[0], text: raw.trim() });
  });
  return findings;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

describe('src/ names no academy', () => {
  const files = filesUnder(SRC);

  it('scans the whole tree, every extension', () => {
    const names = files.map((f) => relative(SRC, f));
    expect(names).toContain('main.ts');
    expect(names).toContain(join('tenancy', 'pack-loader.ts'));
    expect(names.some((n) => n.split('/').length > 2)).toBe(true);
  });

  const found = files.map((file) => ({ file: relative(SRC, file), findings: findAcademies(readFileSync(file, 'utf8')) }));
  const excepted = (file: string, name: string) => EXCEPTIONS.some((e) => e.file === file && e.name.test(name));

  it('finds no academy name in any file', () => {
    const findings = found.flatMap(({ file, findings }) =>
      findings.filter((f) => !excepted(file, f.name)).map((f) => `src/${file}:${f.line}: "${f.name}" in ${f.text}`),
    );
    expect(findings).toEqual([]);
  });

  // it.each refuses an empty table: the day the last exception goes, so does this test.
  if (EXCEPTIONS.length) it.each(EXCEPTIONS.map((e) => e.file))('still needs its exception for src/%s', (file) => {
    expect(found.find((f) => f.file === file)?.findings.some((f) => excepted(file, f.name))).toBe(true);
  });
});

describe('findAcademies', () => {
  it.each([
    ["const id = 'caen-amigo';", ['caen', 'amigo']],
    ['export const reunionFilaos = true;', ['reunion', 'Filaos']],
    ['const CECOIA_THEME = 1;', ['CECOIA']],
    ['// CARIINA and Kosmos', ['CARIINA', 'Kosmos']],
    ["name: 'Assistance de l’académie de Créteil'", ['Créteil']],
    ['Académie de Cre\u0301teil', ['Créteil']],
    ['La Réunion, Rouen et Versailles', ['Réunion', 'Rouen', 'Versailles']],
    ['loadRennes2()', ['Rennes']],
    ['if (CAENPack) return TOUTATICE;', ['CAEN', 'TOUTATICE']],
    ['redirect to METICE or to the ARENA portal', ['METICE', 'ARENA']],
    ['tenants/caen-amigo/tenant.yaml', ['caen', 'amigo']],
  ])('catches %j', (text, names) => {
    expect(findAcademies(text).map((f) => f.name)).toEqual(names);
  });

  it.each([
    "const ZONE = 'Indian/Reunion';",
    "timezone: 'Indian/Reunion'",
    'several arenas',
    'arenaceous rock',
    'Caenorhabditis elegans',
    'const amigos = 1; const kosmostation = 2;',
    'Europe/Paris, 0140096D',
  ])('lets %j through', (text) => {
    expect(findAcademies(text)).toEqual([]);
  });

  it('gives the line of each finding', () => {
    expect(findAcademies('one\ntwo\nconst pack = "rennes-amigo";\n')).toEqual([
      { line: 3, name: 'rennes', text: 'const pack = "rennes-amigo";' },
      { line: 3, name: 'amigo', text: 'const pack = "rennes-amigo";' },
    ]);
  });

  it('would fail the scan of a file naming an academy', () => {
    const file = "import { x } from './y.js';\n// special case for FILAOS\nexport const tz = 'Indian/Reunion';\n";
    expect(findAcademies(file)).toEqual([{ line: 2, name: 'FILAOS', text: '// special case for FILAOS' }]);
  });
});
