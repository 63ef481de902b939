import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadPlugins, storageDriver } from '../../src/bootstrap.js';
import { ROOT, startTestApp, type TestApp } from '../setup/test-app.js';

const PLUGIN = join(ROOT, 'test', 'fixtures', 'plugins', 'fixture-storage', 'index.ts');

/** The storage-driver capability: a deployment stores attachments with a plugin's driver. */
describe('a storage driver from a plugin', () => {
  let t: TestApp;
  const root = mkdtempSync(join(tmpdir(), 'guichet-flat-'));

  beforeAll(async () => {
    t = await startTestApp({ plugins: [PLUGIN], storage: { driver: 'flat-folder', options: { root } } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('stores and serves attachments through it, streamed both ways', async () => {
    const auth = { Authorization: `Bearer ${await t.token('sample', 'alice')}` };
    const { body } = await t.http.post('/api/sample/tickets').set(auth).send({ leaf: 'otp-order', values: { title: 'Pièce', description: 'x' } }).expect(201);
    const content = Buffer.from('journal du poste 42\n'.repeat(1000));
    const attached = await t.http.post(`/api/sample/tickets/${body.reference}/attachments`).set(auth).attach('file', content, 'journal.txt').expect(201);
    expect(readdirSync(root)).toEqual([expect.stringMatching(/^sample--[0-9a-f-]{36}$/)]);
    const download = await t.http
      .get(`/api/sample/attachments/${attached.body.id}`)
      .set(auth)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(Buffer.compare(download.body as Buffer, content)).toBe(0);
  });

  it('stops the boot naming the variable when the driver is unknown or its options are wrong', async () => {
    const plugins = await loadPlugins([PLUGIN]);
    const config = { port: 0, dataDir: root, storageDir: root, tenantsDir: '', demo: false, publicUrl: 'http://localhost' };
    expect(() => storageDriver({ ...config, storageDriver: 's4' }, plugins)).toThrow('GUICHET_STORAGE_DRIVER: expected local, flat-folder, got "s4"');
    expect(() => storageDriver({ ...config, storageDriver: 'flat-folder', storageOptions: { root: '' } }, plugins)).toThrow(/^GUICHET_STORAGE_OPTIONS: root: /);
    expect(storageDriver({ ...config, storageDriver: 'flat-folder', storageOptions: { root } }, plugins).constructor.name).toBe('FlatFolderDriver');
  });
});
