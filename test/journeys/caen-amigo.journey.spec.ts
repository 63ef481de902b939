/**
 * Journey: the "Guide utilisateur d'iTOP" of the académie de Caen (AMIGO, shared/seeds/002),
 * replayed step by step through the HTTP API on the real `caen-amigo` pack and its demo data.
 *
 * Cast (tenants/caen-amigo/demo.yaml): Claire Lemonnier (clemonnier), teacher at Lycée Malherbe
 * (0140013N); Patrick Gosselin (pgosselin), its proviseur (head); Isabelle Savary (isavary), a
 * colleague of the same lycée; Marie Leroux (mleroux), head of another establishment; Karine
 * Godefroy (kgodefroy), agent of the "communication et collaboration" team, and Céline Morin
 * (cmorin), agent of the "applications de gestion" team.
 *
 * The clock starts at the guide's own "Date de début" of R-000433: 2015-06-17 08:37:25 (Paris).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DateTime } from 'luxon';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';
import type { FormFieldView, SearchHit } from '../../src/catalogue/catalogue.service.js';

const TENANT = 'caen-amigo';
const API = `/api/${TENANT}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Summary {
  reference: string;
  title: string;
  status: { key: string; label: string; category: string };
  createdAt: string;
}
type PathLevel = SearchHit['path'][number];
type Field = FormFieldView;

/** Every string value in a JSON object, at any depth. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

describe('Caen AMIGO — "Guide utilisateur d\'iTOP", replayed through the API', () => {
  let t: TestApp;
  let claire: string; // clemonnier, requester
  let patrick: string; // pgosselin, proviseur of Lycée Malherbe
  let isabelle: string; // isavary, colleague at Lycée Malherbe (not head)
  let marie: string; // mleroux, head of another establishment
  let karine: string; // kgodefroy, agent (messagerie)
  let celine: string; // cmorin, agent (applications de gestion)

  /** R-000433 of the guide: Mozilla Thunderbird, personal. */
  let ref = '';
  /** A second request, "au titre de l'établissement". */
  let refEtab = '';

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const get = (token: string, path: string) => t.http.get(`${API}${path}`).set(auth(token));
  const move = (token: string, reference: string, transition: string, extra: Record<string, unknown> = {}) =>
    t.http.post(`${API}/tickets/${reference}/transitions`).set(auth(token)).send({ transition, ...extra });
  const comment = (token: string, reference: string, body: string) => t.http.post(`${API}/tickets/${reference}/comments`).set(auth(token)).send({ body });

  async function list(token: string, view: string): Promise<Summary[]> {
    const res = await get(token, `/tickets?view=${view}&limit=100`).expect(200);
    expect(res.body.nextCursor).toBeNull();
    return res.body.items;
  }
  const refsIn = async (token: string, view: string) => (await list(token, view)).map((i) => i.reference);

  async function views(token: string): Promise<Record<string, { label: string; group?: string; count: number }>> {
    const res = await get(token, '/views').expect(200);
    return Object.fromEntries(res.body.map((v: { key: string; label: string; group?: string; count: number }) => [v.key, v]));
  }

  async function statusOf(token: string, reference: string): Promise<string> {
    return (await get(token, `/tickets/${reference}`).expect(200)).body.status.label;
  }

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, tenants: [TENANT], now: '2015-06-17T06:37:25Z' });
    [claire, patrick, isabelle, marie, karine, celine] = await Promise.all(
      ['clemonnier', 'pgosselin', 'isavary', 'mleroux', 'kgodefroy', 'cmorin'].map((login) => t.token(TENANT, login)),
    );
  });
  afterAll(() => t?.close());

  // ---------------------------------------------------------------------------------------------
  // 1 — Rubrique Foire Aux Questions (FAQ)
  // ---------------------------------------------------------------------------------------------

  it('§1 "saisir a minima 3 caractères": "thu" lists Mozilla Thunderbird, 2 characters are refused', async () => {
    const res = await get(claire, '/catalogue/search?q=thu').expect(200);
    const hit = res.body.items.find((i: { key: string }) => i.key === 'thunderbird');
    expect(hit).toBeDefined();
    expect(hit.name).toBe('Mozilla Thunderbird');
    expect(hit.path.map((p: PathLevel) => [p.level, p.name])).toEqual([
      ['Service', 'COMMUNICATION ET COLLABORATION'],
      ['Sous catégorie de service', 'Messagerie, agenda'],
      ['Famille de produit', 'Messagerie académique'],
      ['Produit', 'Mozilla Thunderbird'],
    ]);
    expect(res.body.items[0].key).toBe('thunderbird');

    const short = await get(claire, '/catalogue/search?q=th').expect(400);
    expect(short.body.details).toEqual([{ field: 'q', rule: 'query', message: 'Saisissez au moins 3 caractères.' }]);
  });

  it('§1 "une liste d\'applications dont le nom contient cette suite de caractères": "bird" also lists Mozilla Thunderbird', async () => {
    // The guide's search is a substring match on the product name, not a word prefix.
    const res = await get(claire, '/catalogue/search?q=bird').expect(200);
    expect(res.body.items.map((i: { name: string }) => i.name)).toContain('Mozilla Thunderbird');
  });

  it('§1 "Sélectionnez l\'application recherchée" shows the FAQ entries diffused for that product', async () => {
    // The pack hangs three FAQ entries on the product (catalogue.yaml, thunderbird.faq).
    const res = await get(claire, '/catalogue/thunderbird').expect(200);
    expect(res.body.name).toBe('Mozilla Thunderbird');
    expect(res.body.doc).toBe('https://support.mozilla.org/fr/products/thunderbird');
    expect(res.body.path.map((p: PathLevel) => p.name)).toEqual(['COMMUNICATION ET COLLABORATION', 'Messagerie, agenda', 'Messagerie académique', 'Mozilla Thunderbird']);
    // What the guide needs: the product's FAQ ("afficher les éléments de réponse qui sont diffusés aux utilisateurs").
    expect(res.body.faq?.map((f: { title: string }) => f.title)).toEqual([
      'Comment configurer Thunderbird pour ma messagerie académique ?',
      'Thunderbird me redemande sans cesse mon mot de passe',
      'Ma boîte est pleine, que faire ?',
    ]);
  });

  // ---------------------------------------------------------------------------------------------
  // 2 — Comment créer une demande d'assistance ?
  // ---------------------------------------------------------------------------------------------

  it('§2 "Création d\'une demande": the 6 services of the guide, each with its sub-list, at the catalogue root', async () => {
    const res = await get(claire, '/catalogue').expect(200);
    const services = res.body.nodes as { name: string; level: { label: string }; leaf: boolean; children: { name: string; level: { label: string } }[] }[];
    expect(services.map((s) => [s.name, s.children.map((c) => c.name)])).toEqual([
      [
        "COMPTES, MOTS DE PASSE ET SÉCURITÉ D'ACCÈS",
        ['Gestion des comptes (création/modification /fermeture)', 'Perte ou changement de mot de passe', "Moyen d'authentification sécurisé (clé OTP)", "Droits d'accès aux applications"],
      ],
      [
        'CONNEXIONS INTERNET ET INFRASTRUCTURES',
        ['Infrastructures, réseaux et sécurité', 'Serveurs en établissement', 'Alertes de sécurité et filtrage', 'CNIL - Informatique & libertés', 'Gestion technique des bâtiments'],
      ],
      ['COMMUNICATION ET COLLABORATION', ['Messagerie, agenda', 'Services de conférence (visio, webconf, audioconf...)', 'Sites web', 'Portails (ENT, intranet...)']],
      [
        'BUREAUTIQUE ET ENVIRONNEMENT DE TRAVAIL',
        [
          "Installation/Dépannage d'un poste de travail",
          "Installation/dépannage d'un logiciel",
          'Répertoires partagés',
          'Matériel (demandes, périphériques)',
          'Téléphonie et Mobilité',
          'Imprimantes/Photocopieurs',
        ],
      ],
      [
        'APPLICATIONS ET SERVICES MÉTIERS',
        ['Services personnalisés pour les agents (carrière, frais...)', 'Enseignement et pédagogie', 'Applications de gestion', 'Développements et nouveaux besoins'],
      ],
      [
        'DONNÉES, TABLEAUX DE BORD, ENQUÊTES ET PILOTAGE',
        [
          'Requêtes (demandes et modifications)',
          'Enquêtes (demandes et suivi)',
          'Échanges de données',
          'Libération de données (opendata)',
          'Tableaux de bord et décisionnel',
          'Nomenclatures',
        ],
      ],
    ]);
    expect(new Set(services.map((s) => s.level.label))).toEqual(new Set(['Service']));
    expect(new Set(services.flatMap((s) => s.children.map((c) => c.level.label)))).toEqual(new Set(['Sous catégorie de service']));
    expect(res.body.levels).toEqual(['service', 'subcategory', 'family', 'product']);
  });

  it('§2 the form of the guide\'s example (Intendance): fields 1 to 10 with the guide\'s labels and choices', async () => {
    const res = await get(claire, '/catalogue/intendance/form').expect(200);
    // "Service / Sous catégorie de service / Famille de produit / Produit" are the leaf's path.
    expect(res.body.leaf.path.map((p: PathLevel) => [p.level, p.name])).toEqual([
      ['Service', 'APPLICATIONS ET SERVICES MÉTIERS'],
      ['Sous catégorie de service', 'Applications de gestion'],
      ['Famille de produit', 'Intendance'],
      ['Produit', 'Intendance'],
    ]);
    expect(res.body.type).toBe('request');
    const fields = res.body.fields as Field[];
    const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
    // In the guide's order: 1 établissement, 4 objet, 5 description, 6 impact, 7 urgence, 8 au titre de, 9 téléphone/disponibilités, 10 pièces jointes.
    expect(fields.map((f) => f.label)).toEqual([
      'Etablissement concerné',
      'Objet de la demande',
      'Description',
      'Impact',
      'Urgence',
      'Au titre de',
      'Téléphone de rappel',
      'Préciser vos disponibilités',
      'Pièces jointes',
    ]);
    expect(byKey.establishment).toMatchObject({ type: 'establishment', required: true });
    expect(byKey.establishment.help).toContain('Sélectionner l\'établissement sur lequel porte votre demande');
    expect(byKey.title).toMatchObject({ required: true, placeholder: 'Titre de la demande' });
    expect(byKey.description).toMatchObject({ type: 'textarea', required: true, placeholder: 'Description de la demande' });
    expect(byKey.description.help).toContain("Merci d'attacher la plus grande importance à la description de votre demande");
    // 6 — "une seule personne est concernée, un établissement ou un service, un bassin ou un département"
    expect(byKey.impact.options!.map((o) => o.label)).toEqual(['Une personne', 'Etablissement ou service', 'Bassin', 'Département']);
    expect(byKey.impact.default).toBe('person');
    // 7 — the guide's screenshot shows "moyenne".
    expect(byKey.urgency.options!.map((o) => o.label)).toContain('moyenne');
    expect(byKey.urgency.default).toBe('medium');
    // 8 — "Préciser si cette demande est personnelle ou au titre de l'établissement"
    expect(byKey.visibility.options).toEqual([
      { value: 'personal', label: 'Personnel' },
      { value: 'establishment', label: 'Etablissement' },
    ]);
    // 9 — "ces informations sont optionnelles"
    expect(byKey.phone).toMatchObject({ type: 'phone', required: false });
    expect(byKey.availability).toMatchObject({ required: false });
    // 10 — "Taille de fichier max.: 128.00 Mb", several files.
    expect(res.body.attachments.maxBytes).toBe(128 * 1024 * 1024);
    expect(res.body.attachments.maxFiles).toBeGreaterThan(1);
  });

  it('§2–3 "Terminer" → "Demande Utilisateur - R-… créé(e).", "Affectée" in "Mes demandes en cours"', async () => {
    const form = await get(claire, '/catalogue/thunderbird/form').expect(200);
    expect(form.body.type).toBe('request');
    const res = await t.http
      .post(`${API}/tickets`)
      .set(auth(claire))
      .send({
        leaf: 'thunderbird',
        values: {
          establishment: '0140013N',
          title: 'Titre de la demande',
          description: 'Description de la demande',
          impact: 'person',
          urgency: 'medium',
          visibility: 'personal',
          phone: '02 31 86 12 40',
          availability: 'lundi et jeudi de 8h à 12h',
        },
      })
      .expect(201);
    ref = res.body.reference;
    expect(ref).toMatch(/^R-000\d{3}$/);
    expect(res.body.acknowledgement).toBe(`Demande Utilisateur - ${ref} créé(e).`);
    expect(res.body.type.label).toBe('Demande Utilisateur');
    expect(res.body.status).toEqual({ key: 'dispatched', label: 'Affectée', category: 'new' });
    expect(res.body.createdAt).toBe('2015-06-17T06:37:25.000Z'); // 2015-06-17 08:37:25 in Caen
    expect(res.body.leaf.name).toBe('Mozilla Thunderbird');
    expect(res.body.establishment).toEqual({ uai: '0140013N', name: 'Lycée Malherbe' });
    expect(res.body.impact.label).toBe('Une personne');
    expect(res.body.urgency.label).toBe('moyenne');
    expect(res.body.visibility.label).toBe('Personnel');
    expect(res.body.fields).toEqual({ phone: '02 31 86 12 40', availability: 'lundi et jeudi de 8h à 12h' });
    expect(res.body.team.name).toBe('Pôle communication et collaboration');

    // 10 — "plusieurs PJ en cliquant autant de fois que nécessaire sur « Parcourir »"
    for (const name of ['capture-erreur.png', 'parametres-compte.txt']) {
      const up = await t.http.post(`${API}/tickets/${ref}/attachments`).set(auth(claire)).attach('file', Buffer.from(`contenu de ${name}`), name).expect(201);
      expect(up.body.fileName).toBe(name);
    }

    const mine = await list(claire, 'mine-ongoing');
    const row = mine.find((i) => i.reference === ref);
    expect(row).toMatchObject({ title: 'Titre de la demande', status: { label: 'Affectée' } });
    const tabs = await views(claire);
    expect(tabs['mine-ongoing']).toMatchObject({ label: 'Mes demandes en cours', group: 'Mes demandes', count: mine.length });
    expect(tabs['mine-resolved'].label).toBe('Mes demandes résolues');
    expect(tabs.closed.label).toBe('Demandes fermées');
  });

  it('§3 the "Mes demandes en cours" row shows the guide\'s columns: Référence, Titre, Date de début, Statut, Produit', async () => {
    const row = (await list(claire, 'mine-ongoing')).find((i) => i.reference === ref);
    expect(row).toMatchObject({ reference: ref, title: 'Titre de la demande', createdAt: '2015-06-17T06:37:25.000Z', status: { label: 'Affectée' } });
    // "Produit: Mozilla Thunderbird" — the list must carry the product, whatever the key it uses.
    expect(stringsOf(row)).toContain('Mozilla Thunderbird');
  });

  // ---------------------------------------------------------------------------------------------
  // 3 — Suivre sa demande
  // ---------------------------------------------------------------------------------------------

  it('§3 "Tant que votre demande n\'a pas été prise en charge (Etat « Affectée »)" the description can be amended', async () => {
    t.clock.advance(20 * MINUTE);
    const before = await get(claire, `/tickets/${ref}`).expect(200);
    expect(before.body.you.editable).toContain('description');
    const res = await t.http
      .patch(`${API}/tickets/${ref}`)
      .set(auth(claire))
      .send({ values: { description: 'Description de la demande. Thunderbird 115 sur Windows 11, réseau administratif.' } })
      .expect(200);
    expect(res.body.description).toBe('Description de la demande. Thunderbird 115 sur Windows 11, réseau administratif.');
    expect(res.body.status.label).toBe('Affectée');
    expect(res.body.history.map((e: { type: string }) => e.type)).toContain('field-changed');
  });

  it('§3 "assignée à une personne": once taken, the description is locked and the "Journal demandeur" takes the additions', async () => {
    t.clock.advance(HOUR);
    const taken = await move(karine, ref, 'take').expect(200);
    expect(taken.body.status.label).toBe('Assignée');
    expect(taken.body.assignee.login).toBe('kgodefroy');

    const mine = await get(claire, `/tickets/${ref}`).expect(200);
    expect(mine.body.status.label).toBe('Assignée');
    expect(mine.body.you.editable).not.toContain('description');
    // "A cette étape, la zone de saisie « Description » est non modifiable."
    const locked = await t.http.patch(`${API}/tickets/${ref}`).set(auth(claire)).send({ values: { description: 'Encore une précision' } }).expect(400);
    expect(locked.body.details).toEqual([{ field: 'description', rule: 'editable', message: "Ce champ n'est plus modifiable à ce statut." }]);
    // "les compléments d'information sont à renseigner dans la zone de saisie « Journal demandeur »" → "Mettre à jour la demande"
    const logged = await comment(claire, ref, 'Le problème apparaît aussi sur le poste du CDI.').expect(201);
    expect(logged.body.status.label).toBe('Assignée');
    expect(logged.body.description).toBe('Description de la demande. Thunderbird 115 sur Windows 11, réseau administratif.');
    const entry = logged.body.history.find((e: { type: string }) => e.type === 'commented');
    expect(entry).toMatchObject({ public: true, actor: { login: 'clemonnier' }, data: { body: 'Le problème apparaît aussi sur le poste du CDI.' } });
    // Still "en cours".
    expect(await refsIn(claire, 'mine-ongoing')).toContain(ref);
  });

  it('§3 "A compléter": the agent waits for information; the requester\'s journal entry sends it back to processing', async () => {
    t.clock.advance(HOUR);
    const noComment = await move(karine, ref, 'ask').expect(400);
    expect(noComment.body.details[0].field).toBe('comment');
    const asked = await move(karine, ref, 'ask', { comment: "Pouvez-vous joindre une capture d'écran du message d'erreur ?" }).expect(200);
    expect(asked.body.status).toMatchObject({ label: 'A compléter', category: 'waiting' });
    const row = (await list(claire, 'mine-ongoing')).find((i) => i.reference === ref);
    expect(row?.status.label).toBe('A compléter');

    t.clock.advance(HOUR);
    const answered = await comment(claire, ref, 'Capture jointe : « Échec de la connexion au serveur imap.ac-caen.fr ».').expect(201);
    expect(answered.body.status.label).toBe('Assignée');
    expect(answered.body.assignee.login).toBe('kgodefroy');
  });

  // ---------------------------------------------------------------------------------------------
  // 4 — Clôturer sa demande
  // ---------------------------------------------------------------------------------------------

  it('§4 "Résolue": the agent gives a solution; the request moves to "Mes demandes résolues"', async () => {
    t.clock.advance(HOUR);
    await move(karine, ref, 'resolve').expect(400);
    const resolved = await move(karine, ref, 'resolve', { solution: 'Le mot de passe enregistré dans Thunderbird était l\'ancien : supprimé, la relève fonctionne.' }).expect(200);
    expect(resolved.body.status).toMatchObject({ label: 'Résolue', category: 'resolved' });

    const mine = await get(claire, `/tickets/${ref}`).expect(200);
    expect(mine.body.solution).toContain('la relève fonctionne');
    // "Clôre cette demande" / "Rouvrir cette demande"
    expect(mine.body.you.transitions.map((x: { label: string }) => x.label)).toEqual(['Clore cette demande', 'Rouvrir cette demande']);
    const resolvedList = await list(claire, 'mine-resolved');
    expect(resolvedList.find((i) => i.reference === ref)?.status.label).toBe('Résolue');
    expect(await refsIn(claire, 'mine-ongoing')).not.toContain(ref);
  });

  it('§4 "Rouvrir cette demande": a "Journal Demandeur" entry is required; same reference, same agent', async () => {
    t.clock.advance(2 * HOUR);
    const refused = await move(claire, ref, 'reopen').expect(400);
    expect(refused.body.details).toEqual([{ field: 'comment', rule: 'required', message: 'Ce champ est obligatoire.' }]);
    const reopened = await move(claire, ref, 'reopen', { comment: "La relève fonctionne mais l'envoi échoue toujours." }).expect(200);
    expect(reopened.body.reference).toBe(ref);
    expect(reopened.body.status.label).toBe('Assignée');
    // "Cette requête sera alors adressée à nouveau à l'agent en charge de votre demande sous la même référence"
    expect(reopened.body.assignee.login).toBe('kgodefroy');
    expect(reopened.body.solution).toBeNull();
    expect(await refsIn(claire, 'mine-ongoing')).toContain(ref);
    expect(await refsIn(claire, 'mine-resolved')).not.toContain(ref);
    const agentSide = await get(karine, `/tickets/${ref}`).expect(200);
    expect(agentSide.body.history.at(-1)).toMatchObject({ type: 'transitioned', data: { transition: 'reopen', comment: "La relève fonctionne mais l'envoi échoue toujours." } });
  });

  it('§4 "clôture technique et automatique sous 14 jours": still Résolue after 13 days, Fermée after 14, in "Demandes fermées"', async () => {
    t.clock.advance(HOUR);
    await move(karine, ref, 'resolve', { solution: 'Serveur SMTP corrigé dans les paramètres du compte (port 587, STARTTLS).' }).expect(200);

    t.clock.advance(13 * DAY);
    await t.core.runTimers();
    expect(await statusOf(claire, ref)).toBe('Résolue');
    expect(await refsIn(claire, 'mine-resolved')).toContain(ref);

    t.clock.advance(DAY);
    await t.core.runTimers();
    const closed = await get(claire, `/tickets/${ref}`).expect(200);
    expect(closed.body.status).toMatchObject({ label: 'Fermée', category: 'closed' });
    expect(closed.body.closedAt).toBe(new Date(t.clock.now()).toISOString());
    expect(closed.body.history.at(-1)).toMatchObject({ type: 'transitioned', actor: { login: 'system' }, data: { transition: 'auto-close', timer: 'auto-close' } });
    // "Les demandes closes ou fermées sont consultables dans le menu « Demandes fermées »."
    expect((await list(claire, 'closed')).find((i) => i.reference === ref)?.status.label).toBe('Fermée');
    expect(await refsIn(claire, 'mine-resolved')).not.toContain(ref);
    expect(await refsIn(claire, 'mine-ongoing')).not.toContain(ref);
    // A closed request takes no more journal entries from the requester.
    await comment(claire, ref, 'Merci !').expect(409);
  });

  // ---------------------------------------------------------------------------------------------
  // 2.8 — "Au titre de: Etablissement", followed by the head; 4 — "Clore cette demande"
  // ---------------------------------------------------------------------------------------------

  it('§2.8 "au titre de l\'établissement": the proviseur can follow it; a personal request stays hidden from him', async () => {
    t.clock.advance(HOUR);
    const res = await t.http
      .post(`${API}/tickets`)
      .set(auth(claire))
      .send({
        leaf: 'intendance',
        values: { establishment: '0140013N', title: 'Droits constatés : tarifs de la demi-pension absents', description: 'Les tarifs du forfait 4 jours ne sont pas proposés.', impact: 'establishment', urgency: 'medium', visibility: 'establishment' },
      })
      .expect(201);
    refEtab = res.body.reference;
    expect(refEtab).toMatch(/^R-000\d{3}$/);
    expect(res.body.visibility.label).toBe('Etablissement');

    const followed = await get(patrick, `/tickets/${refEtab}`).expect(200);
    expect(followed.body.you.roles).toEqual(['head']);
    expect(followed.body.you.transitions).toEqual([]);
    const etabView = await views(patrick);
    expect(etabView.establishment.label).toBe('Demandes de mon établissement');
    expect(await refsIn(patrick, 'establishment')).toContain(refEtab);

    // The personal R-… of the guide is not his to see, nor is it for a colleague or another head.
    await get(patrick, `/tickets/${ref}`).expect(404);
    expect(await refsIn(patrick, 'closed')).not.toContain(ref);
    await get(isabelle, `/tickets/${refEtab}`).expect(404);
    await get(marie, `/tickets/${refEtab}`).expect(404);
  });

  it('§4 "Clore cette demande": the requester closes a resolved request herself; the head sees it in "Demandes fermées"', async () => {
    t.clock.advance(HOUR);
    await move(celine, refEtab, 'take').expect(200);
    await move(celine, refEtab, 'resolve', { solution: 'Tarifs du forfait 4 jours ajoutés pour l\'année en cours.' }).expect(200);
    expect(await refsIn(patrick, 'establishment')).toContain(refEtab);

    t.clock.advance(HOUR);
    const mine = await get(claire, `/tickets/${refEtab}`).expect(200);
    const close = mine.body.you.transitions.find((x: { name: string }) => x.name === 'close');
    expect(close).toMatchObject({ label: 'Clore cette demande', requires: [] });
    await move(patrick, refEtab, 'close').expect(409); // following is not closing
    const closed = await move(claire, refEtab, 'close').expect(200);
    expect(closed.body.status.label).toBe('Fermée');
    expect(await refsIn(claire, 'closed')).toContain(refEtab);
    expect(await refsIn(claire, 'mine-resolved')).not.toContain(refEtab);
    expect(await refsIn(patrick, 'closed')).toContain(refEtab);
    expect(await refsIn(patrick, 'establishment')).not.toContain(refEtab);
  });

  it('§3 "peut être « réaffectée » à une seconde équipe en niveau 2 ou 3": Réaffectée, still in "Mes demandes en cours", with another team', async () => {
    t.clock.advance(HOUR);
    const created = await t.http
      .post(`${API}/tickets`)
      .set(auth(claire))
      .send({ leaf: 'webmail', values: { establishment: '0140013N', title: 'Webmail inaccessible depuis le lycée', description: 'Erreur 502 depuis le réseau pédagogique.', visibility: 'personal' } })
      .expect(201);
    const firstTeam = created.body.team.key;
    await move(karine, created.body.reference, 'take').expect(200);
    const noTeam = await move(karine, created.body.reference, 'escalate').expect(400);
    expect(noTeam.body.details).toEqual([expect.objectContaining({ field: 'team', message: 'Ce champ est obligatoire.' })]);
    const escalated = await move(karine, created.body.reference, 'escalate', { team: 'infra' }).expect(200);
    expect(escalated.body.status.label).toBe('Réaffectée');
    expect(escalated.body.assignee).toBeNull();
    expect((await list(claire, 'mine-ongoing')).find((i) => i.reference === created.body.reference)?.status.label).toBe('Réaffectée');
    // "à une seconde équipe": the ticket should now belong to another team than the first one.
    expect(escalated.body.team?.key).toBe('infra');
    expect(firstTeam).not.toBe('infra');
  });

  it('the counts of GET views are the lengths of the lists, for the requester and for the head', async () => {
    for (const token of [claire, patrick, isabelle]) {
      const tabs = await views(token);
      for (const [key, v] of Object.entries(tabs)) expect([key, (await list(token, key)).length]).toEqual([key, v.count]);
    }
    const claireTabs = await views(claire);
    // Demo: the Affectée Thunderbird ticket and the Assignée ENT ticket are still hers and ongoing.
    expect(claireTabs['mine-ongoing'].count).toBe(3); // + the Réaffectée webmail request
    expect(claireTabs.closed.count).toBe(2);
  });

  it('"L\'historique des demandes fermées est conservé pendant 12 mois": then the request is purged', async () => {
    const closedAt = (await get(claire, `/tickets/${ref}`).expect(200)).body.closedAt as string;
    const closedEtabAt = (await get(claire, `/tickets/${refEtab}`).expect(200)).body.closedAt as string;
    const twelveMonthsAfter = (iso: string) => DateTime.fromISO(iso).setZone('Europe/Paris').plus({ months: 12 }).toJSDate();

    t.clock.set(new Date(twelveMonthsAfter(closedAt).getTime() - MINUTE));
    await t.core.runTimers();
    await get(claire, `/tickets/${ref}`).expect(200);
    expect(await refsIn(claire, 'closed')).toContain(ref);

    t.clock.set(twelveMonthsAfter(closedAt));
    await t.core.runTimers();
    const gone = await get(claire, `/tickets/${ref}`).expect(404);
    expect(gone.body.code).toBe('TICKET_NOT_FOUND');
    expect(await refsIn(claire, 'closed')).not.toContain(ref);
    // Closed later, kept a little longer.
    await get(claire, `/tickets/${refEtab}`).expect(200);

    t.clock.set(twelveMonthsAfter(closedEtabAt));
    await t.core.runTimers();
    await get(claire, `/tickets/${refEtab}`).expect(404);
    await get(patrick, `/tickets/${refEtab}`).expect(404);
    expect(await refsIn(patrick, 'closed')).not.toContain(refEtab);
  });
});
