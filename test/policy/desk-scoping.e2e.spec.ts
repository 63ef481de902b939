import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';

/**
 * The permission table extended to agents, on every academy pack and its demo data: an agent of
 * the ticket's team acts on it; an agent of another team gets what the pack's `desk` section
 * gives that team (404 when nothing, the ticket and its private notes but 403 on every action
 * when `read`); a level 1 the pack lets act on every team acts.
 */
const TENANTS = ['reunion-filaos', 'caen-amigo', 'rennes-amigo', 'cecoia-creteil', 'cecoia-rouen', 'cecoia-versailles', 'kosmos-aura'];

describe('agents and teams, pack by pack', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, tenants: TENANTS });
  });
  afterAll(() => t?.close());

  describe.each(TENANTS)('%s', (tenant) => {
    const api = `/api/${tenant}`;
    const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
    let ticket: { reference: string; team: string };
    let own: string;
    let other: string;
    let level1: string | undefined;
    let otherRight: 'none' | 'read' | 'act';

    beforeAll(async () => {
      const pack = t.core.registry.get(tenant);
      const ctx = t.core.context(tenant);
      const acting = Object.entries(pack.config.desk.teams).filter(([, right]) => right === 'act').map(([key]) => key);
      const [row] = await t.core.deps.dataSource.query(
        `SELECT t.reference, tm.key AS team FROM ticket t JOIN team tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id
         WHERE t.tenant_id = $1 AND t.status_category IN ('new', 'open') AND NOT (tm.key = ANY($2)) ORDER BY t.created_at, t.id LIMIT 1`,
        [tenant, acting],
      );
      ticket = row;
      const otherTeam = pack.config.teams.find((team) => team.key !== ticket.team && !acting.includes(team.key))!.key;
      otherRight = pack.config.desk.teams[otherTeam] ?? pack.config.desk.otherTeams;
      const agent = async (login: string, team: string) => {
        const id = await t.core.directory.upsertPerson(ctx, { login, name: login, roles: ['agent'] });
        await t.core.directory.addTeamMember(ctx, (await t.core.directory.teamByKey(ctx, team))!.id, id, false);
        return t.token(tenant, login);
      };
      own = await agent('ds-own', ticket.team);
      other = await agent('ds-other', otherTeam);
      if (acting[0]) level1 = await agent('ds-level1', acting[0]);
    });

    it("lets an agent of the ticket's team act on it", async () => {
      const seen = (await t.http.get(`${api}/desk/tickets/${ticket.reference}`).set(auth(own)).expect(200)).body;
      expect(seen.desk.right).toBe('act');
      await t.http.post(`${api}/desk/tickets/${ticket.reference}/assign`).set(auth(own)).send({ person: 'ds-own' }).expect(200);
      await t.http.post(`${api}/tickets/${ticket.reference}/comments`).set(auth(own)).send({ body: 'Note de l’équipe', private: true }).expect(201);
    });

    it("keeps an agent of another team to what the pack allows", async () => {
      if (otherRight === 'none') {
        await t.http.get(`${api}/desk/tickets/${ticket.reference}`).set(auth(other)).expect(404);
        await t.http.get(`${api}/tickets/${ticket.reference}`).set(auth(other)).expect(404);
        await t.http.post(`${api}/desk/tickets/${ticket.reference}/take`).set(auth(other)).expect(404);
        const queue = (await t.http.get(`${api}/desk/queue?limit=50`).set(auth(other)).expect(200)).body;
        expect(queue.items.map((i: { reference: string }) => i.reference)).not.toContain(ticket.reference);
      } else {
        expect(otherRight).toBe('read');
        const seen = (await t.http.get(`${api}/desk/tickets/${ticket.reference}`).set(auth(other)).expect(200)).body;
        expect(seen.desk.right).toBe('read');
        expect(seen.history.map((e: { type: string }) => e.type)).toContain('noted');
        await t.http.post(`${api}/desk/tickets/${ticket.reference}/take`).set(auth(other)).expect(403);
        await t.http.post(`${api}/desk/tickets/${ticket.reference}/assign`).set(auth(other)).send({ person: 'ds-other' }).expect(403);
        await t.http.post(`${api}/tickets/${ticket.reference}/comments`).set(auth(other)).send({ body: 'x', private: true }).expect(403);
      }
      // Nobody gives the ticket to an agent who could not work on it.
      const refused = await t.http.post(`${api}/desk/tickets/${ticket.reference}/assign`).set(auth(own)).send({ person: 'ds-other' }).expect(400);
      expect(refused.body.details[0]).toMatchObject({ field: 'person', rule: 'teamMember' });
    });

    it('lets the level 1 the pack names act on every team', async () => {
      expect(level1).toBeDefined();
      const seen = (await t.http.get(`${api}/desk/tickets/${ticket.reference}`).set(auth(level1!)).expect(200)).body;
      expect(seen.desk.right).toBe('act');
      await t.http.post(`${api}/desk/tickets/${ticket.reference}/assign`).set(auth(level1!)).send({ person: 'ds-level1' }).expect(200);
    });
  });
});
