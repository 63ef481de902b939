/**
 * Journey: "Service Desk – Guide de l'utilisateur" V1.0 of Kosmos for the ENT "Ma classe en
 * Auvergne-Rhône-Alpes" (shared/seeds/004), replayed step by step through the HTTP API on the
 * real `kosmos-aura` pack and its demo data. Each `it` is a chapter of the guide; they run in
 * order and share the requests they create.
 *
 * Cast (tenants/kosmos-aura/demo.yaml): Julien Marchand (julien.marchand), référent numérique of
 * the Lycée du Parc (0690026D), who files the guide's "Comptes introuvables dans l'annuaire";
 * Claire Mercier (claire.mercier), ENT adviser at the DRANE, on the lycée's "liste blanche";
 * Nicolas Perrin (nicolas.perrin), of another lycée and not on it; Thomas Girard (thomas.girard),
 * a colleague at the Lycée du Parc; Inès Benali (ines.benali), Kosmos agent of the accounts and
 * directory team; Camille Ferrand (camille.ferrand), head of the support centre who takes phone
 * calls (§2.2).
 *
 * The clock starts on the guide's date, 25/07/2019, 09:00 in Paris.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';
import type { FormFieldView } from '../../src/catalogue/catalogue.service.js';

const TENANT = 'kosmos-aura';
const API = `/api/${TENANT}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The demo's requests take KOSN1-1 onwards; the journey's come next. */
const DEMO_TICKETS = (parse(readFileSync(join(TENANT_PACKS, TENANT, 'demo.yaml'), 'utf8')) as { tickets: unknown[] }).tickets.length;

type Field = FormFieldView;
interface Summary {
  reference: string;
  title: string;
  status: { key: string; label: string; category: string };
}
interface HistoryEntry {
  type: string;
  actor: { login: string };
  data: Record<string, unknown>;
}
/** "04/11/2019 10:00": a date as a person in Lyon reads it. */
const parisTime = (iso: string) =>
  new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso)).replace(',', '');

