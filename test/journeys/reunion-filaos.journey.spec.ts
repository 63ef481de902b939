/**
 * Journey: the FIL@OS user guide "Présentation générale" of the académie de La Réunion
 * (shared/seeds/000), replayed step by step through the HTTP API on the real `reunion-filaos`
 * pack and its demo data. Each `it` is a section of the guide; they run in order and share the
 * tickets they create.
 *
 * Cast (tenants/reunion-filaos/demo.yaml): Céline Morel (celine.morel), gestionnaire at the
 * rectorat (9740049K, the establishment of the guide's recap); Marie Payet (marie.payet), the
 * colleague she puts "en copie" (Contacts (Impact)); Sophie Grondin (sophie.grondin), added as a
 * contact later; Fabrice Lauret (fabrice.lauret), référent numérique of two lycées; Priscilla
 * Nativel (priscilla.nativel), agent of the "Pôle identités et accès" (OTP keys); Éric Vitry
 * (eric.vitry), agent of the "Pôle applications de scolarité" (AFFELNET).
 *
 * The clock starts at the guide's own "Créé 8 avril 2025 07:49:34", in La Réunion (UTC+4, no
 * daylight saving time): 2025-04-08T03:49:34Z.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';
import type { FormFieldView, SearchHit } from '../../src/catalogue/catalogue.service.js';

const TENANT = 'reunion-filaos';
const API = `/api/${TENANT}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = '2025-04-08T03:49:34Z';
const LEVELS = ['Organisation', 'Service', 'Sous-catégorie', 'Famille de produit', 'Produit'];
const DSI = "DSI - Division des Systèmes d'Information";
const AUTH = 'Authentification et accès aux applications académiques et nationales';

type PathLevel = SearchHit['path'][number];
interface Hit {
  key: string;
  name: string;
  doc?: string;
  type: string;
  path: PathLevel[];
}
interface Node {
  key: string;
  name: string;
  description?: string;
  level: { key: string; label: string };
  leaf: boolean;
  doc?: string;
  children?: Node[];
}
type Field = FormFieldView;
interface Summary {
  reference: string;
  title: string;
  status: { key: string; label: string; category: string };
}
interface HistoryEntry {
  type: string;
  public: boolean;
  actor: { login: string };
  data: Record<string, unknown>;
}
interface Problem {
  field: string;
  rule: string;
  message: string;
}

/** "22/04/2025 23:59": a date as a person in La Réunion reads it. */
const reunionTime = (iso: string) =>
  new Intl.DateTimeFormat('fr-FR', { timeZone: 'Indian/Reunion', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso)).replace(',', '');

