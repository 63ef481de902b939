import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import request from 'supertest';
import { createApp } from '../../src/bootstrap.js';
import { ManualClock } from '../../src/common/clock.js';
import { loadMailConfig } from '../../src/config/mail-config.js';
import { startSparePostgres, type SparePostgres } from '../setup/spare-postgres.js';
import { FIXTURE_PACKS } from '../setup/test-app.js';
import { TestCore } from '../setup/test-core.js';

/** A PostgreSQL of the test's own, stopped and started again under the running application. */
describe('database outage', () => {
  let server: SparePostgres;
  let app: INestApplication;
  let core: TestCore;
  let token: string;
  const dir = mkdtempSync(join(tmpdir(), 'guichet-outage-'));

  beforeAll(async () => {
    server = await startSparePostgres();
    const admin = new pg.Client({ connectionString: server.url('postgres') });
    await admin.connect();
    await admin.query('CREATE DATABASE guichet');
    await admin.end();
    app = await createApp(
      { port: 0, databaseUrl: server.url('guichet'), dataDir: dir, storageDir: dir, tenantsDir: FIXTURE_PACKS, demo: true, publicUrl: 'http://localhost', mail: loadMailConfig({}, 'http://localhost') },
      { clock: new ManualClock(new Date('2026-03-02T08:30:00Z')), seed: true, logger: false },
    );
    core = new TestCore(app);
    token = (await core.tokens.mint(core.context('sample'), 'alice', { name: 'outage', scopes: ['read', 'write'] })).token;
  }, 60_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = (title: string) =>
    request(app.getHttpServer()).post('/api/sample/tickets').set('Authorization', `Bearer ${token}`).send({ leaf: 'otp-order', values: { title, description: 'panne' } });

  it('answers 503 with Retry-After while the database is down, nothing half-written, and recovers when it is back', async () => {
    await create('Avant la panne').expect(201);
    server.stop();
    try {
      const refused = await create('Pendant la panne');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('rien de ce que vous avez envoyé') });
      const english = await create('During the outage').set('Accept-Language', 'en');
      expect(english.body.message).toContain('nothing you sent was saved');
      await request(app.getHttpServer()).get('/health').expect(503);
      const ready = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(ready.body.failing).toEqual(expect.arrayContaining(['database', 'migrations']));
      await request(app.getHttpServer()).get('/health/live').expect(200);
      const page = await request(app.getHttpServer()).get('/sample/login');
      expect([200, 503]).toContain(page.status);
    } finally {
      server.start();
    }
    // The pool opens new connections once the server is back.
    let status = 0;
    for (let i = 0; i < 20 && status !== 201; i++) {
      status = (await create('Après la panne')).status;
      if (status !== 201) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(201);
    const titles = (await core.deps.dataSource.query(`SELECT title FROM ticket WHERE tenant_id = 'sample' AND title LIKE '%panne%' ORDER BY created_at, reference`)).map((r: { title: string }) => r.title);
    expect(titles.filter((t: string) => t === 'Pendant la panne')).toEqual([]);
    expect(titles).toContain('Avant la panne');
    expect(titles.filter((t: string) => t === 'Après la panne')).toEqual(['Après la panne']);
  }, 60_000);
});
