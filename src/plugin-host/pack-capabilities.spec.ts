import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { FIRST_PARTY_PLUGINS } from '../../plugins/index.js';
import { withPlugins } from '../../test/setup/pack-copy.js';
import { PackLoader } from '../tenancy/pack-loader.js';
import { definePlugin, type GuichetPlugin } from './plugin.js';
import { PluginRegistry } from './plugin-registry.js';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'test', 'fixtures', 'packs');

/** The fixture packs with `sample`'s tenant.yaml (and catalogue) changed, loaded with the deployment's plugins. */
function load(tenant: (yaml: string) => string, catalogue: (yaml: string) => string = (y) => y, plugins: GuichetPlugin[] = FIRST_PARTY_PLUGINS) {
  const root = join(mkdtempSync(join(tmpdir(), 'guichet-capabilities-')), 'packs');
  cpSync(FIXTURES, root, { recursive: true });
  for (const [file, change] of [['tenant.yaml', tenant], ['catalogue.yaml', catalogue]] as const) {
    const path = join(root, 'sample', file);
    writeFileSync(path, change(readFileSync(path, 'utf8')));
  }
  const registry = new PluginRegistry(plugins);
  return new PackLoader(root, (pack, fileOf) => registry.check(pack, fileOf), registry.all()).tryLoad('sample');
}

const problems = (result: ReturnType<typeof load>) => ('problems' in result ? result.problems.map((p) => `${p.file}: ${p.path}: ${p.message}`) : []);

const TYPES = `
ticketTypes:
  incident: { label: Incident, reference: "I{school-year:yy-yy}-{seq:4}" }
`;
const on = (yaml: string) => withPlugins(yaml, '{ plugin: school-year, options: { start: 08-16 } }', '{ plugin: fr-fields }');
const withFields = (yaml: string, fields: string) => yaml.replace('    - { key: availability, type: text, label: { fr: Disponibilités, en: Availability } }', fields);

