/**
 * Journey: the tutorial "Créer et suivre mes demandes d'assistance" of the académie de Rennes
 * (AMIGO, iTop "SUMIT - Portail utilisateur", shared/seeds/003), replayed step by step through
 * the HTTP API on the real `rennes-amigo` pack and its demo data.
 *
 * Cast (tenants/rennes-amigo/demo.yaml): Katell Morvan (kmorvan), teacher at Lycée Chateaubriand
 * (0350029S) who files the guide's "Webmail - Problème d'accès"; Yves Le Bihan (ylebihan), its
 * proviseur (a "responsable"); Gwenaëlle Le Goff (glegoff), the colleague the ticket is for
 * (bénéficiaire; the demo has no other teacher at Lycée Chateaubriand, so she works in Brest);
 * Sylvie Rolland (srolland), proviseure of the colleague's lycée, who must not see it; Aurélie
 * Péron (aperon), agent of the messagerie team.
 *
 * The pack's tabs (tenant.yaml `views`) and their scopes, as this journey checks them:
 *   Tickets en cours › Ouverts      [requester, beneficiary]  affectée / réaffectée / assignée
 *                     › En attente  [requester, beneficiary]  en attente / à compléter
 *                     › Bénéficiaire [for-others]  tickets I filed for a colleague (the guide's
 *                                    "demandes que vous avez créées pour un collègue") — so the
 *                                    requester sees it there, the colleague sees it in Ouverts
 *                     › Partagés    [participant, head]
 *   Tickets traités  › Résolus / Fermés [requester, beneficiary], Partagés [participant, head]
 *
 * The clock starts at the guide's own "Date de début" of R-002137: 2022-01-18 13:59:49 (Rennes).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';
import type { FormFieldView, SearchHit } from '../../src/catalogue/catalogue.service.js';

const TENANT = 'rennes-amigo';
const API = `/api/${TENANT}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const LEVELS = ['Domaine de service', 'Groupe de famille', 'Famille de service', 'Service', 'Sous catégorie de service'];
const ONGOING = ['open', 'waiting', 'for-others', 'shared-ongoing'];
const HANDLED = ['resolved', 'closed', 'shared-done'];

interface Summary {
  reference: string;
  title: string;
  status: { key: string; label: string; category: string };
  priority: { key: string; label: string } | null;
  createdAt: string;
}
type PathLevel = SearchHit['path'][number];
type Field = FormFieldView;

const GUIDE_DESCRIPTION = `Bonjour,

Depuis ce matin, je n'arrive plus à me connecter à ma messagerie académique depuis mon poste dans l'établissement.

J'obtiens le message d'erreur suivant "Nom ou mot de passe incorrect" lorsque j'utilise le navigateur internet Mozilla Firefox

L'accès fonctionne depuis mon domicile.

Merci de votre aide.`;

/** Every string value in a JSON object, at any depth. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

describe('Rennes AMIGO — "Créer et suivre mes demandes d\'assistance", replayed through the API', () => {
  let t: TestApp;
  let katell: string; // kmorvan, requester
  let gwenaelle: string; // glegoff, bénéficiaire
  let yves: string; // ylebihan, proviseur of Lycée Chateaubriand
  let sylvie: string; // srolland, proviseure of the colleague's lycée
  let aurelie: string; // aperon, agent

  /** The guide's R-002137. */
  let ref = '';
  /** A "Moi uniquement" ticket, closed by "Valider la solution". */
  let refMe = '';

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const get = (token: string, path: string) => t.http.get(`${API}${path}`).set(auth(token));
  const move = (token: string, reference: string, transition: string, extra: Record<string, unknown> = {}) =>
    t.http.post(`${API}/tickets/${reference}/transitions`).set(auth(token)).send({ transition, ...extra });

  async function list(token: string, view: string): Promise<Summary[]> {
    const res = await get(token, `/tickets?view=${view}&limit=100`).expect(200);
    expect(res.body.nextCursor).toBeNull();
    return res.body.items;
  }

  /** The tabs holding `reference` for this person, among `keys`. */
  async function tabsOf(token: string, reference: string, keys = [...ONGOING, ...HANDLED]): Promise<string[]> {
    const found: string[] = [];
    for (const key of keys) if ((await list(token, key)).some((i) => i.reference === reference)) found.push(key);
    return found;
  }

  async function views(token: string): Promise<{ key: string; label: string; group: string; count: number }[]> {
    return (await get(token, '/views').expect(200)).body;
  }

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, tenants: [TENANT], now: '2022-01-18T12:59:49Z' });
    [katell, gwenaelle, yves, sylvie, aurelie] = await Promise.all(['kmorvan', 'glegoff', 'ylebihan', 'srolland', 'aperon'].map((login) => t.token(TENANT, login)));
  });
  afterAll(() => t?.close());

  // ---------------------------------------------------------------------------------------------
  // Créer une demande d'assistance : en recherchant par mot clé
  // ---------------------------------------------------------------------------------------------

  it('"Saisissez un mot clé — Exemple : Webmail": the five Webmail rows, with the five level labels', async () => {
    const res = await get(katell, '/catalogue/search?q=Webmail').expect(200);
    expect(res.body.total).toBe(5);
    expect(res.body.pageSize).toBe(20);
    const rows = (res.body.items as { path: PathLevel[] }[]).map((i) => i.path);
    for (const path of rows) expect(path.map((p) => p.level)).toEqual(LEVELS);
    const head = ['Offre de services pour les services académiques', 'Communication, partage et collaboration', 'Messagerie et liste de diffusion', 'Webmail'];
    expect(rows.map((p) => p.map((x) => x.name).join(' | ')).sort()).toEqual(
      [
        "Accès à l'application",
        'Anomalie, bug et données manquantes',
        "Aide à l'usage, conseil et paramétrage",
        'Question réglementaire / Règle de gestion',
        "Demande d'évolution de l'application",
      ]
        .map((sub) => [...head, sub].join(' | '))
        .sort(),
    );
    // Lower case, as typed.
    expect((await get(katell, '/catalogue/search?q=webmail').expect(200)).body.total).toBe(5);
  });

  it('"Afficher 20 éléments par page": a broad keyword gives 20 rows a page, the rest on the next page', async () => {
    const first = await get(katell, '/catalogue/search?q=aide').expect(200);
    expect(first.body.pageSize).toBe(20);
    expect(first.body.total).toBeGreaterThan(20);
    expect(first.body.items).toHaveLength(20);
    const second = await get(katell, '/catalogue/search?q=aide&page=2').expect(200);
    expect(second.body.items).toHaveLength(Math.min(20, first.body.total - 20));
    const keys = [...first.body.items, ...second.body.items].map((i: { key: string }) => i.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  // ---------------------------------------------------------------------------------------------
  // Créer une demande d'assistance : formulaire
  // ---------------------------------------------------------------------------------------------

  it('"Création de Demande Utilisateur": Qualification, Contexte, Description, Contact, Priorité as in the guide', async () => {
    const res = await get(katell, '/catalogue/webmail-acces/form').expect(200);
    // Qualification: Domaine / Groupe de famille / Famille de service / Service / Sous catégorie de service
    expect(res.body.leaf.path.map((p: PathLevel) => [p.level, p.name])).toEqual([
      ['Domaine de service', 'Offre de services pour les services académiques'],
      ['Groupe de famille', 'Communication, partage et collaboration'],
      ['Famille de service', 'Messagerie et liste de diffusion'],
      ['Service', 'Webmail'],
      ['Sous catégorie de service', "Accès à l'application"],
    ]);
    expect(res.body.type).toBe('request');
    const fields = res.body.fields as Field[];
    const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(fields.map((f) => f.label)).toEqual([
      'Établissement concerné',
      'Visible par',
      'Bénéficiaire',
      'Equipe métier concernée (pour les services académiques)',
      'Objet de la demande',
      'Détail de la demande',
      'Téléphone de rappel',
      'Préciser vos disponibilités',
      'Impact',
      'Urgence',
      'Pièces jointes',
    ]);
    // The guide's asterisks.
    expect(fields.filter((f) => f.required).map((f) => f.label)).toEqual([
      'Établissement concerné',
      'Visible par',
      'Objet de la demande',
      'Détail de la demande',
      'Impact',
      'Urgence',
    ]);
    // "Visible par * Responsables": "visible seulement par vous-même ou visible également par vos responsables"
    expect(byKey.visibility.options!.map((o) => o.label)).toEqual(['Moi uniquement', 'Responsables']);
    expect(byKey.visibility.default).toBe('responsables');
    expect(byKey.beneficiary.type).toBe('person');
    expect(byKey.equipeMetier.placeholder).toBe('-- choisir une valeur --');
    // "Impact * Une personne", "Urgence * Moyenne"
    expect(byKey.impact.options!.find((o) => o.value === byKey.impact.default)?.label).toBe('Une personne');
    expect(byKey.urgency.options!.find((o) => o.value === byKey.urgency.default)?.label).toBe('Moyenne');
  });

  it('"Valider": the guide\'s R-002137 for a colleague, visible by the responsables — "Affectée", priority "Normale"', async () => {
    // "Bénéficiaire 🔍": look the colleague up in the directory.
    const people = await get(katell, '/people?q=Le Goff').expect(200);
    const colleague = people.body.find((p: { login: string }) => p.login === 'glegoff');
    expect(colleague).toMatchObject({ name: 'Gwenaëlle Le Goff' });

    const res = await t.http
      .post(`${API}/tickets`)
      .set(auth(katell))
      .send({
        leaf: 'webmail-acces',
        values: {
          establishment: '0350029S',
          visibility: 'responsables',
          beneficiary: colleague.login,
          title: "Webmail - Problème d'accès",
          description: GUIDE_DESCRIPTION,
          impact: 'person',
          urgency: 'medium',
        },
      })
      .expect(201);
    ref = res.body.reference;
    expect(ref).toMatch(/^R-\d{6}$/);
    expect(res.body.acknowledgement).toBe(`Demande Utilisateur - ${ref} créé(e).`);
    expect(res.body.type.label).toBe('Demande Utilisateur');
    expect(res.body.status).toEqual({ key: 'dispatched', label: 'Affectée', category: 'new' });
    expect(res.body.priority.label).toBe('Normale');
    expect(res.body.createdAt).toBe('2022-01-18T12:59:49.000Z'); // 2022-01-18 13:59:49 in Rennes
    expect(res.body.visibility).toEqual({ value: 'responsables', label: 'Responsables' });
    expect(res.body.requester.login).toBe('kmorvan');
    expect(res.body.beneficiary).toMatchObject({ login: 'glegoff', name: 'Gwenaëlle Le Goff' });
    expect(res.body.leaf.path.map((p: PathLevel) => p.name).slice(-2)).toEqual(['Webmail', "Accès à l'application"]);
    expect(res.body.establishment.uai).toBe('0350029S');
  });

  // ---------------------------------------------------------------------------------------------
  // Suivre mes demandes d'assistance via le tableau de bord « Tickets en cours »
  // ---------------------------------------------------------------------------------------------

  it('"Tickets en cours": the tabs Ouverts / En attente / Bénéficiaire / Partagés, then "Tickets traités": Résolus / Fermés / Partagés', async () => {
    const tabs = await views(katell);
    expect(tabs.map((v) => [v.group, v.label])).toEqual([
      ['Tickets en cours', 'Ouverts'],
      ['Tickets en cours', 'En attente'],
      ['Tickets en cours', 'Bénéficiaire'],
      ['Tickets en cours', 'Partagés'],
      ['Tickets traités', 'Résolus'],
      ['Tickets traités', 'Fermés'],
      ['Tickets traités', 'Partagés'],
    ]);
    expect(tabs.map((v) => v.key)).toEqual([...ONGOING, ...HANDLED]);
  });

  it('Affectée: "Ouverts" for the requester and the colleague, "Bénéficiaire" for the requester, "Partagés" for the proviseur', async () => {
    const row = (await list(katell, 'open')).find((i) => i.reference === ref);
    expect(row).toMatchObject({ title: "Webmail - Problème d'accès", status: { label: 'Affectée' }, priority: { label: 'Normale' } });
    expect(await tabsOf(katell, ref)).toEqual(['open', 'for-others']);
    // The colleague follows it as beneficiary in Ouverts; "Bénéficiaire" lists only what she filed for others.
    expect(await tabsOf(gwenaelle, ref)).toEqual(['open']);
    const hers = await get(gwenaelle, `/tickets/${ref}`).expect(200);
    expect(hers.body.you.roles).toEqual(['beneficiary']);
    // "Suivre les demandes de mon établissement — Pour les chefs d'établissement": onglet « Partagés ».
    expect(await tabsOf(yves, ref)).toEqual(['shared-ongoing']);
    const his = await get(yves, `/tickets/${ref}`).expect(200);
    expect(his.body.you.roles).toEqual(['head']);
    // The head of the colleague's own lycée is not a responsable of this ticket.
    await get(sylvie, `/tickets/${ref}`).expect(404);
    expect(await tabsOf(sylvie, ref)).toEqual([]);
  });

  it('the "Ouverts" row shows the guide\'s columns: Nom complet, Objet, Date de début, Statut, Service, Sous catégorie de service, Priorité', async () => {
    const row = (await list(katell, 'open')).find((i) => i.reference === ref);
    expect(row).toMatchObject({ reference: ref, title: "Webmail - Problème d'accès", createdAt: '2022-01-18T12:59:49.000Z', status: { label: 'Affectée' }, priority: { label: 'Normale' } });
    // "Service: Webmail", "Sous catégorie de service: Accès à l'application" — whatever the keys the list uses.
    expect(stringsOf(row)).toEqual(expect.arrayContaining(['Webmail', "Accès à l'application"]));
  });

  it('Assignée: still "Ouverts"; the proviseur sees "Assignée" under "Partagés" (the guide\'s screenshot)', async () => {
    t.clock.advance(HOUR);
    const taken = await move(aurelie, ref, 'take').expect(200);
    expect(taken.body.status.label).toBe('Assignée');
    expect(await tabsOf(katell, ref, ONGOING)).toEqual(['open', 'for-others']);
    expect(await tabsOf(gwenaelle, ref, ONGOING)).toEqual(['open']);
    expect((await list(yves, 'shared-ongoing')).find((i) => i.reference === ref)?.status.label).toBe('Assignée');
  });

  it('"à compléter" goes to "En attente" — information expected from you; the colleague answers by a comment', async () => {
    t.clock.advance(HOUR);
    const asked = await move(aurelie, ref, 'ask', { comment: 'Pouvez-vous préciser la version de Firefox et le poste utilisé ?' }).expect(200);
    expect(asked.body.status.label).toBe('A compléter');
    expect(await tabsOf(katell, ref, ONGOING)).toEqual(['waiting', 'for-others']);
    expect(await tabsOf(gwenaelle, ref, ONGOING)).toEqual(['waiting']);
    expect(await tabsOf(yves, ref, ONGOING)).toEqual(['shared-ongoing']);

    t.clock.advance(HOUR);
    const answered = await t.http
      .post(`${API}/tickets/${ref}/comments`)
      .set(auth(gwenaelle))
      .send({ body: 'Firefox 96, poste fixe de la salle des professeurs.' })
      .expect(201);
    expect(answered.body.status.label).toBe('Assignée');
    expect(await tabsOf(katell, ref, ONGOING)).toEqual(['open', 'for-others']);
  });

  it('"en attente" (on the desk\'s side) is in "En attente" too; back to "Ouverts" when the agent resumes', async () => {
    t.clock.advance(HOUR);
    await move(aurelie, ref, 'hold').expect(400);
    const held = await move(aurelie, ref, 'hold', { comment: "Anomalie transmise à l'éditeur du webmail." }).expect(200);
    expect(held.body.status).toMatchObject({ label: 'En attente', category: 'waiting' });
    expect(await tabsOf(katell, ref, ONGOING)).toEqual(['waiting', 'for-others']);
    expect(await tabsOf(gwenaelle, ref, ONGOING)).toEqual(['waiting']);

    t.clock.advance(DAY);
    const resumed = await move(aurelie, ref, 'resume').expect(200);
    expect(resumed.body.status.label).toBe('Assignée');
    expect(await tabsOf(katell, ref, ONGOING)).toEqual(['open', 'for-others']);
  });

  // ---------------------------------------------------------------------------------------------
  // Suivre mes demandes d'assistance via le tableau de bord « Tickets traités »
  // ---------------------------------------------------------------------------------------------

  it('Résolue: "Résolus" for the requester and the colleague, "Partagés" (traités) for the proviseur', async () => {
    t.clock.advance(HOUR);
    const resolved = await move(aurelie, ref, 'resolve', { solution: 'Le navigateur conservait un ancien mot de passe : identifiants enregistrés supprimés.' }).expect(200);
    expect(resolved.body.status.label).toBe('Résolue');
    expect(await tabsOf(katell, ref)).toEqual(['resolved']);
    expect(await tabsOf(gwenaelle, ref)).toEqual(['resolved']);
    expect(await tabsOf(yves, ref)).toEqual(['shared-done']);
    expect((await list(yves, 'shared-done')).find((i) => i.reference === ref)?.status.label).toBe('Résolue');
    const mine = await get(katell, `/tickets/${ref}`).expect(200);
    expect(mine.body.you.transitions.map((x: { label: string }) => x.label)).toEqual(['Valider la solution', 'Rouvrir']);
  });

  it('"vous pouvez rouvrir la demande. Elle sera visible dans le tableau de bord des demandes en cours"', async () => {
    t.clock.advance(HOUR);
    await move(katell, ref, 'reopen').expect(400);
    const reopened = await move(katell, ref, 'reopen', { comment: "Le problème est revenu ce matin sur le même poste." }).expect(200);
    expect(reopened.body.reference).toBe(ref);
    expect(reopened.body.status.label).toBe('Assignée');
    expect(await tabsOf(katell, ref)).toEqual(['open', 'for-others']);
    expect(await tabsOf(yves, ref)).toEqual(['shared-ongoing']);
  });

  it('Fermés: "automatiquement après 14 jours au statut « Résolue »" — still Résolue after 13 days', async () => {
    t.clock.advance(HOUR);
    await move(aurelie, ref, 'resolve', { solution: 'Profil Firefox réinitialisé sur le poste.' }).expect(200);

    t.clock.advance(13 * DAY);
    await t.core.runTimers();
    expect((await get(katell, `/tickets/${ref}`).expect(200)).body.status.label).toBe('Résolue');
    expect(await tabsOf(katell, ref)).toEqual(['resolved']);

    t.clock.advance(DAY);
    await t.core.runTimers();
    const closed = await get(katell, `/tickets/${ref}`).expect(200);
    expect(closed.body.status).toMatchObject({ label: 'Fermée', category: 'closed' });
    expect(closed.body.history.at(-1)).toMatchObject({ actor: { login: 'system' }, data: { transition: 'auto-close' } });
    expect(await tabsOf(katell, ref)).toEqual(['closed']);
    expect(await tabsOf(gwenaelle, ref)).toEqual(['closed']);
    expect(await tabsOf(yves, ref)).toEqual(['shared-done']);
  });

  it('Fermés "après intervention de votre part" ("Valider la solution"); a "Moi uniquement" ticket is not shared with the proviseur', async () => {
    t.clock.advance(HOUR);
    const res = await t.http
      .post(`${API}/tickets`)
      .set(auth(katell))
      .send({ leaf: 'webmail-aide', values: { establishment: '0350029S', visibility: 'me', title: "Message d'absence", description: "Comment programmer un message d'absence pour les vacances ?" } })
      .expect(201);
    refMe = res.body.reference;
    expect(res.body.visibility.label).toBe('Moi uniquement');
    expect(await tabsOf(katell, refMe)).toEqual(['open']);
    await get(yves, `/tickets/${refMe}`).expect(404);
    expect(await tabsOf(yves, refMe)).toEqual([]);

    await move(aurelie, refMe, 'take').expect(200);
    await move(aurelie, refMe, 'resolve', { solution: "Préférences › Message d'absence › Activer, puis enregistrer." }).expect(200);
    t.clock.advance(HOUR);
    const closed = await move(katell, refMe, 'close').expect(200);
    expect(closed.body.status.label).toBe('Fermée');
    expect(await tabsOf(katell, refMe)).toEqual(['closed']);
    await get(yves, `/tickets/${refMe}`).expect(404);
  });

  it('the counts of GET views are the lengths of the tabs, for everyone in the journey', async () => {
    for (const token of [katell, gwenaelle, yves, sylvie]) {
      for (const v of await views(token)) expect([v.key, (await list(token, v.key)).length]).toEqual([v.key, v.count]);
    }
  });

  it('"Afficher 20 éléments par page" in the dashboards: 20 rows, then the next page', async () => {
    for (let i = 1; i <= 20; i++) {
      t.clock.advance(MINUTE);
      await t.http
        .post(`${API}/tickets`)
        .set(auth(katell))
        .send({ leaf: 'webmail-anomalie', values: { establishment: '0350029S', visibility: 'me', title: `Webmail - anomalie ${i}`, description: 'Message non distribué.' } })
        .expect(201);
    }
    const count = (await views(katell)).find((v) => v.key === 'open')!.count;
    expect(count).toBeGreaterThan(20);
    const first = await get(katell, '/tickets?view=open').expect(200);
    expect(first.body.items).toHaveLength(20);
    expect(first.body.items[0].title).toBe('Webmail - anomalie 20'); // newest first
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(katell, `/tickets?view=open&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.items).toHaveLength(count - 20);
    expect(second.body.nextCursor).toBeNull();
  });
});
