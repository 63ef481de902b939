import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackLoader } from './pack-loader.js';
import { PackValidationError, type PackProblem } from './pack-errors.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/packs');

const SAMPLE = 'packs/sample/tenant.yaml';
const BASE = 'packs/_base/simple/tenant.yaml';
const CATALOGUE = 'packs/sample/catalogue.yaml';
const DEMO = 'packs/sample/demo.yaml';

/** Each test gets its own copy of the fixtures under `<tmp>/packs`, so messages name `packs/...`. */
let tmp: string;
let root: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'guichet-packs-'));
  root = join(tmp, 'packs');
  cpSync(join(FIXTURES, 'sample'), join(root, 'sample'), { recursive: true });
  cpSync(join(FIXTURES, '_base/simple'), join(root, '_base/simple'), { recursive: true });
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Path relative to `<tmp>`, e.g. `packs/sample/tenant.yaml`. */
const abs = (file: string) => join(tmp, file);

/** Replaces `search` in a file, failing loudly if the fixture no longer contains it. */
function replace(file: string, search: string, replacement: string, all = false): void {
  const text = readFileSync(abs(file), 'utf8');
  if (!text.includes(search)) throw new Error(`fixture ${file} no longer contains ${JSON.stringify(search)}`);
  writeFileSync(abs(file), all ? text.replaceAll(search, replacement) : text.replace(search, replacement));
}

function append(file: string, yaml: string): void {
  writeFileSync(abs(file), `${readFileSync(abs(file), 'utf8').trimEnd()}\n${yaml}\n`);
}

function problemsOf(id = 'sample'): PackProblem[] {
  const result = new PackLoader(root).tryLoad(id);
  if ('pack' in result) throw new Error(`expected pack "${id}" to be refused, it loaded`);
  return result.problems;
}

const load = (id = 'sample') => new PackLoader(root).load(id);