describe('packs using plugin capabilities', () => {
  it('turns plugins on with their options, and uses their token, field type and validator', () => {
    const result = load((y) => withFields(on(`${y}${TYPES}`), '    - { key: host, type: uai, label: Établissement d’accueil }\n    - { key: callBack, type: phone, validate: phone-fr, label: Rappel }'));
    expect(problems(result)).toEqual([]);
    const pack = 'pack' in result ? result.pack : undefined;
    // The tenant's option moves the first day of the school year to 16 August.
    expect(pack!.references.get('incident')!.format(new Date('2026-08-20T10:00:00Z'), 'Europe/Paris', 7)).toBe('I26-27-0007');
    expect(pack!.references.get('request')!.source).toBe('R-{seq:6}');
    expect(pack!.form.find((f) => f.key === 'host')).toMatchObject({ type: 'text', format: 'uai', maxLength: 8 });
    expect(pack!.form.find((f) => f.key === 'callBack')).toMatchObject({ type: 'phone', validate: 'phone-fr' });
    expect(pack!.fieldChecks.types.get('uai')!('0140096d')).toEqual({ value: '0140096D' });
    expect(pack!.fieldChecks.validators.get('phone-fr')!('+33 1 23 45 67 89')).toEqual({ value: '01 23 45 67 89' });
  });

  it('checks the plugins section with the registry: known plugins, once each, with valid options', () => {
    const result = load((y) => withPlugins(y, '{ plugin: school-year, options: { start: 13-01 } }', '{ plugin: helo }', '{ plugin: school-year }'));
    expect(problems(result)).toEqual([
      'packs/sample/tenant.yaml: plugins[0].options.start: a day of the year such as 09-01 (MM-DD)',
      'packs/sample/tenant.yaml: plugins[1].plugin: expected a plugin (csv-directory, fr-fields, ldap-directory, school-year, webhooks), got "helo"',
      'packs/sample/tenant.yaml: plugins[2].plugin: "school-year" is listed twice',
    ]);
  });

  it('reports a capability of a plugin whose options are wrong once, on its options', () => {
    const result = load((y) => withPlugins(`${y}${TYPES}`, '{ plugin: school-year, options: { start: 02-30 } }'));
    expect(problems(result)).toEqual(['packs/sample/tenant.yaml: plugins[0].options.start: a day of the year such as 09-01 (MM-DD)']);
  });

  it('uses a capability only from a plugin the pack turns on, and names the plugin to turn on', () => {
    const result = load(
      (y) => withFields(`${y}${TYPES}`, '    - { key: host, type: uai, label: Accueil }\n    - { key: callBack, type: text, validate: phone-fr, label: Rappel }'),
      (c) => c.replace('              - { key: building, type: text,', '              - { key: building, type: uai,'),
    );
    expect(problems(result)).toEqual([
      'packs/sample/tenant.yaml: ticketTypes.incident.reference: expected a reference pattern: the token {school-year} needs its plugin "school-year" turned on in plugins',
      'packs/sample/tenant.yaml: form.fields[9].type: expected the plugin "fr-fields" turned on in plugins, to use its field type "uai"',
      'packs/sample/tenant.yaml: form.fields[10].validate: expected the plugin "fr-fields" turned on in plugins, to use its validator "phone-fr"',
      'packs/sample/catalogue.yaml: nodes[1].children[0].children[0].fields[0].type: expected the plugin "fr-fields" turned on in plugins, to use its field type "uai"',
    ]);
  });

  it('reports names no loaded plugin provides, listing what the deployment offers', () => {
    const result = load((y) =>
      withFields(
        on(`${y}\nticketTypes:\n  incident: { label: Incident, reference: "I{schoolyear}-{seq}" }\n  request: { label: Demande, reference: "R{school-year:yyy}-{seq}" }\n`),
        '    - { key: host, type: siret, label: Accueil }\n    - { key: callBack, type: text, validate: phone, label: Rappel }\n    - { key: count, type: number, validate: phone-fr, label: Nombre }',
      ),
    );
    expect(problems(result)).toEqual([
      'packs/sample/tenant.yaml: ticketTypes.incident.reference: expected a reference pattern: unknown token {schoolyear}: expected {seq}, {seq:N}, {date:FORMAT} or a plugin\'s token ({school-year})',
      'packs/sample/tenant.yaml: ticketTypes.request.reference: expected a reference pattern: {school-year:yyy}: expected yyyy or yy and separators, got "yyy"',
      'packs/sample/tenant.yaml: form.fields[9].type: expected a field type (text, textarea, select, radio, checkbox, phone, email, url, date, datetime, number, establishment, person, people, attachments) or a plugin\'s (uai), got "siret"',
      'packs/sample/tenant.yaml: form.fields[10].validate: expected a validator of the deployment\'s plugins (phone-fr), got "phone"',
      'packs/sample/tenant.yaml: form.fields[11].validate: expected a field of a text type (text, textarea, phone, email, url or a plugin\'s) for a validator, "number" is not one',
    ]);
  });

  it('syncs a pack again when a plugin it turns on changes version', () => {
    const hash = (version: string) => {
      const plugins = FIRST_PARTY_PLUGINS.map((p) => (p.name === 'fr-fields' ? { ...p, version } : p));
      const result = load(on, (c) => c, plugins);
      return 'pack' in result ? result.pack.hash : undefined;
    };
    expect(hash('1.0.0')).toBe(hash('1.0.0'));
    expect(hash('1.0.0')).not.toBe(hash('1.1.0'));
  });

  it('keeps the core\'s messages when no plugin provides tokens', () => {
    const result = load((y) => `${y}\nticketTypes:\n  incident: { label: Incident, reference: "I{sq:6}" }\n`, (c) => c, FIRST_PARTY_PLUGINS.filter((p) => !p.provides.referenceTokens));
    expect(problems(result)).toEqual(['packs/sample/tenant.yaml: ticketTypes.incident.reference: expected a reference pattern: unknown token {sq:6}: expected {seq}, {seq:N} or {date:FORMAT}']);
  });
});

describe('the registry and capability names', () => {
  const plugin = (name: string, provides: GuichetPlugin['provides']) => definePlugin({ name, core: '^0.1', description: name, options: z.strictObject({}), provides }) as GuichetPlugin;
  const check = { check: (value: string) => ({ value }) };

  it('refuses a name two plugins provide, or one of the core\'s', () => {
    expect(() => new PluginRegistry([...FIRST_PARTY_PLUGINS, plugin('copy', { validators: { 'phone-fr': check } })])).toThrow('Plugins "fr-fields" and "copy" both provide the validator "phone-fr"');
    expect(() => new PluginRegistry([plugin('dates', { referenceTokens: { date: { compile: () => ({ render: () => '', pattern: '' }) } } })])).toThrow('Plugin "dates" provides the reference token "date", which is the core\'s');
    expect(() => new PluginRegistry([plugin('texts', { fieldTypes: { text: check } })])).toThrow('Plugin "texts" provides the field type "text", which is the core\'s');
    expect(() => new PluginRegistry([plugin('cli', { commands: [{ name: 'Hello World', description: '', run: () => undefined }] })])).toThrow('Plugin "cli" names a command "Hello World": expected lower-case letters, digits and "-"');
    expect(() => new PluginRegistry([...FIRST_PARTY_PLUGINS, plugin('pw', { commands: [{ name: 'password', description: '', run: () => undefined }] })])).toThrow('Plugins "local" and "pw" both provide the command "password"');
  });
});
