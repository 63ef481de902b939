import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadPlugins, packLoader } from '../../src/bootstrap.js';
import { runPluginCommand } from '../setup/cli.js';
import { fixturePacksWith, withoutDemoTickets, withPlugins } from '../setup/pack-copy.js';
import { ROOT, startTestApp, type TestApp } from '../setup/test-app.js';

/** Plugins written as an outsider writes them (they import only `guichet/plugin`), loaded by path as GUICHET_PLUGINS names them. */
const OUTSIDE = ['fixture-command', 'fixture-reference', 'fixture-fields'].map((name) => join(ROOT, 'test', 'fixtures', 'plugins', name, 'index.ts'));

const PACK = (yaml: string) =>
  withPlugins(
    `${yaml.replace(
      '    - { key: availability, type: text, label: { fr: Disponibilités, en: Availability } }',
      '    - { key: postcode, type: postcode, label: Code postal }\n    - { key: staffEmail, type: email, validate: staff-email, label: Adresse académique }',
    )}\nticketTypes:\n  incident: { label: Incident, reference: "I{iso-week}-{seq:3}" }\n`,
    '{ plugin: fixture-reference, options: { separator: S } }',
    '{ plugin: fixture-fields, options: { domain: ac-exemple.fr } }',
  );

/** The first-party school-year and fr-fields plugins, turned on by the other tenant (in La Réunion's time zone). */
const DAILY = (yaml: string) =>
  withPlugins(
    yaml
      .replace('reference: "S{date:yyMMdd}_{seq:4}"', 'reference: "S{school-year:yy-yy}-{seq:4}"')
      .replace(
        '    - { key: description, type: textarea, label: Description, required: true }',
        '    - { key: description, type: textarea, label: Description, required: true }\n    - { key: host, type: uai, label: Établissement d’accueil }\n    - { key: callBack, type: phone, validate: phone-fr, label: Rappel }',
      ),
    '{ plugin: school-year, options: { start: 08-16 } }',
    '{ plugin: fr-fields }',
  );

