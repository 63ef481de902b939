/**
 * Mail on the real packs: FIL@OS (La Réunion, UTC+4, no replies: its acknowledgement recap and
 * its reminder) and Kosmos (replies to notifications become exchanges, §8 of its guide).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import nodemailer from 'nodemailer';
import { SmtpListener } from '../../src/notifications/smtp-listener.js';
import { rawMail } from '../setup/raw-mail.js';
import { SmtpSink, type ReceivedMail } from '../setup/smtp-sink.js';
import { startTestApp, TENANT_PACKS, type TestApp } from '../setup/test-app.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const TOKEN = 'inbound-test-token';

describe('mail on the real packs: FIL@OS recap and reminder, Kosmos replies', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.core.deps.dataSource.query(sql, params) as Promise<T[]>;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // 21:30 UTC is already 01:30 the next day in La Réunion.
    t = await startTestApp({
      tenantsDir: TENANT_PACKS,
      tenants: ['kosmos-aura', 'reunion-filaos'],
      now: '2026-03-02T21:30:00Z',
      mail: { smtpUrl: sink.url, domain: 'guichet.test', secret: 'test-secret', inboundToken: TOKEN, smtpTimeoutMs: 2000 },
    });
    await t.core.runOutbox(); // the demo data's mails
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(() => sink.clear());

  async function create(tenant: string, login: string, leaf: string, values: Record<string, unknown>): Promise<{ reference: string; id: string }> {
    const { body } = await t.http.post(`/api/${tenant}/tickets`).set(auth(await t.token(tenant, login))).send({ leaf, values }).expect(201);
    return body;
  }
  async function move(tenant: string, login: string, ref: string, transition: string, extra: object = {}) {
    await t.http.post(`/api/${tenant}/tickets/${ref}/transitions`).set(auth(await t.token(tenant, login))).send({ transition, ...extra }).expect(200);
  }
  const statusOf = async (tenant: string, ref: string) => (await q<{ status: string }>(`SELECT status FROM ticket WHERE tenant_id = $1 AND reference = $2`, [tenant, ref]))[0].status;
  const exchanges = (tenant: string, ref: string) =>
    q<{ body: string; login: string }>(
      `SELECT e.data->>'body' AS body, p.login FROM ticket_event e JOIN ticket t ON t.tenant_id = e.tenant_id AND t.id = e.ticket_id
       JOIN person p ON p.tenant_id = e.tenant_id AND p.id = e.actor_id WHERE e.tenant_id = $1 AND t.reference = $2 AND e.type = 'commented' ORDER BY e.id`,
      [tenant, ref],
    );
  const inbound = (raw: string, query = '') => t.http.post(`/api/inbound-mail${query}`).set('X-Guichet-Token', TOKEN).set('Content-Type', 'message/rfc822').send(raw);

  const reply = rawMail;

  describe('FIL@OS (replies not accepted, La Réunion time)', () => {
    let incident: string;

    it('acknowledges a new ticket by mail with the guide’s recap, from the pack’s sender', async () => {
      ({ reference: incident } = await create('reunion-filaos', 'celine.morel', 'affelnet-lycee', {
        establishment: '9740049K',
        visibility: 'me',
        impact: 'person',
        urgency: 'medium',
        title: '[test] Pour illustration notice usager',
        description: 'Tests en cours',
      }));
      await t.core.runOutbox();
      const [ack] = sink.to('celine.morel@ac-reunion.fr');
      const text = ack.mail.text!;
      expect(ack.mail.from!.value[0]).toMatchObject({ name: 'FIL@OS', address: 'filaos@ac-reunion.fr' });
      expect(ack.mail.replyTo).toBeUndefined();
      expect(text).toContain(`Votre dossier a bien été enregistré, il porte la référence : ${incident}`);
      expect(text).toContain('Récapitulatif de votre dossier :');
      expect(text).toMatch(/Type de dossier : Signaler une panne, un incident --> .*Orientation, affectation & inscription.* > SIECLE AFFELNET Lycées/);
      expect(text).toContain("Établissement : 9740049K - RECTORAT DE L'ACADEMIE DE LA REUNION");
      expect(text).toContain('Titre : [test] Pour illustration notice usager');
      expect(text).toContain('Description : Tests en cours');
      expect(text).toContain(`dialoguer avec votre équipe d'assistance : ${incident}.`);
      expect(text).toContain("L'équipe Assistance");
      expect(text).toContain('merci de ne pas y répondre');
      // The pack also tells the product's team.
      const team = sink.received.filter((r) => !r.envelope.to.includes('celine.morel@ac-reunion.fr'));
      expect(team.length).toBeGreaterThan(0);
      expect(team[0].mail.subject).toContain(`Nouveau dossier ${incident}`);
    });

    it('reminds the requester 7 local days after the ticket started waiting on her, once, with two instances', async () => {
      await move('reunion-filaos', 'agnes.dijoux', incident, 'take');
      await move('reunion-filaos', 'agnes.dijoux', incident, 'wait', { comment: 'Pouvez-vous préciser le collège concerné ?' });
      await t.core.runOutbox();
      const waiting = sink.to('celine.morel@ac-reunion.fr').find((r) => r.mail.subject?.includes('informations demandées'))!;
      expect(waiting.mail.text).toContain('Pouvez-vous préciser le collège concerné ?');
      sink.clear();

      t.clock.advance(7 * DAY - MINUTE);
      await t.core.runTimers();
      await t.core.runOutbox();
      expect(sink.to('celine.morel@ac-reunion.fr')).toHaveLength(0);

      t.clock.advance(2 * MINUTE);
      const other = await t.secondCore();
      await Promise.all([t.core.runTimers(), other.runTimers()]);
      await Promise.all([t.core.runOutbox(), other.runOutbox()]);
      const reminders = sink.to('celine.morel@ac-reunion.fr');
      expect(reminders).toHaveLength(1);
      expect(reminders[0].mail.subject).toMatch(new RegExp(`Rappel : ${incident} — \\[test\\] Pour illustration notice usager$`));
      // Waiting since 01:32 on 3 March in Saint-Denis (still 2 March in UTC).
      expect(reminders[0].mail.text).toContain('attend votre réponse depuis le 3 mars 2026');
    });

    it('posts nothing from a reply: the pack does not accept them', async () => {
      const [ticket] = await q<{ id: string; requester_id: string }>(`SELECT id, requester_id FROM ticket WHERE tenant_id = 'reunion-filaos' AND reference = $1`, [incident]);
      const address = t.core.mailIdentity.replyTo('reunion-filaos', ticket.id, ticket.requester_id);
      const before = await exchanges('reunion-filaos', incident);
      const res = await inbound(reply({ From: 'celine.morel@ac-reunion.fr', To: address, Subject: 'Re', 'Message-ID': '<filaos-1@ac-reunion.fr>' }, 'Le collège Juliette Dodu.')).expect(202);
      expect(res.body).toMatchObject({ status: 'ignored', reason: 'replies-disabled' });
      expect(await exchanges('reunion-filaos', incident)).toEqual(before);
    });
  });

  describe('Kosmos (replies become exchanges)', () => {
    let request: { reference: string; id: string };
    let question: ReceivedMail;
    let questionToClaire: ReceivedMail;
    let ack: ReceivedMail;

    beforeAll(async () => {
      request = await create('kosmos-aura', 'julien.marchand', 'annuaire', {
        title: "Comptes introuvables dans l'annuaire",
        establishment: '0690026D',
        url: 'https://lyc-parc.ent.auvergnerhonealpes.fr/annuaire',
        academie: 'lyon',
        description: "Trois élèves de 2nde 4 n'apparaissent pas dans l'annuaire.",
        composants: 'annuaire',
      });
      await t.http.post(`/api/kosmos-aura/tickets/${request.reference}/participants`).set(auth(await t.token('kosmos-aura', 'julien.marchand'))).send({ person: 'claire.mercier' }).expect(201);
      await move('kosmos-aura', 'ines.benali', request.reference, 'ask-user', { comment: 'Dans quelle classe sont-ils inscrits dans SIECLE ?' });
      sink.clear();
      await t.core.runOutbox();
      question = sink.to('julien.marchand@ac-lyon.fr').find((r) => r.mail.subject?.includes('informations demandées'))!;
      questionToClaire = sink.to('claire.mercier@region-academique-auvergne-rhone-alpes.fr').find((r) => r.mail.subject?.includes('informations demandées'))!;
      ack = sink.to('julien.marchand@ac-lyon.fr').find((r) => r.mail.subject?.includes('confirmée'))!;
    });

    it('acknowledges with the guide’s wording (§6), from the pack’s texts', () => {
      expect(ack.mail.subject).toBe(`Demande #${request.reference} confirmée: Comptes introuvables dans l'annuaire`);
      expect(ack.mail.text).toContain('Bonjour Julien Marchand, Nous avons bien reçu votre requête et vous répondrons au plus vite. - Kosmos');
      expect(ack.mail.text).toContain(`Voir le détail de la requête et les mises à jour pour ${request.reference} - "Comptes introuvables dans l'annuaire"\nhttp://localhost/kosmos-aura/tickets/${request.reference}`);
    });

    it('sends the question with a Reply-To signed for its recipient and the reply marker', async () => {
      expect(question.mail.from!.value[0]).toMatchObject({ name: 'Kosmos', address: 'jira@kosmos.fr' });
      const [julien] = await q<{ id: string }>(`SELECT id FROM person WHERE tenant_id = 'kosmos-aura' AND login = 'julien.marchand'`);
      expect(question.mail.replyTo!.value[0].address).toBe(t.core.mailIdentity.replyTo('kosmos-aura', request.id, julien.id));
      expect(question.mail.text).toContain('Répondez au-dessus de cette ligne');
      expect(question.mail.text).toContain('ou en répondant à ce message');
    });

    it('turns the requester’s reply into a public exchange and moves the waiting request (on: comment)', async () => {
      const raw = reply(
        {
          From: 'Julien Marchand <Julien.Marchand@ac-lyon.fr>',
          To: `Kosmos <${question.mail.replyTo!.value[0].address}>`,
          Subject: `Re: ${question.mail.subject}`,
          'Message-ID': '<reply-1@ac-lyon.fr>',
          'In-Reply-To': question.mail.messageId!,
          References: `${question.mail.references} ${question.mail.messageId}`,
        },
        `Ils sont en 2nde 4 dans SIECLE depuis lundi.\n\nLe lun. 2 mars 2026 à 22:30, Kosmos <jira@kosmos.fr> a écrit :\n> ${question.mail.text!.split('\n').join('\n> ')}`,
      );
      const res = await inbound(raw).expect(202);
      expect(res.body).toEqual({ status: 'posted', tenant: 'kosmos-aura', ticket: request.reference, person: 'julien.marchand' });
      expect((await exchanges('kosmos-aura', request.reference)).at(-1)).toEqual({ body: 'Ils sont en 2nde 4 dans SIECLE depuis lundi.', login: 'julien.marchand' });
      expect(await statusOf('kosmos-aura', request.reference)).toBe('in-progress');

      // The MTA delivers the same message again: posted once.
      const again = await inbound(raw).expect(202);
      expect(again.body).toMatchObject({ status: 'ignored', reason: 'duplicate' });
      expect(await exchanges('kosmos-aura', request.reference)).toHaveLength(1);

      // The exchange is mailed on, to the others (the agent and the participant), not back to Julien.
      sink.clear();
      await t.core.runOutbox();
      expect(sink.to('julien.marchand@ac-lyon.fr')).toHaveLength(0);
      expect(sink.to('claire.mercier@region-academique-auvergne-rhone-alpes.fr').map((r) => r.mail.text)).toEqual(
        expect.arrayContaining([expect.stringContaining('Ils sont en 2nde 4 dans SIECLE depuis lundi.')]),
      );
    });

    it('matches a reply by its References when it was sent to the plain address, from a participant', async () => {
      // Her own copy of the question: the Message-ID of a mail sent to her proves the reply is hers.
      const res = await inbound(
        reply(
          { From: 'claire.mercier@region-academique-auvergne-rhone-alpes.fr', To: 'reply@guichet.test', Subject: 'Re', 'Message-ID': '<reply-2@drane.example>', References: `${questionToClaire.mail.references} ${questionToClaire.mail.messageId}` },
          'Je confirme pour la DRANE.',
        ),
      ).expect(202);
      expect(res.body).toMatchObject({ status: 'posted', person: 'claire.mercier' });
      expect((await exchanges('kosmos-aura', request.reference)).at(-1)).toEqual({ body: 'Je confirme pour la DRANE.', login: 'claire.mercier' });
    });

    it('posts a reply whose text decodes to NUL characters without them, never a 500 the MTA would retry', async () => {
      const res = await inbound(
        reply(
          { From: 'claire.mercier@region-academique-auvergne-rhone-alpes.fr', To: 'reply@guichet.test', Subject: 'Re', 'Message-ID': '<reply-nul@drane.example>', References: questionToClaire.mail.messageId!, 'Content-Transfer-Encoding': 'quoted-printable' },
          'Un octet=00 nul, puis la fin.',
        ),
      ).expect(202);
      expect(res.body).toMatchObject({ status: 'posted', person: 'claire.mercier' });
      expect((await exchanges('kosmos-aura', request.reference)).at(-1)).toEqual({ body: 'Un octet nul, puis la fin.', login: 'claire.mercier' });
    });

    it('posts nothing for auto-replies, bounces, our own mails, unknown senders and forged addresses', async () => {
      const before = await exchanges('kosmos-aura', request.reference);
      const to = question.mail.replyTo!.value[0].address!;
      const base = { From: 'julien.marchand@ac-lyon.fr', To: to, Subject: 'Re' };
      const cases: [string, string, string?][] = [
        [reply({ ...base, 'Message-ID': '<a1@x>', 'Auto-Submitted': 'auto-replied' }, 'Je suis absent jusqu’au 9 mars.'), 'auto-submitted'],
        [reply({ ...base, 'Message-ID': '<a2@x>', Precedence: 'auto_reply' }, 'Absent.'), 'auto-submitted'],
        [reply({ ...base, 'Message-ID': '<a3@x>', 'Return-Path': '<>' }, 'Delivery failed.'), 'bounce'],
        [reply({ ...base, From: 'MAILER-DAEMON@ac-lyon.fr', 'Message-ID': '<a4@x>' }, 'Undeliverable.'), 'bounce'],
        [reply({ ...base, 'Message-ID': '<a5@x>' }, 'Via le pipe, expéditeur nul.'), 'bounce', '?sender='],
        [question.raw.toString('utf8'), 'loop'],
        [reply({ ...base, From: 'nicolas.perrin@ac-lyon.fr', 'Message-ID': '<a6@x>' }, 'Moi aussi !'), 'unknown-sender'],
        [reply({ ...base, To: to.replace(/-[0-9a-f]{16}@/, '-0123456789abcdef@'), 'Message-ID': '<a7@x>' }, 'Falsifié.'), 'forged-address'],
        [reply({ ...base, To: 'someone@guichet.test', 'Message-ID': '<a8@x>' }, 'Perdu.'), 'unmatched'],
        [reply({ ...base, 'Message-ID': '<a9@x>' }, '> seulement une citation'), 'empty'],
      ];
      for (const [raw, reason, query] of cases) {
        const res = await inbound(raw, query ?? '').expect(202);
        expect([reason, res.body]).toEqual([reason, expect.objectContaining({ status: 'ignored', reason })]);
      }
      expect(await exchanges('kosmos-aura', request.reference)).toEqual(before);
    });

    it('guards the endpoint with the shared token', async () => {
      await t.http.post('/api/inbound-mail').set('Content-Type', 'message/rfc822').send('x').expect(401);
      await t.http.post('/api/inbound-mail').set('X-Guichet-Token', 'wrong').set('Content-Type', 'message/rfc822').send('x').expect(401);
      const empty = await t.http.post('/api/inbound-mail').set('X-Guichet-Token', TOKEN).expect(400);
      expect(empty.body.details).toEqual([expect.objectContaining({ field: 'body', rule: 'required' })]);
    });

    it('receives replies over SMTP too, and refuses other recipients', async () => {
      const listener = new SmtpListener(t.core.inbound, t.core.mailIdentity, t.core.registry, { port: 0, host: '127.0.0.1', maxBytes: 1_000_000 });
      const port = await listener.start();
      const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      try {
        await move('kosmos-aura', 'ines.benali', request.reference, 'ask-user', { comment: 'Et leurs identifiants ENT ?' });
        await client.sendMail({
          from: 'julien.marchand@ac-lyon.fr',
          to: question.mail.replyTo!.value[0].address!,
          subject: 'Re: identifiants',
          text: 'Ce sont leurs INE.\n\n-- \nJulien Marchand\nLycée du Parc',
          messageId: '<smtp-1@ac-lyon.fr>',
        });
        expect((await exchanges('kosmos-aura', request.reference)).at(-1)).toEqual({ body: 'Ce sont leurs INE.', login: 'julien.marchand' });
        expect(await statusOf('kosmos-aura', request.reference)).toBe('in-progress');
        await expect(client.sendMail({ from: 'julien.marchand@ac-lyon.fr', to: 'anyone@elsewhere.example', subject: 'relay?', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
      } finally {
        client.close();
        await listener.stop();
      }
    });
  });
});
