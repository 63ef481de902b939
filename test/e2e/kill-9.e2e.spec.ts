import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createContext } from '../../src/bootstrap.js';
import { loadMailConfig } from '../../src/config/mail-config.js';
import { createTestDatabase } from '../setup/database.js';
import { freePort } from '../setup/spare-postgres.js';
import { FIXTURE_PACKS, ROOT } from '../setup/test-app.js';
import { TestCore } from '../setup/test-core.js';

/**
 * The server killed with SIGKILL while clients are creating tickets, then started again: what
 * was acknowledged is in the database once, nothing is half-written, and clients that retry
 * with their Idempotency-Key end with exactly one ticket each. The server is `node
 * dist/src/main.js`, as deployed (built here when missing; CI builds before the tests).
 */
describe('kill -9 under load', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dir: string;
  let port: number;
  let token: string;
  let server: ChildProcess | undefined;

  function start(): Promise<void> {
    server = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
      env: { ...process.env, NODE_OPTIONS: '', DATABASE_URL: db.url, PORT: String(port), GUICHET_TENANTS_DIR: FIXTURE_PACKS, GUICHET_DATA_DIR: dir, GUICHET_DEMO: 'true', GUICHET_TIMER_INTERVAL_MS: '0', GUICHET_OUTBOX_INTERVAL_MS: '0', GUICHET_PLUGIN_TASK_INTERVAL_MS: '0' },
      stdio: 'ignore',
    });
    return waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok);
  }

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'guichet-kill-'));
    port = await freePort();
    const config = { port, databaseUrl: db.url, dataDir: dir, storageDir: dir, tenantsDir: FIXTURE_PACKS, demo: true, publicUrl: 'http://localhost', mail: loadMailConfig({}, 'http://localhost') };
    const core = new TestCore(await createContext(config, { seed: true, logger: ['error'] }));
    token = (await core.tokens.mint(core.context('sample'), 'alice', { name: 'kill', scopes: ['read', 'write'] })).token;
    await core.close();
    await start();
  }, 120_000);

  afterAll(async () => {
    server?.kill('SIGKILL');
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const create = (key: string) =>
    fetch(`http://127.0.0.1:${port}/api/sample/tickets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ leaf: 'otp-order', values: { title: `Charge ${key}`, description: 'kill -9' } }),
    });

  it('keeps every acknowledged ticket once, writes nothing by halves, and retries end with one ticket per key', async () => {
    const keys: string[] = [];
    const acknowledged = new Map<string, string>();
    let killed = false;
    const client = async () => {
      while (!killed) {
        const key = randomUUID();
        keys.push(key);
        try {
          const res = await create(key);
          if (res.status === 201) acknowledged.set(key, ((await res.json()) as { reference: string }).reference);
        } catch {
          // The connection died with the server: unknown whether it committed.
        }
      }
    };
    const load = Promise.all(Array.from({ length: 6 }, client));
    await waitFor(async () => acknowledged.size >= 20);
    server!.kill('SIGKILL');
    killed = true;
    await load;
    const unknown = keys.filter((k) => !acknowledged.has(k));
    // Some requests were in flight when the process died (else the test proved nothing).
    expect(unknown.length).toBeGreaterThan(0);

    const rows = async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const tickets = await client.query<{ title: string; reference: string }>(`SELECT title, reference FROM ticket WHERE tenant_id = 'sample' AND title LIKE 'Charge %'`);
        const halves = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ticket t WHERE t.tenant_id = 'sample' AND t.title LIKE 'Charge %'
             AND NOT EXISTS (SELECT 1 FROM ticket_event e WHERE e.tenant_id = t.tenant_id AND e.ticket_id = t.id AND e.type = 'created')`,
        );
        return { tickets: tickets.rows, halves: halves.rows[0].n };
      } finally {
        await client.end();
      }
    };
    const afterKill = await rows();
    const byTitle = new Map(afterKill.tickets.map((r) => [r.title, r.reference]));
    for (const [key, reference] of acknowledged) expect(byTitle.get(`Charge ${key}`)).toBe(reference);
    expect(afterKill.tickets.length).toBe(byTitle.size);
    expect(afterKill.halves).toBe(0);

    await start();
    for (const key of unknown) expect((await create(key)).status).toBe(201);
    const final = await rows();
    expect(final.tickets.map((r) => r.title).sort()).toEqual(keys.map((k) => `Charge ${k}`).sort());
    expect(new Set(final.tickets.map((r) => r.reference)).size).toBe(keys.length);
    expect(final.halves).toBe(0);
  }, 120_000);
});

async function waitFor(ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await ok()) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
