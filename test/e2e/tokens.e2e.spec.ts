import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../setup/test-app.js';

/** Integrators' tokens through the API: minted by administrators, scoped, expiring, revocable, listed with last use. */
describe('integrator tokens', () => {
  let t: TestApp;
  let admin: string;
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.token('sample', 'admin', ['read', 'write', 'admin']);
  });
  afterAll(() => t?.close());

  it("mints a read-only token for a person, usable at once, shown once; list gives no secret", async () => {
    const res = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ person: 'alice', name: 'export nocturne', scopes: ['read'] }).expect(201);
    expect(res.body).toMatchObject({ token: expect.stringMatching(/^gch_[\w-]{43}$/), id: expect.any(String), person: { login: 'alice', integration: false }, scopes: ['read'], expiresAt: null });
    await t.http.get('/api/sample/me').set(bearer(res.body.token)).expect(200);
    await t.http.post('/api/sample/tickets').set(bearer(res.body.token)).send({ leaf: 'otp-order' }).expect(403);
    const list = await t.http.get('/api/sample/tokens').set(bearer(admin)).expect(200);
    const row = list.body.find((r: { id: string }) => r.id === res.body.id);
    expect(row).toMatchObject({ name: 'export nocturne', scopes: ['read'], active: true, revokedAt: null, person: { login: 'alice', name: 'Alice Martin' } });
    expect(new Date(row.lastUsedAt).getTime()).toBe(t.clock.now().getTime());
    expect(JSON.stringify(list.body)).not.toContain(res.body.token);
    expect(JSON.stringify(list.body)).not.toMatch(/token_hash|[0-9a-f]{64}/);
  });

  it('mints for an integration: a person row with the role integration, created once', async () => {
    const first = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ integration: 'supervision', integrationName: 'Supervision', name: 'sonde', scopes: ['read', 'write'] }).expect(201);
    expect(first.body.person).toEqual({ login: 'integration:supervision', name: 'Supervision', integration: true });
    const me = await t.http.get('/api/sample/me').set(bearer(first.body.token)).expect(200);
    expect(me.body).toMatchObject({ login: 'integration:supervision', roles: ['integration'] });
    const second = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ integration: 'supervision', name: 'sonde 2', scopes: ['read'] }).expect(201);
    expect(second.body.person.login).toBe('integration:supervision');
    const rows = await t.core.deps.dataSource.query(`SELECT count(*)::int AS n FROM person WHERE tenant_id = 'sample' AND login = 'integration:supervision'`);
    expect(rows[0].n).toBe(1);
  });

  it('honours expiry (checked against the clock) and shows it in the list', async () => {
    const expiresAt = new Date(t.clock.now().getTime() + 3600_000).toISOString();
    const res = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ person: 'bruno', name: 'une heure', scopes: ['read'], expiresAt }).expect(201);
    await t.http.get('/api/sample/me').set(bearer(res.body.token)).expect(200);
    t.clock.advance(3600_000 + 1000);
    await t.http.get('/api/sample/me').set(bearer(res.body.token)).expect(401);
    const list = await t.http.get('/api/sample/tokens').set(bearer(admin)).expect(200);
    expect(list.body.find((r: { id: string }) => r.id === res.body.id)).toMatchObject({ active: false, expiresAt });
  });

  it('revokes: the token stops at once; an unknown or malformed id is 404', async () => {
    const res = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ person: 'chloe', name: 'à révoquer', scopes: ['read'] }).expect(201);
    await t.http.get('/api/sample/me').set(bearer(res.body.token)).expect(200);
    await t.http.delete(`/api/sample/tokens/${res.body.id}`).set(bearer(admin)).expect(204);
    await t.http.get('/api/sample/me').set(bearer(res.body.token)).expect(401);
    await t.http.delete(`/api/sample/tokens/${res.body.id}`).set(bearer(admin)).expect(204);
    await t.http.delete('/api/sample/tokens/00000000-0000-4000-8000-000000000000').set(bearer(admin)).expect(404);
    await t.http.delete('/api/sample/tokens/not-a-uuid').set(bearer(admin)).expect(404);
    const list = await t.http.get('/api/sample/tokens').set(bearer(admin)).expect(200);
    expect(list.body.find((r: { id: string }) => r.id === res.body.id)).toMatchObject({ active: false, revokedAt: t.clock.now().toISOString() });
  });

  it('needs the admin scope and the admin role', async () => {
    const adminWithoutScope = await t.token('sample', 'admin', ['read', 'write']);
    await t.http.get('/api/sample/tokens').set(bearer(adminWithoutScope)).expect(403);
    await t.http.post('/api/sample/tokens').set(bearer(adminWithoutScope)).send({ person: 'alice', name: 'x', scopes: ['read'] }).expect(403);
    const notAdmin = await t.token('sample', 'agent', ['read', 'write', 'admin']);
    await t.http.get('/api/sample/tokens').set(bearer(notAdmin)).expect(403);
    await t.http.delete('/api/sample/tokens/00000000-0000-4000-8000-000000000000').set(bearer(notAdmin)).expect(403);
    await t.http.get('/api/sample/tokens').expect(401);
  });

  it('names each bad field, in French by default and in English on request', async () => {
    const both = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ person: 'alice', integration: 'x1', name: 'x', scopes: ['read'] }).expect(400);
    expect(both.body.details).toEqual([{ field: 'integration', rule: 'required', message: 'Ce champ est obligatoire.' }]);
    const bad = await t.http.post('/api/sample/tokens?lang=en').set(bearer(admin)).send({ person: 'alice', scopes: ['root'], expiresAt: 'tomorrow' }).expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['expiresAt', 'name', 'scopes']);
    expect(bad.body.message).toBe('The input has 3 error(s).');
    const past = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ person: 'alice', name: 'x', scopes: ['read'], expiresAt: '2020-01-01T00:00:00Z' }).expect(400);
    expect(past.body.details).toEqual([{ field: 'expiresAt', rule: 'date', message: 'Date invalide.' }]);
    const nobody = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ person: 'nobody', name: 'x', scopes: ['read'] }).expect(400);
    expect(nobody.body.details).toEqual([{ field: 'person', rule: 'person', message: 'Personne inconnue dans l’annuaire.' }]);
    const unknownField = await t.http.post('/api/sample/tokens').set(bearer(admin)).send({ person: 'alice', name: 'x', scopes: ['read'], role: 'admin' }).expect(400);
    expect(unknownField.body.details).toEqual([expect.objectContaining({ field: 'role', rule: 'unknown' })]);
  });
});
