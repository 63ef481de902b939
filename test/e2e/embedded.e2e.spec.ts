import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/bootstrap.js';
import { TestCore } from '../setup/test-core.js';
import { FIXTURE_PACKS } from '../setup/test-app.js';

/** The one test on the embedded PostgreSQL (PGlite): the default of `npm start` on a bare machine. */
describe('embedded database (no DATABASE_URL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'guichet-embedded-'));
  let core: TestCore;
  let app: INestApplication;

  beforeAll(async () => {
    app = await createApp({ port: 0, dataDir, tenantsDir: FIXTURE_PACKS, storageDir: join(dataDir, 'files'), demo: true, publicUrl: 'http://localhost' }, { logger: ['error'] });
    core = new TestCore(app);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('migrates, seeds the demo people and tickets, and answers the API', async () => {
    await request(app.getHttpServer()).get('/health').expect(200, { status: 'ok' });
    const { token } = await core.tokens.mint(core.context('sample'), 'alice', { name: 'smoke', scopes: ['read', 'write'] });
    const auth = { Authorization: `Bearer ${token}` };
    const search = await request(app.getHttpServer()).get('/api/sample/catalogue/search?q=clé').set(auth).expect(200);
    expect(search.body.items.map((i: { key: string }) => i.key)).toContain('otp-order');
    const views = await request(app.getHttpServer()).get('/api/sample/views').set(auth).expect(200);
    expect(views.body.find((v: { key: string }) => v.key === 'open').count).toBe(1);
    const created = await request(app.getHttpServer()).post('/api/sample/tickets').set(auth).send({ leaf: 'otp-order', values: { title: 'Embarqué', description: 'PGlite' } }).expect(201);
    expect(created.body.reference).toBe('R-000002');
  }, 60_000);
});
