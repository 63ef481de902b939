import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { base32Decode, totp } from '../../plugins/local/totp.js';
import { runPluginCommand } from '../setup/cli.js';
import { fixturePacksWith, withoutDemoTickets } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/** `guichet password` and `guichet totp` are the `local` plugin's commands; the CLI registers them like any plugin's. */
describe('the local plugin’s commands', () => {
  let t: TestApp;
  const signIn = (body: Record<string, string>) => t.http.post('/sample/auth/local').type('form').send(body);

  beforeAll(async () => {
    const auth = `\nauth:\n  - { plugin: demo }\n  - { plugin: local, options: { minPasswordLength: 16 } }\n`;
    t = await startTestApp({ tenantsDir: fixturePacksWith({ sample: (y) => `${y}${auth}` }, undefined, { 'sample/demo.yaml': withoutDemoTickets }) });
  });
  afterAll(() => t?.close());

  it('password: reads it from standard input, with the tenant’s minimum length', async () => {
    await expect(runPluginCommand(t, ['password', 'sample', 'alice'], 'fifteen chars..\n')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await runPluginCommand(t, ['password', 'sample', 'alice'], 'correct horse battery staple\n')).toEqual(['Password set for alice.']);
    await signIn({ login: 'alice', password: 'correct horse battery staple' }).expect(303);
    await expect(runPluginCommand(t, ['password', 'sample', 'nobody'], 'correct horse battery staple')).rejects.toMatchObject({ code: 'PERSON_NOT_FOUND' });
  });

  it('totp: prints the address to scan and the secret; the next sign-in needs a code', async () => {
    const [uri, secretLine] = (await runPluginCommand(t, ['totp', 'sample', 'alice'])).join('\n').split('\n');
    const secret = secretLine.replace('Secret: ', '');
    expect(uri).toMatch(/^otpauth:\/\/totp\/sample%3Aalice\?/);
    expect(uri).toContain(`secret=${secret}`);
    await signIn({ login: 'alice', password: 'correct horse battery staple' }).expect(401);
    await signIn({ login: 'alice', password: 'correct horse battery staple', otp: totp(base32Decode(secret), t.clock.now()) }).expect(303);
  });

  it('is listed among the CLI’s commands with its arguments, as the core’s are', async () => {
    await expect(runPluginCommand(t, ['password', 'sample'])).rejects.toMatchObject({ code: 'commander.missingArgument' });
  });
});