describe('Kosmos — "Service Desk – Guide de l\'utilisateur" (Ma classe en Auvergne-Rhône-Alpes), replayed through the API', () => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  const auth = (who: string) => ({ Authorization: `Bearer ${tokens[who]}` });
  const get = (who: string, path: string) => t.http.get(`${API}${path}`).set(auth(who));
  const create = (who: string, leaf: string, values: Record<string, unknown>) => t.http.post(`${API}/tickets`).set(auth(who)).send({ leaf, values });
  const move = (who: string, ref: string, transition: string, extra: Record<string, unknown> = {}) =>
    t.http.post(`${API}/tickets/${ref}/transitions`).set(auth(who)).send({ transition, ...extra });
  const comment = (who: string, ref: string, body: string) => t.http.post(`${API}/tickets/${ref}/comments`).set(auth(who)).send({ body });
  const addParticipant = (who: string, ref: string, person: string) => t.http.post(`${API}/tickets/${ref}/participants`).set(auth(who)).send({ person });
  const list = async (who: string, view: string): Promise<Summary[]> => (await get(who, `/tickets?view=${view}&limit=100`).expect(200)).body.items;
  const refsIn = async (who: string, view: string) => (await list(who, view)).map((i) => i.reference);
  const statusOf = async (who: string, ref: string) => (await get(who, `/tickets/${ref}`).expect(200)).body.status.label as string;
  /** Who was sent a mail of `topic` about a ticket (the outbox the mailer reads). */
  const mailed = async (ticketId: string, topic: string): Promise<string[]> =>
    (
      await t.core.deps.dataSource.query(
        `SELECT p.login FROM outbox o JOIN person p ON p.tenant_id = o.tenant_id AND p.id = o.recipient_id
         WHERE o.tenant_id = $1 AND o.ticket_id = $2 AND o.topic = $3 ORDER BY p.login`,
        [TENANT, ticketId, topic],
      )
    ).map((r: { login: string }) => r.login);

  /** The guide's §5 example: "Comptes introuvables dans l'annuaire". */
  let annuaire = '';
  let annuaireId = '';
  /** The guide's §6 example: "Paramètres messagerie", left unanswered. */
  let messagerie = '';
  let messagerieId = '';

  beforeAll(async () => {
    t = await startTestApp({ tenantsDir: TENANT_PACKS, tenants: [TENANT], now: '2019-07-25T07:00:00Z' });
    const cast: [string, string][] = [
      ['julien', 'julien.marchand'],
      ['claire', 'claire.mercier'],
      ['nicolas', 'nicolas.perrin'],
      ['thomas', 'thomas.girard'],
      ['ines', 'ines.benali'],
      ['camille', 'camille.ferrand'],
    ];
    for (const [who, login] of cast) tokens[who] = await t.token(TENANT, login);
  });
  afterAll(() => t?.close());

  // ---------------------------------------------------------------------------------------------
  // 4 — Le formulaire d'assistance
  // ---------------------------------------------------------------------------------------------

  it('§4 the flat form: the guide\'s ten fields in order, three required and seven "(Facultatif)", with its help texts', async () => {
    const res = await get('julien', '/catalogue/annuaire/form').expect(200);
    const fields = res.body.fields as Field[];
    expect(fields.map((f) => [f.label, f.required])).toEqual([
      ['Objet de la demande', true],
      ['RNE/UAI', true],
      ['URL', false],
      ['Académie', false],
      ['Description', true],
      ['Composants', false],
      ['Pièces jointes', false],
      ['Téléphone de contact', false],
      ["Date de début de l'incident", false],
      ['Utilisateur(s) concerné(s)', false],
    ]);
    const help = Object.fromEntries(fields.map((f) => [f.label, f.help ?? '']));
    expect(help['Objet de la demande']).toContain('Il vous permet de résumer votre requête. Exemple : Problème pour visualiser le cahier de textes.');
    expect(help['RNE/UAI']).toContain('Il nous permet d\'identifier votre établissement');
    expect(help.URL).toContain("l'adresse URL de la page de l'ENT qui est concernée par votre requête");
    expect(help['Académie']).toContain("Il nous permet d'identifier votre autorité de rattachement.");
    expect(help.Description).toContain("Nous vous conseillons d'y indiquer le plus d'informations possibles");
    expect(help.Composants).toContain("Il nous permet d'identifier le service concerné.");
    expect(help['Pièces jointes']).toContain("des captures d'écran ou des copies de vos bases d'emploi du temps");
    expect(help['Téléphone de contact']).toContain('Le format de saisie est libre.');
    expect(help['Téléphone de contact']).toContain('Nous vous invitons à renseigner votre ligne directe de préférence et nous indiquer vos disponibilités pour vous joindre.');
    expect(help["Date de début de l'incident"]).toContain('Il est néanmoins utile au diagnostic de votre problème. Le format de saisie est libre.');
    expect(help['Utilisateur(s) concerné(s)']).toContain("Il nous est toutefois utile d'avoir le nom d'utilisateurs impactés.");
    const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(byKey.establishment.type).toBe('establishment');
    expect(byKey.academie.options!.map((o) => o.label)).toEqual(['Clermont-Ferrand', 'Grenoble', 'Lyon']);
    expect(byKey.attachments.type).toBe('attachments');
    // No impact, urgency or visibility to choose: the guide's form has none.
    expect(fields.some((f) => ['impact', 'urgency', 'visibility'].includes(f.key))).toBe(false);

    // Flat: the same form whatever the component the request is about.
    const other = await get('julien', '/catalogue/autre-demande/form').expect(200);
    expect((other.body.fields as Field[]).map((f) => f.key)).toEqual(fields.map((f) => f.key));
  });

  it('§4 "Ce champ est obligatoire": Objet, RNE/UAI and Description are named when missing; the optional ones are free', async () => {
    // §2.2: the support adviser records a phone call — an agent has no establishment of their own to default to.
    const empty = await create('camille', 'autre-demande', {}).expect(400);
    expect(empty.body.details).toEqual([
      { field: 'title', rule: 'required', message: 'Ce champ est obligatoire.' },
      { field: 'description', rule: 'required', message: 'Ce champ est obligatoire.' },
      { field: 'establishment', rule: 'required', message: 'Ce champ est obligatoire.' },
    ]);
    // "RNE/UAI … Il nous permet d'identifier votre établissement": a requester names one of his.
    const notHis = await create('julien', 'annuaire', { title: 'Comptes', description: 'Comptes absents', establishment: '0420034J' }).expect(400);
    expect(notHis.body.details).toEqual([{ field: 'establishment', rule: 'establishment', message: 'Choisissez un de vos établissements.' }]);
    const badUrl = await create('julien', 'annuaire', { title: 'Comptes', description: 'Comptes absents', establishment: '0690026D', url: 'page annuaire' }).expect(400);
    expect(badUrl.body.details).toEqual([{ field: 'url', rule: 'url', message: 'Adresse web invalide.' }]);
    // Nothing was recorded: no request, no number used.
    expect(await refsIn('julien', 'mine')).toHaveLength(2); // the demo's two requests of Julien
  });

  // ---------------------------------------------------------------------------------------------
  // 5 — Récapitulatif de votre demande; 6 — Accusé de réception
  // ---------------------------------------------------------------------------------------------

  it('§5 "Créer": the request shows "Nouveau" and a Kosmos reference KOSN1-<n>; §6 the confirmation is mailed', async () => {
    const res = await create('julien', 'annuaire', {
      title: "Comptes introuvables dans l'annuaire",
      establishment: '0690026D',
      url: 'https://lyc-parc.ent.auvergnerhonealpes.fr/annuaire',
      academie: 'lyon',
      description: "Trois élèves de 2nde 4 arrivés lundi n'apparaissent pas dans l'annuaire de l'ENT ; impossible de leur écrire.",
      composants: 'annuaire',
      phone: '04 78 00 00 11, plutôt le matin avant 10 h',
      incidentStart: 'lundi dernier',
      affectedUsers: 'Léa Martin, Yanis Haddad, Chloé Faure',
    }).expect(201);
    annuaire = res.body.reference;
    annuaireId = res.body.id;
    expect(annuaire).toBe(`KOSN1-${DEMO_TICKETS + 1}`);
    expect(res.body.status).toEqual({ key: 'new', label: 'Nouveau', category: 'new' });
    expect(res.body.acknowledgement).toBe(`Demande ${annuaire} confirmée. Nous avons bien reçu votre requête et vous répondrons au plus vite. - Kosmos`);
    expect(res.body.type.label).toBe('Assistance ENT');
    expect(res.body.requester.name).toBe('Julien Marchand');
    expect(res.body.establishment).toEqual({ uai: '0690026D', name: 'Lycée du Parc' });
    expect(res.body.description).toContain('Trois élèves de 2nde 4');
    // The free-format fields are kept as typed.
    expect(res.body.fields).toEqual({
      url: 'https://lyc-parc.ent.auvergnerhonealpes.fr/annuaire',
      academie: 'lyon',
      composants: 'annuaire',
      phone: '04 78 00 00 11, plutôt le matin avant 10 h',
      incidentStart: 'lundi dernier',
      affectedUsers: 'Léa Martin, Yanis Haddad, Chloé Faure',
    });
    expect(res.body.impact).toBeNull();
    expect(res.body.priority).toBeNull();
    expect(res.body.participants).toEqual([]);
    // "Dès votre demande soumise, une confirmation vous est envoyée par e-mail."
    expect(await mailed(annuaireId, 'ticket.created')).toEqual(['julien.marchand']);
    // "Pièces Jointes (Facultatif)": a screenshot.
    await t.http.post(`${API}/tickets/${annuaire}/attachments`).set(auth('julien')).attach('file', Buffer.from('capture'), 'annuaire-vide.png').expect(201);

    // The next request takes the next number, unpadded ("KOSN1-6", "KOSN1-7").
    t.clock.advance(10 * MINUTE);
    const next = await create('thomas', 'parametres-messagerie', { title: 'Paramètres messagerie', description: 'La redirection vers mon adresse académique ne s\'enregistre pas.' }).expect(201);
    messagerie = next.body.reference;
    messagerieId = next.body.id;
    expect(messagerie).toBe(`KOSN1-${DEMO_TICKETS + 2}`);
    expect(next.body.establishment.uai).toBe('0690026D'); // his only establishment
  });

  it('§5.3 "+Ajouter des participants": someone on the establishment\'s liste blanche is accepted, someone else refused by name', async () => {
    t.clock.advance(MINUTE);
    const added = await addParticipant('julien', annuaire, 'claire.mercier').expect(201);
    expect(added.body.participants.map((p: { login: string }) => p.login)).toEqual(['claire.mercier']);
    expect(await mailed(annuaireId, 'ticket.shared')).toEqual(['claire.mercier']);

    const refused = await addParticipant('julien', annuaire, 'nicolas.perrin').expect(400);
    expect(refused.body.details).toEqual([{ field: 'person', rule: 'allowList', message: "Cette personne ne figure pas sur la liste blanche de l'établissement." }]);
    const refusedEn = await t.http.post(`${API}/tickets/${annuaire}/participants?lang=en`).set(auth('julien')).send({ person: 'nicolas.perrin' }).expect(400);
    expect(refusedEn.body.details).toEqual([{ field: 'person', rule: 'allowList', message: "This person is not on the establishment's allow-list." }]);
    // Nothing changed.
    expect((await get('julien', `/tickets/${annuaire}`).expect(200)).body.participants.map((p: { login: string }) => p.login)).toEqual(['claire.mercier']);
    await get('nicolas', `/tickets/${annuaire}`).expect(404);
  });

  it('§5.3 "Un utilisateur désigné « participant » … peut accéder aux informations, ajouter un commentaire ou une pièce jointe"', async () => {
    t.clock.advance(MINUTE);
    const seen = (await get('claire', `/tickets/${annuaire}`).expect(200)).body;
    expect(seen.title).toBe("Comptes introuvables dans l'annuaire");
    expect(seen.you.roles).toEqual(['participant']);
    expect(seen.fields.affectedUsers).toBe('Léa Martin, Yanis Haddad, Chloé Faure');
    const commented = await comment('claire', annuaire, 'Même constat au lycée Champollion pour les arrivées de la semaine.').expect(201);
    expect(commented.body.history.at(-1)).toMatchObject({ type: 'commented', actor: { login: 'claire.mercier' } });
    const file = await t.http.post(`${API}/tickets/${annuaire}/attachments`).set(auth('claire')).attach('file', Buffer.from('export AAF'), 'export-aaf.csv').expect(201);
    expect(file.body.fileName).toBe('export-aaf.csv');
    expect((await get('julien', `/tickets/${annuaire}`).expect(200)).body.attachments.map((a: { fileName: string }) => a.fileName)).toEqual(['annuaire-vide.png', 'export-aaf.csv']);
  });

  // ---------------------------------------------------------------------------------------------
  // 7 — Accès au suivi des demandes d'assistance
  // ---------------------------------------------------------------------------------------------

  it('§7.1 filters "créées / participant / toutes les demandes de votre établissement": each person finds it where the guide says', async () => {
    const tabs = (await get('julien', '/views').expect(200)).body as { key: string; label: string; group: string }[];
    expect(tabs.map((v) => [v.key, v.label])).toEqual([
      ['all', 'Quel que soit le créateur'],
      ['mine', 'Créées par moi'],
      ['participant', 'Où je suis participant'],
      ['establishment', 'De mon établissement'],
    ]);
    const where = async (who: string, ref: string) => {
      const found: string[] = [];
      for (const view of ['mine', 'participant', 'establishment']) if ((await refsIn(who, view)).includes(ref)) found.push(view);
      return found;
    };
    // The requester: created by him, and his establishment's.
    expect(await where('julien', annuaire)).toEqual(['mine', 'establishment']);
    // The participant from the DRANE: only as participant.
    expect(await where('claire', annuaire)).toEqual(['participant']);
    // A colleague of the same lycée, neither creator nor participant: only in the establishment's requests.
    expect(await where('thomas', annuaire)).toEqual(['establishment']);
    expect(await refsIn('thomas', 'all')).toContain(annuaire);
    await get('thomas', `/tickets/${annuaire}`).expect(200);
    // Someone of another lycée: nowhere.
    expect(await where('nicolas', annuaire)).toEqual([]);
    expect(await refsIn('nicolas', 'all')).not.toContain(annuaire);
    // The list's columns: Référence, Résumé, Statut.
    expect((await list('julien', 'mine')).find((i) => i.reference === annuaire)).toMatchObject({ title: "Comptes introuvables dans l'annuaire", status: { label: 'Nouveau' } });
    // The counts are those of the lists.
    for (const who of ['julien', 'claire', 'thomas']) {
      for (const v of (await get(who, '/views').expect(200)).body as { key: string; count: number }[]) expect([who, v.key, v.count]).toEqual([who, v.key, (await list(who, v.key)).length]);
    }
  });

  it('§7.2 "En cours" → "En attente utilisateur"; §8 the requester\'s answer: "le statut de votre demande affichera « En cours »"', async () => {
    t.clock.advance(HOUR);
    const started = await move('ines', annuaire, 'start').expect(200);
    expect(started.body.status).toEqual({ key: 'in-progress', label: 'En cours', category: 'open' });
    expect(started.body.assignee.login).toBe('ines.benali');
    expect(started.body.team.key).toBe('comptes');

    t.clock.advance(HOUR);
    const noText = await move('ines', annuaire, 'ask-user').expect(400);
    expect(noText.body.details).toEqual([{ field: 'comment', rule: 'required', message: 'Ce champ est obligatoire.' }]);
    const asked = await move('ines', annuaire, 'ask-user', { comment: 'Les trois élèves figurent-ils dans SIECLE avec une date d\'entrée ?' }).expect(200);
    expect(asked.body.status).toEqual({ key: 'waiting-user', label: 'En attente utilisateur', category: 'waiting' });
    expect(await mailed(annuaireId, 'ticket.waiting')).toEqual(['claire.mercier', 'julien.marchand']);
    // Requesters do not move the request by a button: they answer.
    expect((await get('julien', `/tickets/${annuaire}`).expect(200)).body.you.transitions).toEqual([]);

    t.clock.advance(HOUR);
    const answered = await comment('julien', annuaire, 'Oui, entrés le 22/07 dans SIECLE.').expect(201);
    expect(answered.body.status.label).toBe('En cours');
    const tail = (answered.body.history as HistoryEntry[]).slice(-2);
    expect(tail).toEqual([
      expect.objectContaining({ type: 'commented', actor: expect.objectContaining({ login: 'julien.marchand' }), data: { body: 'Oui, entrés le 22/07 dans SIECLE.' } }),
      expect.objectContaining({ type: 'transitioned', actor: expect.objectContaining({ login: 'julien.marchand' }), data: expect.objectContaining({ transition: 'answer', from: 'waiting-user', to: 'in-progress' }) }),
    ]);
  });

  it('§8 a participant\'s answer also sends "En attente utilisateur" back to "En cours"; an agent\'s comment does not', async () => {
    t.clock.advance(HOUR);
    await move('ines', annuaire, 'ask-user', { comment: 'Pouvez-vous nous joindre un export de la classe de 2nde 4 ?' }).expect(200);
    await comment('ines', annuaire, 'Un export CSV suffit.').expect(201);
    expect(await statusOf('julien', annuaire)).toBe('En attente utilisateur');
    t.clock.advance(HOUR);
    const byParticipant = await comment('claire', annuaire, 'Export transmis par la DRANE en pièce jointe.').expect(201);
    expect(byParticipant.body.status.label).toBe('En cours');
    expect(byParticipant.body.history.at(-1)).toMatchObject({ type: 'transitioned', actor: { login: 'claire.mercier' }, data: { transition: 'answer' } });
  });

  it('§7.2 "En attente": the request falls within the authority\'s remit; then "Fermé" with the support\'s answer', async () => {
    t.clock.advance(HOUR);
    const authority = await move('ines', annuaire, 'to-authority', { comment: "L'alimentation AAF des élèves relève de votre académie : nous lui avons transmis." }).expect(200);
    expect(authority.body.status).toEqual({ key: 'authority', label: 'En attente', category: 'waiting' });
    // A requester's comment does not bring it back: the wait is on the authority.
    await comment('julien', annuaire, 'Merci, nous relançons le rectorat.').expect(201);
    expect(await statusOf('julien', annuaire)).toBe('En attente');

    t.clock.advance(DAY);
    await move('ines', annuaire, 'start').expect(200);
    await move('ines', annuaire, 'close').expect(400);
    const closed = await move('ines', annuaire, 'close', { solution: "Les trois comptes ont été créés après l'import AAF de cette nuit." }).expect(200);
    expect(closed.body.status).toEqual({ key: 'closed', label: 'Fermé', category: 'closed' });
    expect(closed.body.solution).toBe("Les trois comptes ont été créés après l'import AAF de cette nuit.");
    expect(await mailed(annuaireId, 'ticket.closed')).toEqual(['claire.mercier', 'julien.marchand']);
    expect((await list('julien', 'mine')).find((i) => i.reference === annuaire)?.status.label).toBe('Fermé');
    // Closed: no more answers from the requester or the participants.
    await comment('julien', annuaire, 'Merci !').expect(409);
    await comment('claire', annuaire, 'Merci !').expect(409);
  });

  // ---------------------------------------------------------------------------------------------
  // Delays the pack chose where the guide is silent (README): a reminder after 5 days "En
  // attente utilisateur", closed without reply after 15 days — in Paris time, across the change
  // to winter time on 27/10/2019.
  // ---------------------------------------------------------------------------------------------

  it('an unanswered request is reminded after 5 days, then "Fermé" after 15 days, counted in local days', async () => {
    t.clock.set('2019-10-20T08:00:00Z'); // Sunday 20 October, 10:00 in Paris (summer time)
    await move('camille', messagerie, 'start').expect(200);
    const asked = await move('camille', messagerie, 'ask-user', { comment: 'Quelle adresse de redirection avez-vous saisie ?' }).expect(200);
    expect(parisTime(asked.body.updatedAt)).toBe('20/10/2019 10:00');

    t.clock.set('2019-10-25T07:59:00Z');
    await t.core.runTimers();
    expect(await mailed(messagerieId, 'ticket.reminder')).toEqual([]);
    t.clock.set('2019-10-25T08:00:00Z');
    await t.core.runTimers();
    await t.core.runTimers();
    expect(await mailed(messagerieId, 'ticket.reminder')).toEqual(['thomas.girard']);
    expect(await statusOf('thomas', messagerie)).toBe('En attente utilisateur');

    // 15 local days later is 04/11/2019 10:00 in Paris — 09:00 UTC once winter time has begun.
    t.clock.set('2019-11-04T08:59:00Z');
    await t.core.runTimers();
    expect(await statusOf('thomas', messagerie)).toBe('En attente utilisateur');
    t.clock.set('2019-11-04T09:00:00Z');
    await t.core.runTimers();
    const closed = (await get('thomas', `/tickets/${messagerie}`).expect(200)).body;
    expect(closed.status.label).toBe('Fermé');
    expect(parisTime(closed.closedAt)).toBe('04/11/2019 10:00');
    expect(closed.history.at(-1)).toMatchObject({ type: 'transitioned', actor: { login: 'system' }, data: { transition: 'auto-close', timer: 'close-unanswered' } });
    expect(await mailed(messagerieId, 'ticket.closed')).toEqual(['thomas.girard']);
  });

  it('closed requests are anonymised after 24 months; the reference stays with its requester', async () => {
    const closedAt = (await get('julien', `/tickets/${annuaire}`).expect(200)).body.closedAt as string;
    const twoYearsLater = new Date(closedAt);
    twoYearsLater.setUTCFullYear(twoYearsLater.getUTCFullYear() + 2); // July to July: same offset in Paris
    t.clock.set(new Date(twoYearsLater.getTime() - MINUTE));
    await t.core.runTimers();
    expect((await get('julien', `/tickets/${annuaire}`).expect(200)).body.title).toBe("Comptes introuvables dans l'annuaire");

    t.clock.set(twoYearsLater);
    await t.core.runTimers();
    const kept = (await get('julien', `/tickets/${annuaire}`).expect(200)).body;
    expect(kept.reference).toBe(annuaire);
    expect(kept.title).not.toBe("Comptes introuvables dans l'annuaire");
    expect(kept.fields).toEqual({});
    expect(kept.participants).toEqual([]);
    expect(kept.attachments).toEqual([]);
    await get('claire', `/tickets/${annuaire}`).expect(404);
  });
});
