import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp, createContext } from '../../src/bootstrap.js';
import { ManualClock } from '../../src/common/clock.js';
import { TestCore } from './test-core.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { createTestDatabase } from './database.js';
import { loadMailConfig, type MailConfig } from '../../src/config/mail-config.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const FIXTURE_PACKS = join(ROOT, 'test', 'fixtures', 'packs');
export const TENANT_PACKS = join(ROOT, 'tenants');

/** Log lines written by an application under test, as parsed JSON objects. */
export class LogCapture {
  private buffer = '';
  readonly lines: Record<string, unknown>[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.buffer += chunk.toString('utf8');
      let end: number;
      while ((end = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        this.raw.push(line);
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  readonly raw: string[] = [];

  /** Everything written so far, as one text (to check a secret appears nowhere). */
  text(): string {
    return this.raw.join('\n');
  }
}

export interface TestApp {
  app: INestApplication;
  core: TestCore;
  clock: ManualClock;
  databaseUrl: string;
  /** The configuration the instance runs with, for another instance on the same database. */
  config: AppConfig;
  /** Where the local storage driver keeps this app's attachments. */
  storageDir: string;
  /** Another engine instance on the same database and clock, as a second server would be. */
  secondCore(): Promise<TestCore>;
  http: ReturnType<typeof request>;
  /** A bearer token for `login` in `tenant`. */
  token(tenant: string, login: string, scopes?: ('read' | 'write' | 'admin')[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real application on a fresh database cloned from the template, with a manual clock.
 * `plugins` are loaded as GUICHET_PLUGINS names them (paths or packages), after the first-party ones.
 */
export async function startTestApp(
  options: { tenantsDir?: string; tenants?: string[]; seed?: boolean; now?: string; mail?: Partial<MailConfig>; plugins?: string[]; storage?: { driver: string; options?: unknown }; config?: Partial<AppConfig>; logs?: LogCapture } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const storageDir = mkdtempSync(join(tmpdir(), 'guichet-storage-'));
  const clock = new ManualClock(new Date(options.now ?? '2026-03-02T08:30:00Z'));
  const config: AppConfig = {
    port: 0,
    databaseUrl: db.url,
    dataDir: storageDir,
    tenantsDir: options.tenantsDir ?? FIXTURE_PACKS,
    tenants: options.tenants,
    plugins: options.plugins,
    storageDriver: options.storage?.driver,
    storageOptions: options.storage?.options,
    storageDir,
    demo: true,
    publicUrl: 'http://localhost',
    mail: { ...loadMailConfig({}, 'http://localhost'), ...options.mail },
    ...options.config,
  };
  const app = await createApp(config, { clock, seed: options.seed ?? true, logger: options.logs ? ['log', 'warn', 'error'] : ['error'], logDestination: options.logs?.stream });
  const core = new TestCore(app);
  const others: TestCore[] = [];
  const tokens = new Map<string, string>();
  return {
    app,
    core,
    clock,
    databaseUrl: db.url,
    config,
    storageDir,
    async secondCore() {
      const other = new TestCore(await createContext(config, { clock, seed: false, logger: ['error'] }));
      others.push(other);
      return other;
    },
    http: request(app.getHttpServer()),
    async token(tenant, login, scopes = ['read', 'write']) {
      const key = `${tenant}/${login}/${scopes.join(',')}`;
      if (!tokens.has(key)) tokens.set(key, (await core.tokens.mint(core.context(tenant), login, { name: 'test', scopes })).token);
      return tokens.get(key)!;
    },
    async close() {
      // A test that shut the application down gracefully has closed it already.
      if (app.get(DataSource).isInitialized) await app.close();
      for (const other of others) await other.close();
      await db.drop();
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
}