describe('FIL@OS (La Réunion) — the user guide "Présentation générale", replayed through the API', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const auth = (who: string) => ({ Authorization: `Bearer ${tokens[who]}` });
  const get = (who: string, path: string) => t.http.get(`${API}${path}`).set(auth(who));
  const create = (who: string, leaf: string, values: Record<string, unknown>) => t.http.post(`${API}/tickets`).set(auth(who)).send({ leaf, values });
  const move = (who: string, ref: string, transition: string, extra: Record<string, unknown> = {}) =>
    t.http.post(`${API}/tickets/${ref}/transitions`).set(auth(who)).send({ transition, ...extra });
  const comment = (who: string, ref: string, body: string) => t.http.post(`${API}/tickets/${ref}/comments`).set(auth(who)).send({ body });
  const list = async (who: string, view: string): Promise<Summary[]> => (await get(who, `/tickets?view=${view}&limit=100`).expect(200)).body.items;
  const refsIn = async (who: string, view: string) => (await list(who, view)).map((i) => i.reference);
  const statusOf = async (who: string, ref: string) => (await get(who, `/tickets/${ref}`).expect(200)).body.status.label as string;
  const idOf = async (ref: string) => (await get('celine', `/tickets/${ref}`).expect(200)).body.id as string;
  /** Who was sent a mail of `topic` about a ticket (the outbox the mailer reads). */
  const mailed = async (ticketId: string, topic: string): Promise<string[]> =>
    (
      await t.core.deps.dataSource.query(
        `SELECT p.login FROM outbox o JOIN person p ON p.tenant_id = o.tenant_id AND p.id = o.recipient_id
         WHERE o.tenant_id = $1 AND o.ticket_id = $2 AND o.topic = $3 ORDER BY p.login`,
        [TENANT, ticketId, topic],
      )
    ).map((r: { login: string }) => r.login);

  /** The guide's own incident (§3.6 recap): SIECLE AFFELNET Lycées, "[test] Pour illustration notice usager". */
  let incident = '';
  /** A request for OTP keys (§3.3–3.5), with a contact "en copie" (§3.8). */
  let otp = '';

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, tenants: [TENANT], now: START });
    const cast: [string, string][] = [
      ['celine', 'celine.morel'],
      ['marie', 'marie.payet'],
      ['sophie', 'sophie.grondin'],
      ['fabrice', 'fabrice.lauret'],
      ['priscilla', 'priscilla.nativel'],
      ['eric', 'eric.vitry'],
    ];
    for (const [who, login] of cast) tokens[who] = await t.token(TENANT, login);
  });
  afterAll(() => t?.close());

  // ---------------------------------------------------------------------------------------------
  // 3.3 — Créer un dossier par recherche de mot clé (recommandé)
  // ---------------------------------------------------------------------------------------------

  it('§3.3 "Résultats trouvés pour le mot-clé : otp (3)": the three products, their five levels and documentation', async () => {
    const res = await get('celine', '/catalogue/search?q=otp').expect(200);
    expect(res.body.total).toBe(3);
    const byName = new Map((res.body.items as Hit[]).map((h) => [h.name, h]));
    // The guide's table: Organisation | Service | Sous-catégorie | Famille de produit | Produit | Documentation.
    const rows = [
      ['Commande de clés OTP', 'Fourniture de clé OTP', 'Fourniture de clé OTP'],
      ['Console RC', 'Problème de clé OTP', 'Problème de clé OTP'],
      ['Problème clé OTP (2nd degré)', 'Problème de clé OTP', 'Problème de clé OTP'],
    ];
    expect([...byName.keys()].sort()).toEqual(rows.map(([product]) => product).sort());
    for (const [product, subcategory, family] of rows) {
      const hit = byName.get(product)!;
      expect(hit.path.map((p) => p.level)).toEqual(LEVELS);
      expect(hit.path.map((p) => p.name)).toEqual([DSI, AUTH, subcategory, family, product]);
      // "consulter la documentation associée"
      expect(hit.doc).toMatch(/^https:\/\//);
    }
    expect(byName.get('Commande de clés OTP')!.doc).toBe('https://documentation.ac-reunion.fr/books/filaos/page/commande-de-cles-otp');
    // A keyword, whatever its case: "OTP" is "otp".
    const upper = await get('celine', '/catalogue/search?q=OTP').expect(200);
    expect(upper.body.total).toBe(3);
  });

  it('§3.3 "des synonymes, surnoms et objectifs du produit": a nickname finds the product too', async () => {
    // "jeton" and "SecurID" are nicknames of the OTP key, kept as synonyms.
    for (const q of ['jeton', 'securid']) {
      const names = ((await get('celine', `/catalogue/search?q=${q}`).expect(200)).body.items as Hit[]).map((h) => h.name);
      expect(names).toContain('Commande de clés OTP');
    }
    // "mot clé (pas une phrase ou une question)": under 3 characters is refused, naming the query.
    const short = await get('celine', '/catalogue/search?q=ot').expect(400);
    expect(short.body.details).toEqual([{ field: 'q', rule: 'query', message: 'Saisissez au moins 3 caractères.' }]);
  });

  // ---------------------------------------------------------------------------------------------
  // 3.4 — Créer un dossier en parcourant l'offre de services
  // ---------------------------------------------------------------------------------------------

  it('§3.4 "DSI - Division des Systèmes d\'Information" and its seven services, each with a description', async () => {
    const tree = await get('celine', '/catalogue').expect(200);
    expect(tree.body.levels).toEqual(['organisation', 'service', 'subcategory', 'family', 'product']);
    expect((tree.body.nodes as Node[]).map((n) => [n.name, n.level.label])).toEqual([[DSI, 'Organisation']]);

    const dsi = await get('celine', '/catalogue/dsi').expect(200);
    const services = dsi.body.children as Node[];
    expect(services.map((s) => s.name)).toEqual([
      AUTH,
      'Infrastructure système et réseau',
      'Environnement de travail et téléphonie',
      'Applications métiers',
      'Moyens et outils de communication, information et collaboration',
      'Conseil et expertise',
      'Autres types de demandes ou de signalements',
    ]);
    // "afficher la description en passant la souris sur l'élément souhaité"
    for (const s of services) {
      expect(s.level.label).toBe('Service');
      expect(s.description?.length).toBeGreaterThan(10);
    }
  });

  it('§3.4 "Parcourez les niveaux disponibles jusqu\'à ouverture du formulaire": service › sous-catégorie › famille › produit', async () => {
    const service = (await get('celine', '/catalogue/authentification').expect(200)).body;
    expect(service.path.map((p: PathLevel) => p.name)).toEqual([DSI, AUTH]);
    const sub = (service.children as Node[]).find((c) => c.name === 'Fourniture de clé OTP')!;
    expect(sub.level.label).toBe('Sous-catégorie');
    expect((service.children as Node[]).map((c) => c.name)).toContain('Problème de clé OTP');

    const family = ((await get('celine', `/catalogue/${sub.key}`).expect(200)).body.children as Node[])[0];
    expect([family.name, family.level.label, family.leaf]).toEqual(['Fourniture de clé OTP', 'Famille de produit', false]);
    const products = (await get('celine', `/catalogue/${family.key}`).expect(200)).body.children as Node[];
    expect(products.map((p) => [p.name, p.level.label, p.leaf])).toEqual([['Commande de clés OTP', 'Produit', true]]);
    // A level that is not a product opens no form.
    const notLeaf = await get('celine', `/catalogue/${family.key}/form`).expect(400);
    expect(notLeaf.body.details.map((d: Problem) => d.field)).toEqual(['leaf']);
  });

  // ---------------------------------------------------------------------------------------------
  // 3.5 — Remplir correctement le formulaire
  // ---------------------------------------------------------------------------------------------

  it('§3.5 the form of "Commande de clés OTP": qualification, the guide\'s fields in order, attachments up to 2 MB', async () => {
    const res = await get('celine', '/catalogue/commande-cles-otp/form').expect(200);
    expect(res.body.type).toBe('request');
    // "Qualification du dossier": Organisation, Service, Sous catégorie de service, Famille de produit, then the product.
    expect(res.body.leaf.path.map((p: PathLevel) => [p.level, p.name])).toEqual([
      ['Organisation', DSI],
      ['Service', AUTH],
      ['Sous-catégorie', 'Fourniture de clé OTP'],
      ['Famille de produit', 'Fourniture de clé OTP'],
      ['Produit', 'Commande de clés OTP'],
    ]);
    // The product's information: "EPL : Pour commander des clés OTP … Concerne les Etablissements Publics d'Enseignements Locaux (Second degré)".
    expect(res.body.leaf.description).toContain('EPL : pour commander des clés OTP');
    expect(res.body.leaf.description).toContain('Rectorat et sites déconcentrés : pour toute demande de fournitures en clés OTP');
    expect(res.body.leaf.description).toContain("Concerne les Etablissements Publics d'Enseignements Locaux (Second degré)");
    // "Vous pouvez consulter la documentation disponible en cliquant ici"
    expect(res.body.leaf.doc).toBe('https://documentation.ac-reunion.fr/books/filaos/page/commande-de-cles-otp');

    const fields = res.body.fields as Field[];
    const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(fields.map((f) => [f.label, f.required])).toEqual([
      ['Établissement concerné', true],
      ['Visibilité', true],
      ['Impact', true],
      ['Urgence', true],
      ['Titre', true],
      ['Description', true],
      ['Contacts (Impact)', false],
      ['Téléphone de rappel', false],
      ['Disponibilités', false],
      ['Pièces jointes', false],
    ]);
    expect(byKey.establishment.type).toBe('establishment');
    // "Impact * Une personne", "Urgence * moyenne": preselected.
    expect(byKey.impact.options!.find((o) => o.value === byKey.impact.default)?.label).toBe('Une personne');
    expect(byKey.urgency.options!.find((o) => o.value === byKey.urgency.default)?.label).toBe('moyenne');
    // "Visibilité * -- choisir une valeur --": nothing preselected, the requester chooses.
    expect(byKey.visibility.default).toBeUndefined();
    expect(byKey.visibility.options!.length).toBeGreaterThan(0);
    expect(byKey.contacts.type).toBe('people');
    expect(byKey.contacts.help).toBe('Vous pouvez ajouter des personnes « en copie » de votre dossier.');
    expect(byKey.callbackPhone.help).toBe('Pensez à indiquer votre téléphone et disponibilités pour faciliter le contact.');
    expect(byKey.attachments.help).toBe('Vous pouvez ajouter des pièces jointes pour compléter la description de votre problématique.');
    // "Taille de fichier max.: 2.00 Mb"
    expect(res.body.attachments.maxBytes).toBe(2_000_000);
  });

  it('§3.5 "certains champs obligatoires marqués par une icône rouge": each missing one is named, nothing is recorded', async () => {
    const before = (await get('fabrice', '/views').expect(200)).body;
    // Fabrice works in two lycées: no establishment can be guessed for him.
    const empty = await create('fabrice', 'commande-cles-otp', {}).expect(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
    expect(empty.body.details.map((d: Problem) => [d.field, d.rule, d.message])).toEqual(
      expect.arrayContaining([
        ['establishment', 'required', 'Ce champ est obligatoire.'],
        ['visibility', 'required', 'Ce champ est obligatoire.'],
        ['title', 'required', 'Ce champ est obligatoire.'],
        ['description', 'required', 'Ce champ est obligatoire.'],
      ]),
    );
    expect(empty.body.details).toHaveLength(4);
    // "Choisir l'établissement concerné": one of his own.
    const notHis = await create('fabrice', 'commande-cles-otp', { establishment: '9740049K', visibility: 'me', title: 'Clés OTP', description: 'Deux clés' }).expect(400);
    expect(notHis.body.details).toEqual([{ field: 'establishment', rule: 'establishment', message: 'Choisissez un de vos établissements.' }]);
    const badPhone = await create('fabrice', 'commande-cles-otp', { establishment: '9740043D', visibility: 'me', title: 'Clés OTP', description: 'Deux clés', callbackPhone: 'demain' }).expect(400);
    expect(badPhone.body.details).toEqual([{ field: 'callbackPhone', rule: 'phone', message: 'Numéro de téléphone invalide.' }]);
    expect((await get('fabrice', '/views').expect(200)).body).toEqual(before);
  });

  // ---------------------------------------------------------------------------------------------
  // 3.6 — Suivre son dossier
  // ---------------------------------------------------------------------------------------------

  it('§3.6 "Votre dossier a bien été enregistré, il porte la référence : I-000…" with what the recap shows', async () => {
    const res = await create('celine', 'affelnet-lycee', {
      establishment: '9740049K',
      visibility: 'me',
      impact: 'person',
      urgency: 'medium',
      title: '[test] Pour illustration notice usager',
      description: 'Tests en cours',
    }).expect(201);
    incident = res.body.reference;
    expect(incident).toMatch(/^I-000\d{3}$/);
    expect(res.body.acknowledgement).toBe(`Votre dossier a bien été enregistré, il porte la référence : ${incident}`);
    expect(res.body.createdAt).toBe('2025-04-08T03:49:34.000Z');
    expect(reunionTime(res.body.createdAt)).toBe('08/04/2025 07:49');
    // "Récapitulatif de votre dossier : Type de dossier : Signaler une panne, un incident --> … --> SIECLE AFFELNET Lycées"
    expect(res.body.type).toEqual({ key: 'incident', label: 'Signaler une panne, un incident' });
    expect(res.body.leaf.name).toBe('SIECLE AFFELNET Lycées');
    expect(res.body.leaf.path.map((p: PathLevel) => p.name)).toContain('Orientation, affectation & inscription');
    // "Établissement : 9740049K - RECTORAT DE L'ACADEMIE DE LA REUNION", "Titre : …", "Description : Tests en cours"
    expect(res.body.establishment).toEqual({ uai: '9740049K', name: "RECTORAT DE L'ACADEMIE DE LA REUNION" });
    expect(res.body.title).toBe('[test] Pour illustration notice usager');
    expect(res.body.description).toBe('Tests en cours');
    expect(res.body.impact.label).toBe('Une personne');
    expect(res.body.urgency.label).toBe('moyenne');
    expect(res.body.visibility.label).toBe('Moi uniquement');
    // "il est important de préciser le produit afin que le dossier soit affecté automatiquement à la bonne équipe"
    expect(res.body.team.name).toBe('Pôle applications de scolarité');
    expect(res.body.status.label).toBe('Nouveau');
    // The acknowledgement also goes by mail ("mails reçus systématiquement à la création").
    expect(await mailed(res.body.id, 'ticket.created')).toContain('celine.morel');
  });

  it('§3.3–3.5 a request for OTP keys: "R-000…", with a contact "en copie", phone and availability', async () => {
    t.clock.advance(5 * MINUTE);
    const res = await create('celine', 'commande-cles-otp', {
      establishment: '9740049K',
      visibility: 'me',
      title: 'Commande de deux clés OTP',
      description: 'Deux clés pour les nouveaux gestionnaires de la DOS, arrivés le 7 avril.',
      contacts: ['marie.payet'],
      callbackPhone: '0262 48 10 10',
      availability: 'Du lundi au vendredi, 8 h – 12 h',
    }).expect(201);
    otp = res.body.reference;
    expect(otp).toMatch(/^R-000\d{3}$/);
    expect(res.body.acknowledgement).toBe(`Votre dossier a bien été enregistré, il porte la référence : ${otp}`);
    expect(res.body.type.label).toBe('Faire une demande');
    // Defaults: "Impact * Une personne", "Urgence * moyenne".
    expect(res.body.impact.label).toBe('Une personne');
    expect(res.body.urgency.label).toBe('moyenne');
    expect(res.body.fields).toEqual({ callbackPhone: '0262 48 10 10', availability: 'Du lundi au vendredi, 8 h – 12 h' });
    expect(res.body.participants.map((p: { login: string }) => p.login)).toEqual(['marie.payet']);
    expect(res.body.team.name).toBe('Pôle identités et accès');
  });

  it('§3.6 "Mes dossiers en cours": both are listed; the product routes them to their team within a minute', async () => {
    const tabs = (await get('celine', '/views').expect(200)).body as { key: string; label: string; group: string }[];
    expect(tabs.map((v) => [v.label, v.group])).toEqual([
      ['Ouverts', 'Mes dossiers en cours'],
      ['Partagés', 'Mes dossiers en cours'],
      ['Résolus', 'Mes dossiers en cours'],
      ['Fermés', 'Mes dossiers fermés'],
    ]);
    const open = await list('celine', 'open');
    expect(open.filter((i) => [incident, otp].includes(i.reference)).map((i) => i.status.label)).toEqual(['Nouveau', 'Nouveau']);

    t.clock.advance(MINUTE);
    await t.core.runTimers();
    expect(await statusOf('celine', incident)).toBe('Affecté');
    expect(await statusOf('celine', otp)).toBe('Affecté');
    expect(await refsIn('celine', 'open')).toEqual(expect.arrayContaining([incident, otp]));
  });

  // ---------------------------------------------------------------------------------------------
  // 3.7 — Échanger avec les intervenants de l'assistance
  // ---------------------------------------------------------------------------------------------

  it('§3.7 "Pièces jointes … (Taille de fichier max.: 2.00 Mb)": 2 MB accepted, one byte more refused naming the file', async () => {
    const ok = await t.http.post(`${API}/tickets/${otp}/attachments`).set(auth('celine')).attach('file', Buffer.alloc(2_000_000, 1), 'liste-des-gestionnaires.pdf').expect(201);
    expect(ok.body).toMatchObject({ fileName: 'liste-des-gestionnaires.pdf', size: 2_000_000 });
    const tooBig = await t.http.post(`${API}/tickets/${otp}/attachments`).set(auth('celine')).attach('file', Buffer.alloc(2_000_001, 1), 'scan.pdf').expect(413);
    expect(tooBig.body.details).toEqual([{ field: 'file', rule: 'fileSize', message: 'Fichier trop volumineux : 2 Mo au maximum.' }]);
    const ticket = (await get('celine', `/tickets/${otp}`).expect(200)).body;
    expect(ticket.attachments.map((a: { fileName: string }) => a.fileName)).toEqual(['liste-des-gestionnaires.pdf']);
  });

  it('§3.7 "Échanges": the agent writes, the requester answers, each exchange is mailed; private notes stay with the desk', async () => {
    t.clock.advance(HOUR);
    const taken = await move('priscilla', otp, 'take').expect(200);
    expect(taken.body.status.label).toBe('Assigné');
    expect(taken.body.assignee.login).toBe('priscilla.nativel');

    const asked = await comment('priscilla', otp, 'Bonjour, pour quels agents ? Merci de nous donner leurs noms.').expect(201);
    const otpId = asked.body.id as string;
    await t.http.post(`${API}/tickets/${otp}/comments`).set(auth('priscilla')).send({ body: 'Stock de clés : 12.', private: true }).expect(201);
    expect(await mailed(otpId, 'ticket.commented')).toEqual(expect.arrayContaining(['celine.morel']));

    t.clock.advance(HOUR);
    const answered = await comment('celine', otp, 'Pour M. Hoarau et Mme Lebreton, gestionnaires à la DOS.').expect(201);
    expect(answered.body.status.label).toBe('Assigné');
    const seen = (await get('celine', `/tickets/${otp}`).expect(200)).body.history as HistoryEntry[];
    expect(seen.filter((e) => e.type === 'commented').map((e) => [e.actor.login, e.data.body])).toEqual([
      ['priscilla.nativel', 'Bonjour, pour quels agents ? Merci de nous donner leurs noms.'],
      ['celine.morel', 'Pour M. Hoarau et Mme Lebreton, gestionnaires à la DOS.'],
    ]);
    expect(seen.some((e) => e.type === 'noted')).toBe(false);
    expect((await get('priscilla', `/tickets/${otp}`).expect(200)).body.history.some((e: HistoryEntry) => e.type === 'noted')).toBe(true);
  });

  it('§3.7 "répondre aux questions posées": on hold ("En attente"), the requester\'s answer resumes the work by itself', async () => {
    t.clock.advance(HOUR);
    const noQuestion = await move('priscilla', otp, 'wait').expect(400);
    expect(noQuestion.body.details).toEqual([{ field: 'comment', rule: 'required', message: 'Ce champ est obligatoire.' }]);
    const waiting = await move('priscilla', otp, 'wait', { comment: "Les deux agents ont-ils déjà un compte académique actif ?" }).expect(200);
    expect(waiting.body.status).toMatchObject({ label: 'En attente', category: 'waiting' });
    expect((await list('celine', 'open')).find((i) => i.reference === otp)?.status.label).toBe('En attente');

    t.clock.advance(HOUR);
    const back = await comment('celine', otp, 'Oui, tous les deux depuis le 7 avril.').expect(201);
    expect(back.body.status.label).toBe('Assigné');
    expect(back.body.history.at(-1)).toMatchObject({ type: 'transitioned', actor: { login: 'celine.morel' }, data: { transition: 'answer', from: 'pending', to: 'taken' } });
  });

  // ---------------------------------------------------------------------------------------------
  // 3.8 — Partager un dossier avec un contact
  // ---------------------------------------------------------------------------------------------

  it('§3.8 the contact "recevra une notification par mail et pourra visualiser ce dossier partagé dans l\'onglet Partagés"', async () => {
    const otpId = await idOf(otp);
    expect(await mailed(otpId, 'ticket.shared')).toEqual(['marie.payet']);
    expect(await refsIn('marie', 'shared')).toContain(otp);
    expect(await refsIn('marie', 'open')).not.toContain(otp);
    const seen = (await get('marie', `/tickets/${otp}`).expect(200)).body;
    expect(seen.you).toEqual({ roles: ['participant'], transitions: [], editable: [] });
    // A contact follows the ticket; the exchanges are the requester's (pack choice, see the README).
    await comment('marie', otp, 'Je confirme.').expect(403);
    // Someone not in copy does not see it.
    await get('sophie', `/tickets/${otp}`).expect(404);
    expect(await refsIn('sophie', 'shared')).not.toContain(otp);
  });

  it('§3.8 "lors de la création ou modification du dossier": a contact added afterwards sees it under Partagés too', async () => {
    const added = await t.http.post(`${API}/tickets/${otp}/participants`).set(auth('celine')).send({ person: 'sophie.grondin' }).expect(201);
    expect(added.body.participants.map((p: { login: string }) => p.login)).toEqual(['marie.payet', 'sophie.grondin']);
    expect(await refsIn('sophie', 'shared')).toContain(otp);
    const unknown = await t.http.post(`${API}/tickets/${otp}/participants`).set(auth('celine')).send({ person: 'personne.inconnue' }).expect(400);
    expect(unknown.body.details).toEqual([{ field: 'person', rule: 'person', message: 'Personne inconnue dans l’annuaire.' }]);
    // Contacts follow, they do not share further.
    await t.http.post(`${API}/tickets/${otp}/participants`).set(auth('marie')).send({ person: 'nathalie.boyer' }).expect(403);
  });

  // ---------------------------------------------------------------------------------------------
  // 3.9 — Clore, ouvrir et évaluer l'intervention
  // ---------------------------------------------------------------------------------------------

  it('§3.9 "l\'agent en charge passera le statut du dossier à « Résolu »", classed under "Résolus"', async () => {
    t.clock.advance(HOUR);
    await move('priscilla', otp, 'resolve').expect(400);
    const resolved = await move('priscilla', otp, 'resolve', { solution: 'Deux clés OTP préparées ; à retirer au bureau 104 du rectorat.' }).expect(200);
    expect(resolved.body.status).toMatchObject({ key: 'resolved', label: 'Résolu', category: 'resolved' });
    expect(await refsIn('celine', 'resolved')).toContain(otp);
    expect(await refsIn('celine', 'open')).not.toContain(otp);
    // Contacts still see it under "Partagés".
    expect(await refsIn('marie', 'shared')).toContain(otp);
    expect(await mailed(resolved.body.id, 'ticket.resolved')).toEqual(expect.arrayContaining(['celine.morel', 'marie.payet']));

    const mine = (await get('celine', `/tickets/${otp}`).expect(200)).body;
    expect(mine.solution).toBe('Deux clés OTP préparées ; à retirer au bureau 104 du rectorat.');
    // "Fermer ce dossier en répondant à 2 questions ou le re-ouvrir".
    expect(mine.you.transitions.map((x: { label: string }) => x.label)).toEqual(['Fermer ce dossier', 'Ré-ouvrir']);
    const close = mine.you.transitions.find((x: { name: string }) => x.name === 'close');
    expect(close.requires).toEqual(['rating']);
    expect(close.survey.questions.map((q: { key: string; label: string; required: boolean }) => [q.key, q.label, q.required])).toEqual([
      ['delay', 'Êtes-vous satisfait du délai de traitement de votre dossier ?', true],
      ['answer', 'Êtes-vous satisfait de la réponse apportée ?', true],
    ]);
    // Only the requester closes.
    expect((await get('marie', `/tickets/${otp}`).expect(200)).body.you.transitions).toEqual([]);
    await move('marie', otp, 'close', { ratings: { delay: 4, answer: 4 } }).expect(409);
  });

  it('§3.9 "le re-ouvrir si la réponse apportée doit être revue": with a comment, back to the agent', async () => {
    t.clock.advance(HOUR);
    const bare = await move('celine', otp, 'reopen').expect(400);
    expect(bare.body.details).toEqual([{ field: 'comment', rule: 'required', message: 'Ce champ est obligatoire.' }]);
    const reopened = await move('celine', otp, 'reopen', { comment: 'Une seule clé était dans l\'enveloppe.' }).expect(200);
    expect(reopened.body.reference).toBe(otp);
    expect(reopened.body.status.label).toBe('Assigné');
    expect(reopened.body.assignee.login).toBe('priscilla.nativel');
    expect(reopened.body.solution).toBeNull();
    expect(await refsIn('celine', 'open')).toContain(otp);
    expect(await refsIn('celine', 'resolved')).not.toContain(otp);
    expect(await mailed(reopened.body.id, 'ticket.reopened')).toContain('priscilla.nativel');
  });

  it('§3.9 "Fermer ce dossier en répondant à 2 questions": a missing answer is named; both answered, it is Fermé', async () => {
    t.clock.advance(HOUR);
    await move('priscilla', otp, 'resolve', { solution: 'La seconde clé vous a été remise en main propre.' }).expect(200);

    t.clock.advance(HOUR);
    const one = await move('celine', otp, 'close', { ratings: { delay: 3 } }).expect(400);
    expect(one.body.details).toEqual([{ field: 'ratings.answer', rule: 'required', message: 'Ce champ est obligatoire.' }]);
    const outOfScale = await move('celine', otp, 'close', { ratings: { delay: 5, answer: 4 } }).expect(400);
    expect(outOfScale.body.details).toEqual([{ field: 'ratings.delay', rule: 'rating', message: 'Une note entre 1 et 4 est attendue.' }]);
    expect(await statusOf('celine', otp)).toBe('Résolu');

    const closed = await move('celine', otp, 'close', { ratings: { delay: 3, answer: 4 } }).expect(200);
    expect(closed.body.status).toMatchObject({ label: 'Fermé', category: 'closed' });
    expect(closed.body.closedAt).toBe(new Date(t.clock.now()).toISOString());
    expect(closed.body.history.at(-1)).toMatchObject({ type: 'transitioned', data: { transition: 'close', ratings: { delay: 3, answer: 4 } } });
    expect(await refsIn('celine', 'closed')).toContain(otp);
    expect(await refsIn('celine', 'resolved')).not.toContain(otp);
    expect(await refsIn('marie', 'closed')).toContain(otp);
    expect(await refsIn('marie', 'shared')).not.toContain(otp);
    await comment('celine', otp, 'Merci !').expect(409);
  });

  // ---------------------------------------------------------------------------------------------
  // Delays the pack chose where the guide is silent (README): reminder 7 days "En attente",
  // automatic closure 14 days after "Résolu", anonymised 12 months after closure — counted in
  // La Réunion's time.
  // ---------------------------------------------------------------------------------------------

  it('"Résolu" at 23:30 in La Réunion (19:30 UTC): the incident is resolved late in the evening', async () => {
    t.clock.set('2025-04-08T19:30:00Z');
    await move('eric', incident, 'take').expect(200);
    const resolved = await move('eric', incident, 'resolve', { solution: 'Environnement de test AFFELNET réinitialisé.' }).expect(200);
    expect(resolved.body.status.label).toBe('Résolu');
    expect(reunionTime(resolved.body.resolvedAt)).toBe('08/04/2025 23:30');
  });

  it('a ticket "En attente" is reminded to its requester after 7 days, once', async () => {
    // The demo's "Plus de Wi-Fi au CDI depuis lundi" waits on Marie Payet since the demo was loaded.
    const wifi = (await list('marie', 'open')).find((i) => i.title === 'Plus de Wi-Fi au CDI depuis lundi')!;
    expect(wifi.status.label).toBe('En attente');
    const wifiId = await (async () => (await get('marie', `/tickets/${wifi.reference}`).expect(200)).body.id as string)();
    t.clock.set(new Date(Date.parse(START) + 7 * DAY - MINUTE));
    await t.core.runTimers();
    expect(await mailed(wifiId, 'ticket.reminder')).toEqual([]);
    t.clock.set(new Date(Date.parse(START) + 7 * DAY));
    await t.core.runTimers();
    await t.core.runTimers();
    expect(await mailed(wifiId, 'ticket.reminder')).toEqual(['marie.payet']);
    expect(await statusOf('marie', wifi.reference)).toBe('En attente');
  });

  it('"Fermé" by itself 14 days after "Résolu" (auto-close), at the same local time: 22/04 23:30', async () => {
    t.clock.set('2025-04-22T19:29:00Z');
    await t.core.runTimers();
    expect(await statusOf('celine', incident)).toBe('Résolu');
    t.clock.set('2025-04-22T19:30:00Z');
    await t.core.runTimers();
    const closed = (await get('celine', `/tickets/${incident}`).expect(200)).body;
    expect(closed.status.label).toBe('Fermé');
    expect(reunionTime(closed.closedAt)).toBe('22/04/2025 23:30');
    expect(closed.history.at(-1)).toMatchObject({ type: 'transitioned', actor: { login: 'system' }, data: { transition: 'auto-close', timer: 'auto-close' } });
    expect(await refsIn('celine', 'closed')).toContain(incident);
  });

  it('local midnight in La Réunion (20:00 UTC): the date changes, the I-000… counter goes on', async () => {
    t.clock.set('2025-04-22T19:59:59Z');
    const before = (await create('celine', 'affelnet-lycee', { visibility: 'me', title: 'Vœux non remontés', description: 'Les vœux de 3e ne remontent pas.' }).expect(201)).body;
    t.clock.set('2025-04-22T20:00:00Z');
    const after = (await create('celine', 'affelnet-lycee', { visibility: 'me', title: 'Vœux non remontés (suite)', description: 'Toujours pas.' }).expect(201)).body;
    expect(reunionTime(before.createdAt)).toBe('22/04/2025 23:59');
    expect(reunionTime(after.createdAt)).toBe('23/04/2025 00:00');
    // With one establishment, "Établissement concerné" is hers.
    expect(before.establishment.uai).toBe('9740049K');
    const n = Number(before.reference.slice(2));
    expect(before.reference).toMatch(/^I-000\d{3}$/);
    expect(after.reference).toBe(`I-${String(n + 1).padStart(6, '0')}`);
    expect(n).toBe(Number(incident.slice(2)) + 1);
  });

  it('closed tickets are anonymised 12 months after closure (the reference stays, the contents go)', async () => {
    const closed = (await get('celine', `/tickets/${otp}`).expect(200)).body;
    const closedAt = Date.parse(closed.closedAt);
    // 2025-04-08 → 2026-04-08, same local time: La Réunion has no daylight saving time.
    t.clock.set(new Date(closedAt + 365 * DAY - MINUTE));
    await t.core.runTimers();
    expect((await get('celine', `/tickets/${otp}`).expect(200)).body.title).toBe('Commande de deux clés OTP');
    await get('marie', `/tickets/${otp}`).expect(200);

    t.clock.set(new Date(closedAt + 365 * DAY));
    await t.core.runTimers();
    const kept = (await get('celine', `/tickets/${otp}`).expect(200)).body;
    expect(kept.reference).toBe(otp);
    expect(kept.status.label).toBe('Fermé');
    expect(kept.title).not.toBe('Commande de deux clés OTP');
    expect(kept.description).toBe('');
    expect(kept.fields).toEqual({});
    expect(kept.solution).toBeNull();
    expect(kept.participants).toEqual([]);
    expect(kept.attachments).toEqual([]);
    expect(JSON.stringify(kept.history)).not.toContain('Hoarau');
    // The contacts no longer see it.
    await get('marie', `/tickets/${otp}`).expect(404);
    // Closed on 22/04 at 23:30, the incident is kept until 22/04/2026 23:30.
    expect((await get('celine', `/tickets/${incident}`).expect(200)).body.title).toBe('[test] Pour illustration notice usager');
  });
});