describe('PackLoader on the sample pack', () => {
  it('lists the packs, not the base packs', () => {
    expect(new PackLoader(root).listIds()).toEqual(['sample']);
  });

  it('lists nothing under a missing folder', () => {
    expect(new PackLoader(join(tmp, 'missing')).listIds()).toEqual([]);
  });

  it('loads the sample with its base resolved', () => {
    const pack = load();
    expect(pack.id).toBe('sample');
    expect(pack.name).toEqual({ fr: 'Assistance de démonstration', en: 'Demo helpdesk' });
    expect(pack.lifecycle.statuses.size).toBe(5);
    expect(pack.lifecycle.transitions).toHaveLength(7);
    expect(pack.lifecycle.timers).toEqual([{ name: 'timer-1', when: 'resolved', after: 'P14D', apply: 'auto-close', notify: undefined }]);
    expect(pack.lifecycle.initialStatuses).toEqual(['assigned']);
    expect(pack.lifecycle.validate()).toEqual([]);
    expect(pack.config.extends).toBeUndefined();
    expect(pack.searchDirs).toEqual([join(root, 'sample'), join(root, '_base/simple')]);
    expect(pack.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('compiles references, limits and the form', () => {
    const pack = load();
    expect([...pack.references.keys()].sort()).toEqual(['incident', 'request']);
    expect(pack.references.get('request')?.source).toBe('R-{seq:6}');
    expect(pack.references.get('incident')?.source).toBe('I-{seq:6}');
    expect(pack.maxAttachmentBytes).toBe(1_000_000);
    expect(pack.config.attachments.maxFiles).toBe(3);
    expect(pack.form.map((f) => f.key)).toContain('title');
    expect(pack.form.find((f) => f.key === 'availability')?.standard).toBe(false);
    expect(pack.form.find((f) => f.key === 'description')?.editableIn).toEqual(['assigned']);
  });

  it('builds the catalogue with inherited types and teams', () => {
    const pack = load();
    const leaves = pack.catalogue.filter((c) => c.leaf);
    expect(leaves.map((l) => l.key)).toEqual(['otp-order', 'otp-problem', 'password-lost', 'wifi-down']);
    const byKey = new Map(pack.catalogue.map((c) => [c.key, c]));
    expect(byKey.get('otp-order')).toMatchObject({ type: 'request', team: undefined, path: ['access', 'otp', 'otp-order'], depth: 2 });
    expect(byKey.get('otp-problem')).toMatchObject({ type: 'incident', parentKey: 'otp' });
    expect(byKey.get('password-lost')?.type).toBe('request');
    expect(byKey.get('wifi-down')).toMatchObject({ type: 'incident', team: 'network', path: ['network', 'wifi', 'wifi-down'] });
    expect(byKey.get('wifi-down')?.fields.map((f) => f.key)).toEqual(['building']);
  });

  it('keeps the demo data', () => {
    expect(load().demo?.establishments.map((e) => e.uai)).toEqual(['0140096D', '9740049K']);
  });
});

describe('PackLoader problems', () => {
  it('reports an unknown key in the pack file', () => {
    append(SAMPLE, 'colour: blue');
    expect(problemsOf()).toEqual([{ file: SAMPLE, path: 'colour', message: expect.stringContaining('unknown key') }]);
  });

  it('reports an unknown nested key in the file that holds it', () => {
    replace(BASE, 'taken: { label: { fr: Assignée, en: In progress }, category: open }', 'taken: { label: { fr: Assignée, en: In progress }, category: open, colour: red }');
    expect(problemsOf()).toEqual([{ file: BASE, path: 'statuses.taken.colour', message: expect.stringContaining('unknown key') }]);
  });

  it('names the base for an unknown key it holds, even when the pack overrides a sibling', () => {
    replace(BASE, 'taken: { label: { fr: Assignée, en: In progress }, category: open }', 'taken: { label: { fr: Assignée, en: In progress }, category: open, colour: red }');
    append(SAMPLE, 'statuses:\n  closed: { label: Clôturée }');
    expect(problemsOf()).toEqual([{ file: BASE, path: 'statuses.taken.colour', message: expect.stringContaining('unknown key') }]);
  });

  it('reports a transition to an unknown status', () => {
    replace(BASE, 'from: taken, to: pending', 'from: taken, to: on-hold');
    expect(problemsOf()).toEqual([{ file: BASE, path: 'transitions[1].to', message: 'expected a known status, got "on-hold"' }]);
  });

  it('reports a status unreachable from the initial status', () => {
    append(SAMPLE, 'statuses:\n  archived: { label: Archivée, category: closed }');
    expect(problemsOf()).toEqual([
      { file: SAMPLE, path: 'statuses.archived', message: 'expected a status reachable from the initial status, "archived" is not' },
    ]);
  });

  it('reports a status with no way to a closed status', () => {
    replace(BASE, 'statuses:\n', 'statuses:\n  frozen: { label: Gelée, category: waiting }\n');
    replace(BASE, 'transitions:\n', 'transitions:\n  - { name: freeze, label: Geler, from: taken, to: frozen, by: [agent] }\n');
    expect(problemsOf()).toEqual([{ file: BASE, path: 'statuses.frozen', message: 'expected a way from "frozen" to a closed status, there is none' }]);
  });

  it('reports a bad reference pattern', () => {
    append(SAMPLE, 'ticketTypes:\n  request: { reference: "I-{foo}" }');
    const problems = problemsOf();
    expect(problems).toEqual([{ file: SAMPLE, path: 'ticketTypes.request.reference', message: expect.stringMatching(/^expected a reference pattern: /) }]);
    expect(problems[0].message).toContain('{foo}');
  });

  it('reports a catalogue leaf whose team does not exist, in the catalogue file', () => {
    replace(CATALOGUE, 'team: network', 'team: telecoms');
    expect(problemsOf()).toEqual([{ file: CATALOGUE, path: 'nodes[1].team', message: 'expected a team key, got "telecoms"' }]);
  });

  it('reports a demo UAI with a wrong check letter, naming the expected letter', () => {
    replace(DEMO, '9740049K', '9740049A', true);
    expect(problemsOf()).toEqual([{ file: DEMO, path: 'establishments[1].uai', message: 'expected check letter K in "9740049A"' }]);
  });

  it('reports a demo UAI of the wrong shape', () => {
    replace(DEMO, '0140096D', '014009D', true);
    expect(problemsOf()).toEqual([{ file: DEMO, path: 'establishments[0].uai', message: 'expected a UAI code such as 0140096D, got "014009D"' }]);
  });

  it('reports `extends` pointing to a missing folder', () => {
    replace(SAMPLE, 'extends: ../_base/simple', 'extends: ../_base/nowhere');
    const problems = problemsOf();
    expect(problems).toEqual([{ file: SAMPLE, path: 'extends', message: expect.stringContaining('tenant.yaml') }]);
    expect(problems[0].message).toContain('nowhere');
  });

  it('blames the base that holds a broken `extends` in a chain of three', () => {
    mkdirSync(join(root, '_base/middle'));
    writeFileSync(join(root, '_base/middle/tenant.yaml'), 'extends: ../nowhere\ntimezone: Europe/Paris\n');
    replace(SAMPLE, 'extends: ../_base/simple', 'extends: ../_base/middle');
    expect(problemsOf()).toEqual([{ file: 'packs/_base/middle/tenant.yaml', path: 'extends', message: expect.stringContaining('nowhere') }]);
  });

  it('reports a chain of packs that loops', () => {
    append(BASE, 'extends: ../../sample');
    expect(problemsOf()).toEqual([{ file: SAMPLE, path: 'extends', message: 'expected a chain of packs without a cycle' }]);
  });

  it('reports an id different from the folder name', () => {
    replace(SAMPLE, 'id: sample', 'id: example');
    expect(problemsOf()).toEqual([{ file: SAMPLE, path: 'id', message: 'expected "sample", the name of the pack\'s folder, got "example"' }]);
  });

  it('reports invalid YAML with the file', () => {
    append(CATALOGUE, '  - key: [unclosed');
    const problems = problemsOf();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: CATALOGUE, path: '', message: expect.stringMatching(/^expected valid YAML/) });
  });

  it('reports a catalogue file that does not exist', () => {
    rmSync(join(root, 'sample/catalogue.yaml'));
    expect(problemsOf()).toEqual([{ file: SAMPLE, path: 'catalogue.file', message: 'expected an existing file, "catalogue.yaml" was not found' }]);
  });

  it('reports a per-type initial status at its own path', () => {
    append(SAMPLE, 'ticketTypes:\n  request: { initialStatus: draft }');
    expect(problemsOf()).toEqual([{ file: SAMPLE, path: 'ticketTypes.request.initialStatus', message: 'expected a known status, got "draft"' }]);
  });

  it('collects schema problems of one file together', () => {
    append(SAMPLE, 'colour: blue\ntimezone: Mars/Olympus');
    replace(BASE, 'category: waiting', 'category: paused');
    const problems = problemsOf();
    expect(problems.map((p) => `${p.file}: ${p.path}`).sort()).toEqual([`${BASE}: statuses.pending.category`, `${SAMPLE}: colour`, `${SAMPLE}: timezone`]);
    expect(problems.find((p) => p.path === 'timezone')?.message).toContain('IANA time zone');
  });

  it('collects problems from several files in one load', () => {
    append(SAMPLE, 'ticketTypes:\n  request: { reference: "I-{foo}" }');
    replace(SAMPLE, 'fallbackTeam: desk', 'fallbackTeam: nobody');
    replace(CATALOGUE, 'team: network', 'team: telecoms');
    replace(DEMO, '9740049K', '9740049A', true);
    const problems = problemsOf();
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(problems.map((p) => `${p.file}: ${p.path}`).sort()).toEqual([
      `${SAMPLE}: fallbackTeam`,
      `${SAMPLE}: ticketTypes.request.reference`,
      `${CATALOGUE}: nodes[1].team`,
      `${DEMO}: establishments[1].uai`,
    ].sort());
  });

  it('collects schema problems of the catalogue and the demo with an id mismatch', () => {
    replace(SAMPLE, 'id: sample', 'id: example');
    replace(CATALOGUE, 'keywords: [wifi, sans fil, réseau]', 'keywords: [wifi, sans fil, réseau]\n            colour: red');
    replace(DEMO, '{ login: alice, name: Alice Martin, email: alice@example.org,', '{ login: alice, name: Alice Martin, email: not-an-email,');
    expect(problemsOf().map((p) => `${p.file}: ${p.path}`)).toEqual([
      `${SAMPLE}: id`,
      `${CATALOGUE}: nodes[1].children[0].children[0].colour`,
      `${DEMO}: people[0].email`,
    ]);
  });
});

describe('PackLoader.loadAll', () => {
  it('returns every pack when all are valid', () => {
    expect(new PackLoader(root).loadAll().map((p) => p.id)).toEqual(['sample']);
  });

  it('throws one PackValidationError listing `file: path: message` lines for all packs', () => {
    cpSync(join(root, 'sample'), join(root, 'second'), { recursive: true });
    replace('packs/second/tenant.yaml', 'id: sample', 'id: second');
    append(SAMPLE, 'colour: blue');
    replace('packs/second/catalogue.yaml', 'team: network', 'team: telecoms');
    let error: unknown;
    try {
      new PackLoader(root).loadAll();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PackValidationError);
    const e = error as PackValidationError;
    expect(e.name).toBe('PackValidationError');
    expect(e.problems).toHaveLength(2);
    expect(e.message.split('\n')).toEqual([
      'Invalid tenant pack:',
      `  ${SAMPLE}: colour: expected no such key (unknown key)`,
      '  packs/second/catalogue.yaml: nodes[1].team: expected a team key, got "telecoms"',
    ]);
  });

  it('loads only the packs named, leaving a broken other one aside', () => {
    cpSync(join(root, 'sample'), join(root, 'second'), { recursive: true });
    replace('packs/second/tenant.yaml', 'id: sample', 'id: second');
    append('packs/second/tenant.yaml', 'colour: blue');
    expect(new PackLoader(root).loadAll(['sample']).map((p) => p.id)).toEqual(['sample']);
    expect(() => new PackLoader(root).loadAll(['sample', 'second'])).toThrow('packs/second/tenant.yaml: colour:');
  });

  it('reports a named pack that has no folder', () => {
    expect(() => new PackLoader(root).loadAll(['sample', 'nowhere'])).toThrow(
      'packs/nowhere/tenant.yaml: (root): expected a pack folder for the tenant "nowhere"',
    );
  });

  it('load() throws the same error for one pack', () => {
    append(SAMPLE, 'colour: blue');
    expect(() => load()).toThrow(PackValidationError);
    expect(() => load()).toThrow(`${SAMPLE}: colour: expected no such key (unknown key)`);
  });
});

describe('PackLoader `extends`', () => {
  it('merges an overridden status into the base statuses', () => {
    append(SAMPLE, 'statuses:\n  closed: { label: { fr: Clôturée } }');
    const pack = load();
    expect([...pack.lifecycle.statuses.keys()]).toEqual(['assigned', 'taken', 'pending', 'resolved', 'closed']);
    // Objects merge all the way down: the English label and the category come from the base.
    expect(pack.lifecycle.status('closed')).toEqual({ key: 'closed', label: { fr: 'Clôturée', en: 'Closed' }, category: 'closed' });
    expect(pack.lifecycle.status('taken').label).toEqual({ fr: 'Assignée', en: 'In progress' });
  });

  it('replaces arrays instead of merging them', () => {
    append(SAMPLE, 'timers:\n  - { when: resolved, after: P7D, apply: auto-close }\nviews:\n  - { key: all, label: Tous, scope: [requester] }');
    const pack = load();
    expect(pack.lifecycle.timers.map((t) => t.after)).toEqual(['P7D']);
    expect(pack.config.views.map((v) => v.key)).toEqual(['all']);
  });

  it('removes a key set to null', () => {
    append(SAMPLE, 'timers: null');
    expect(load().lifecycle.timers).toEqual([]);
  });

  it('removes a nested key set to null', () => {
    append(SAMPLE, 'statuses:\n  pending: null');
    const problems = problemsOf();
    // The base's transitions still name the removed status.
    expect(problems).toContainEqual({ file: BASE, path: 'transitions[1].to', message: 'expected a known status, got "pending"' });
    expect(problems.every((p) => p.message.includes('"pending"'))).toBe(true);
  });

  it('lets the pack override its base scalars', () => {
    append(SAMPLE, 'timezone: Europe/Brussels');
    expect(load().config.timezone).toBe('Europe/Brussels');
  });
});

describe('PackLoader pack files', () => {
  it('finds catalogue.yaml in the base when the pack has none', () => {
    renameSync(join(root, 'sample/catalogue.yaml'), join(root, '_base/simple/catalogue.yaml'));
    expect(load().catalogue.filter((c) => c.leaf)).toHaveLength(4);
  });

  it('names the base catalogue file in problems when it comes from the base', () => {
    renameSync(join(root, 'sample/catalogue.yaml'), join(root, '_base/simple/catalogue.yaml'));
    replace('packs/_base/simple/catalogue.yaml', 'team: network', 'team: telecoms');
    expect(problemsOf()).toEqual([{ file: 'packs/_base/simple/catalogue.yaml', path: 'nodes[1].team', message: 'expected a team key, got "telecoms"' }]);
  });

  it("prefers the pack's own catalogue.yaml to the base's", () => {
    writeFileSync(join(root, '_base/simple/catalogue.yaml'), 'nodes:\n  - { key: base-only, name: Base, type: request }\n');
    const keys = load().catalogue.map((c) => c.key);
    expect(keys).toContain('wifi-down');
    expect(keys).not.toContain('base-only');
  });

  it('follows catalogue.file', () => {
    renameSync(join(root, 'sample/catalogue.yaml'), join(root, 'sample/tree.yaml'));
    replace(SAMPLE, '    - { key: product, label: { fr: Produit, en: Product } }\n', '    - { key: product, label: { fr: Produit, en: Product } }\n  file: tree.yaml\n');
    expect(load().catalogue.filter((c) => c.leaf)).toHaveLength(4);
  });

  it('changes the hash when a file of the pack changes', () => {
    const before = load().hash;
    replace(CATALOGUE, 'name: Wi-Fi', 'name: Wifi');
    expect(load().hash).not.toBe(before);
  });
});

describe('PackLoader visibility default', () => {
  it('accepts a visibility section without default when the form lets the requester choose', () => {
    replace(SAMPLE, '  default: personal\n', '');
    expect(load().config.visibility?.default).toBeUndefined();
  });

  it('reports a visibility section without default when the form has no visibility field', () => {
    replace(SAMPLE, '  default: personal\n', '');
    replace(SAMPLE, "    - { key: visibility, type: radio, label: { fr: Au titre de, en: On behalf of } }\n", '');
    expect(problemsOf()).toEqual([{ file: SAMPLE, path: 'visibility.default', message: 'expected a default option, the form has no "visibility" field to choose one' }]);
  });
});
