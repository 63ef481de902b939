import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../setup/test-app.js';

describe('pack sync', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ tenants: ['sample'] });
  });
  afterAll(() => t?.close());

  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => t.core.deps.dataSource.query(text, params) as Promise<T[]>;
  const tenantRow = async () => (await sql<{ name: string; pack_hash: string }>(`SELECT name, pack_hash FROM tenant WHERE id = 'sample'`))[0];

  it('skips a tenant whose pack hash is unchanged', async () => {
    const { name } = await tenantRow();
    await sql(`UPDATE tenant SET name = 'renamed by hand' WHERE id = 'sample'`);
    try {
      await t.core.packSync.sync(t.core.context('sample'));
      expect((await tenantRow()).name).toBe('renamed by hand');
    } finally {
      await sql(`UPDATE tenant SET name = $1 WHERE id = 'sample'`, [name]);
    }
  });

  it('re-syncs a changed pack, giving tickets the category of their status, and two instances at once do it one after the other', async () => {
    const synced = await tenantRow();
    const [ticket] = await sql<{ id: string; status_category: string }>(`SELECT id, status_category FROM ticket WHERE tenant_id = 'sample' ORDER BY created_at LIMIT 1`);
    expect(ticket).toBeDefined();
    const wrong = ticket.status_category === 'closed' ? 'open' : 'closed';
    await sql(`UPDATE ticket SET status_category = $2 WHERE tenant_id = 'sample' AND id = $1`, [ticket.id, wrong]);
    await sql(`UPDATE tenant SET name = 'stale', pack_hash = 'stale' WHERE id = 'sample'`);
    await Promise.all([t.core.packSync.sync(t.core.context('sample')), t.core.packSync.sync(t.core.context('sample'))]);
    expect(await tenantRow()).toEqual(synced);
    const [after] = await sql<{ status_category: string }>(`SELECT status_category FROM ticket WHERE tenant_id = 'sample' AND id = $1`, [ticket.id]);
    expect(after.status_category).toBe(ticket.status_category);
  });
});