describe('capabilities of plugins from outside the tree, turned on per tenant', () => {
  let t: TestApp;
  let dir: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const create = async (values: Record<string, unknown>, lang = 'fr') =>
    t.http.post(`/api/sample/tickets?lang=${lang}`).set(auth(await t.token('sample', 'alice'))).send({ leaf: 'otp-problem', values: { title: 'Clé bloquée', description: 'Elle clignote.', ...values } });

  beforeAll(async () => {
    dir = fixturePacksWith({ sample: PACK, daily: DAILY }, undefined, { 'sample/demo.yaml': withoutDemoTickets, 'daily/demo.yaml': withoutDemoTickets });
    t = await startTestApp({ tenantsDir: dir, plugins: OUTSIDE, now: '2026-03-04T09:00:00Z' });
  });
  afterAll(() => t?.close());

  it('loads a pack that uses them only when the deployment loads the plugins', async () => {
    expect(packLoader(dir, await loadPlugins(OUTSIDE)).load('sample').fieldChecks.validators.get('staff-email')!('A@ac-exemple.fr')).toEqual({ value: 'a@ac-exemple.fr' });
    // Without them, what the pack uses is unknown (and, once that is fixed, so are the plugins it lists).
    const without = packLoader(dir, await loadPlugins([])).tryLoad('sample');
    expect('problems' in without && without.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "ticketTypes.incident.reference: expected a reference pattern: unknown token {iso-week}: expected {seq}, {seq:N}, {date:FORMAT} or a plugin's token ({school-year})",
      expect.stringMatching(/^form\.fields\[9\]\.type: expected a field type \(.*\) or a plugin's \(uai\), got "postcode"$/),
      'form.fields[10].validate: expected a validator of the deployment\'s plugins (phone-fr), got "staff-email"',
    ]);
  });

  it('numbers references with the plugin token, in the tenant’s options, restarting each week', async () => {
    expect((await create({})).body.reference).toBe('I2026S10-001');
    expect((await create({})).body.reference).toBe('I2026S10-002');
    t.clock.set('2026-03-09T09:00:00Z');
    expect((await create({})).body.reference).toBe('I2026S11-001');
    // Other types keep the core's patterns.
    const request = await t.http.post('/api/sample/tickets').set(auth(await t.token('sample', 'alice'))).send({ leaf: 'otp-order', values: { title: 'Deux clés', description: 'Pour la rentrée.' } }).expect(201);
    expect(request.body.reference).toMatch(/^R-\d{6}$/);
  });

  it('describes the plugin field type in the form, and refuses bad values field by field in the reader’s language', async () => {
    const form = await t.http.get('/api/sample/catalogue/otp-problem/form').set(auth(await t.token('sample', 'alice'))).expect(200);
    expect(form.body.fields.find((f: { key: string }) => f.key === 'postcode')).toMatchObject({ type: 'text', format: 'postcode', maxLength: 5 });
    expect(form.body.fields.find((f: { key: string }) => f.key === 'staffEmail')).toMatchObject({ type: 'email' });

    const fr = await create({ postcode: '1400', staffEmail: 'alice@gmail.com' });
    expect(fr.status).toBe(400);
    expect(fr.body.details).toEqual([
      { field: 'postcode', rule: 'postcode', message: 'Code postal à 5 chiffres attendu.' },
      { field: 'staffEmail', rule: 'staff-email', message: 'Adresse en @ac-exemple.fr attendue.' },
    ]);
    const en = await create({ postcode: 'abcde', staffEmail: 'not an address' }, 'en');
    expect(en.body.details).toEqual([
      { field: 'postcode', rule: 'postcode', message: 'A 5-digit postcode is expected.' },
      // The core's type check comes first: a validator sees only values its field's type accepted.
      { field: 'staffEmail', rule: 'email', message: 'Invalid e-mail address.' },
    ]);
  });

  it('stores the value the plugin normalised', async () => {
    const created = await create({ postcode: '14000', staffEmail: 'Alice.Martin@AC-Exemple.fr' });
    expect(created.status).toBe(201);
    expect(created.body.fields).toMatchObject({ postcode: '14000', staffEmail: 'alice.martin@ac-exemple.fr' });
  });

  it("runs a plugin's command with SDK services and its own provider, arguments and options", async () => {
    const { body } = await create({});
    expect(await runPluginCommand(t, ['fixture-comment', 'sample', body.reference, 'bonjour', 'la plateforme', '--shout'])).toEqual([`${body.reference}: BONJOUR ! — la plateforme`]);
    const ticket = await t.http.get(`/api/sample/tickets/${body.reference}`).set(auth(await t.token('sample', 'alice'))).expect(200);
    expect(ticket.body.history.filter((e: { type: string }) => e.type === 'commented')).toEqual([expect.objectContaining({ actor: expect.objectContaining({ login: 'system' }), data: { body: 'BONJOUR ! — la plateforme' } })]);
  });

  it('first-party: numbers by school year from the tenant’s first day, checks UAI codes and French phone numbers', async () => {
    const token = await t.token('daily', 'dina');
    const request = (values: Record<string, unknown> = {}) => t.http.post('/api/daily/tickets').set(auth(token)).send({ leaf: 'account', values: { title: 'Compte ENT', description: 'Pour une nouvelle collègue.', ...values } });
    t.clock.set('2026-08-15T10:00:00Z');
    expect((await request()).body.reference).toBe('S25-26-0001');
    t.clock.set('2026-08-16T10:00:00Z');
    expect((await request()).body.reference).toBe('S26-27-0001');
    const refused = await request({ host: '0140096E', callBack: '0262 12 34 5' }).expect(400);
    expect(refused.body.details).toEqual([
      { field: 'host', rule: 'uai', message: 'Code UAI invalide : la lettre de contrôle de ces 7 chiffres est D.' },
      { field: 'callBack', rule: 'phone-fr', message: expect.stringMatching(/^Numéro de téléphone français attendu/) },
    ]);
    const accepted = await request({ host: '0140096d', callBack: '+262 262 12 34 56' }).expect(201);
    expect(accepted.body.fields).toMatchObject({ host: '0140096D', callBack: '02 62 12 34 56' });
    expect(accepted.body.reference).toBe('S26-27-0002');
  });
});
