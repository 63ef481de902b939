import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { ProcessState } from '../../src/observability/process-state.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/** Liveness and readiness, each readiness check made to fail on its own. */
describe('health checks', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ config: { jobs: { outboxMs: 60_000 } } });
  });
  afterAll(() => t?.close());

  const ready = () => t.http.get('/health/ready');

  it('is live and ready with every check named', async () => {
    await t.http.get('/health/live').expect(200, { status: 'ok' });
    await t.http.get('/health').expect(200, { status: 'ok' });
    const res = await ready().expect(200);
    expect(res.body).toEqual({ status: 'ok', checks: { database: 'ok', migrations: 'ok', packs: 'ok', outbox: 'ok', storage: 'ok' } });
  });

  it('is not ready while a migration is not applied', async () => {
    const db = t.app.get(DataSource);
    const [last] = await db.query(`SELECT id, timestamp, name FROM migrations ORDER BY timestamp DESC LIMIT 1`);
    await db.query(`DELETE FROM migrations WHERE id = $1`, [last.id]);
    try {
      const res = await ready().expect(503);
      expect(res.body).toMatchObject({ status: 'unavailable', checks: { migrations: 'pending', database: 'ok' }, failing: ['migrations'] });
    } finally {
      await db.query(`INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)`, [last.id, last.timestamp, last.name]);
    }
    await ready().expect(200);
  });

  it('is not ready when the storage takes no write', async () => {
    rmSync(t.storageDir, { recursive: true, force: true });
    writeFileSync(t.storageDir, 'not a folder');
    try {
      const res = await ready().expect(503);
      expect(res.body).toMatchObject({ checks: { storage: 'failed' }, failing: ['storage'] });
      await t.http.get('/health/live').expect(200);
    } finally {
      rmSync(t.storageDir, { force: true });
      mkdirSync(t.storageDir);
    }
    await ready().expect(200);
  });

  it('is not ready when the outbox worker has not run for three intervals', async () => {
    const later = Date.now() + 4 * 60_000;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      const res = await ready().expect(503);
      expect(res.body).toMatchObject({ checks: { outbox: 'stalled' }, failing: ['outbox'] });
    } finally {
      clock.mockRestore();
    }
  });

  it('is not ready once the process is shutting down, and still live', async () => {
    t.app.get(ProcessState).startDraining();
    const res = await ready().expect(503);
    expect(res.body).toMatchObject({ checks: { shutdown: 'draining' }, failing: ['shutdown'] });
    await t.http.get('/health/live').expect(200);
  });
});
