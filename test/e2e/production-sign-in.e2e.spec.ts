/**
 * Every shipped pack, deployed with demo mode off: the boot refuses a pack whose sign-in is not
 * configured (naming file, key and variable), and with the variables set every tenant's sign-in
 * page offers its production method and not the demo picker, whose route answers 403.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/bootstrap.js';
import { ManualClock } from '../../src/common/clock.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadMailConfig } from '../../src/config/mail-config.js';
import { PRODUCTION_ENV } from '../setup/production-env.js';
import { createTestDatabase } from '../setup/database.js';
import { TENANT_PACKS } from '../setup/test-app.js';

const EXPECTED: Record<string, string[]> = {
  'caen-amigo': ['cas'],
  'rennes-amigo': ['cas'],
  'reunion-filaos': ['trusted-header'],
  'cecoia-creteil': ['trusted-header'],
  'cecoia-rouen': ['trusted-header'],
  'cecoia-versailles': ['trusted-header'],
  'kosmos-aura': ['oidc', 'local'],
};

describe('production sign-in of the shipped packs', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let config: AppConfig;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = { port: 0, databaseUrl: db.url, dataDir: '/nonexistent', tenantsDir: TENANT_PACKS, storageDir: '/tmp/guichet-unused', demo: false, env: PRODUCTION_ENV, publicUrl: 'http://localhost', mail: loadMailConfig({}, 'http://localhost') };
    app = await createApp(config, { clock: new ManualClock(new Date('2026-03-02T08:30:00Z')), seed: false, logger: false });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('refuses to boot with demo mode off and a variable not set, naming file, key and variable', async () => {
    const { GUICHET_CAEN_CAS_URL: _, ...missing } = PRODUCTION_ENV;
    await expect(createApp({ ...config, env: missing }, { seed: false, logger: false })).rejects.toThrow(
      'tenants/caen-amigo/tenant.yaml: auth[0].options.server: expected the environment variable GUICHET_CAEN_CAS_URL to be set',
    );
  });

  it.each(Object.entries(EXPECTED))('%s offers %j and no demo picker', async (tenant, plugins) => {
    const page = await request(app.getHttpServer()).get(`/${tenant}/login`).expect(200);
    for (const plugin of plugins) expect(page.text).toContain(`/${tenant}/auth/${plugin}`);
    expect(page.text).not.toContain(`/${tenant}/auth/demo`);
    expect(page.text).not.toMatch(/aucune méthode|no method/i);
    await request(app.getHttpServer()).post(`/${tenant}/auth/demo`).set('Accept', 'application/json').type('form').send({ login: 'x' }).expect(403);
  });

  it('a CAS method sends the browser to the configured server', async () => {
    const res = await request(app.getHttpServer()).get('/caen-amigo/auth/cas?next=/caen-amigo/').expect(303);
    expect(res.headers.location).toMatch(/^https:\/\/cas\.example-caen\.fr\/cas\/login\?service=/);
  });
});
