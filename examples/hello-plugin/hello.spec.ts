import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixturePacksWith, runPluginCommand, startTestApp, withoutDemoTickets, withPlugins, type TestApp } from 'guichet/testing';
import { shouts } from './index.js';

/**
 * The example as a deployment runs it: loaded by path as GUICHET_PLUGINS=./examples/hello-plugin/index.ts
 * names it, turned on by one tenant (`sample`) and not by the other (`daily`).
 */
describe('the hello example plugin', () => {
  let t: TestApp;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const SHOUT_CHECKED = (yaml: string) =>
    yaml.replace('    - { key: availability, type: text, label: { fr: Disponibilités, en: Availability } }', '    - { key: availability, type: text, validate: no-shouting, label: { fr: Disponibilités, en: Availability } }');

  beforeAll(async () => {
    const hello = '{ plugin: hello, options: { greeting: "Bonjour ! Votre demande {reference} est entre de bonnes mains." } }';
    const tenantsDir = fixturePacksWith({ sample: (y) => withPlugins(SHOUT_CHECKED(y), hello) }, undefined, { 'sample/demo.yaml': withoutDemoTickets, 'daily/demo.yaml': withoutDemoTickets });
    t = await startTestApp({ tenantsDir, plugins: [join(import.meta.dirname, 'index.ts')] });
  });
  afterAll(() => t?.close());

  const create = async (tenant: string, login: string, leaf: string, values: Record<string, unknown> = {}) =>
    t.http.post(`/api/${tenant}/tickets`).set(auth(await t.token(tenant, login))).send({ leaf, values: { title: 'Imprimante', description: 'Bourrage papier.', ...values } });

  it('greets each new ticket once it is committed, as the platform, in the tenant that turns it on', async () => {
    // The creation's answer is the committed ticket; the greeting comes right after, before the HTTP answer leaves.
    const read = async (tenant: string, login: string, reference: string) => (await t.http.get(`/api/${tenant}/tickets/${reference}`).set(auth(await t.token(tenant, login))).expect(200)).body;
    const { reference } = (await create('sample', 'alice', 'otp-order')).body;
    const greetings = (await read('sample', 'alice', reference)).history.filter((e: { type: string }) => e.type === 'commented');
    expect(greetings).toEqual([expect.objectContaining({ public: true, actor: expect.objectContaining({ login: 'system' }), data: { body: `Bonjour ! Votre demande ${reference} est entre de bonnes mains.` } })]);
    const other = (await create('daily', 'dina', 'screen')).body.reference;
    expect((await read('daily', 'dina', other)).history.filter((e: { type: string }) => e.type === 'commented')).toEqual([]);
  });

  it('refuses a field written in capitals, with its own message in the reader’s language', async () => {
    const refused = await create('sample', 'alice', 'otp-order', { availability: 'TOUS LES MATINS SAUF LE MERCREDI' });
    expect(refused.status).toBe(400);
    expect(refused.body.details).toEqual([{ field: 'availability', rule: 'no-shouting', message: 'Merci de ne pas écrire tout en majuscules.' }]);
    const english = await t.http.post('/api/sample/tickets?lang=en').set(auth(await t.token('sample', 'alice'))).send({ leaf: 'otp-order', values: { title: 'Printer', description: 'Paper jam.', availability: 'EVERY MORNING BUT WEDNESDAY' } });
    expect(english.body.details).toEqual([{ field: 'availability', rule: 'no-shouting', message: 'Please do not write in capitals.' }]);
    await create('sample', 'alice', 'otp-order', { availability: 'Tous les matins sauf le mercredi (CDI)' }).then((r) => expect(r.status).toBe(201));
    expect(shouts('WIFI HS', 0.6)).toBe(false);
  });

  it('answers its command with the tenant’s options and a ticket', async () => {
    expect(await runPluginCommand(t, ['hello', 'sample'])).toEqual(['sample: Bonjour ! Votre demande {reference} est entre de bonnes mains.']);
    expect(await runPluginCommand(t, ['hello', 'daily'])).toEqual(['daily: hello is not turned on']);
    const { reference } = (await create('sample', 'alice', 'otp-order')).body;
    expect(await runPluginCommand(t, ['hello', 'sample', reference])).toEqual([`${reference} « Imprimante »: assigned`]);
  });
});
