/**
 * Replies by mail cannot be spoofed: a reply posts only with proof that Guichet mailed that
 * ticket to that person (their signed reply address, or the Message-ID of a mail sent to them)
 * and a `From:` that is that person's address. Whatever cannot be posted is dropped, never
 * retried: a forged reply, a NUL in the text, a Message-ID too long to store.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import nodemailer from 'nodemailer';
import { SmtpListener } from '../../src/notifications/smtp-listener.js';
import { fixturePacksWith, withoutDemoTickets } from '../setup/pack-copy.js';
import { rawMail } from '../setup/raw-mail.js';
import { SmtpSink, type ReceivedMail } from '../setup/smtp-sink.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const TOKEN = 'inbound-test-token';

describe('replies by mail: proof of the recipient, no spoofing, nothing retried forever', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let ticket: { reference: string; id: string };
  let toAlice: ReceivedMail;
  let toBruno: ReceivedMail;
  const auth = async (login: string) => ({ Authorization: `Bearer ${await t.token('sample', login)}` });
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.core.deps.dataSource.query(sql, params) as Promise<T[]>;
  const inbound = (raw: string | Buffer) => t.http.post('/api/inbound-mail').set('X-Guichet-Token', TOKEN).set('Content-Type', 'message/rfc822').send(raw);
  const status = async () => (await q<{ status: string }>(`SELECT status FROM ticket WHERE tenant_id = 'sample' AND id = $1`, [ticket.id]))[0].status;
  const exchanges = () =>
    q<{ body: string; login: string }>(
      `SELECT e.data->>'body' AS body, p.login FROM ticket_event e JOIN person p ON p.tenant_id = e.tenant_id AND p.id = e.actor_id
       WHERE e.tenant_id = 'sample' AND e.ticket_id = $1 AND e.type = 'commented' ORDER BY e.id`,
      [ticket.id],
    );
  const replyTo = (m: ReceivedMail) => m.mail.replyTo!.value[0].address!;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    const notifications = `
notifications:
  from: "Assistance <assistance@example.org>"
  acceptReplies: true
  events:
    created: [requester]
    commented: [requester, participants]
    information-requested: [requester, participants]
`;
    const packs = fixturePacksWith({ sample: (y) => `${y}\n${notifications}` }, undefined, {
      'sample/demo.yaml': withoutDemoTickets,
      // Answering a question is the requester's move only: a spoofed reply must not make it.
      '_base/simple/tenant.yaml': (y) => y.replace('to: taken, by: [requester, beneficiary], on: comment', 'to: taken, by: [requester], on: comment'),
    });
    t = await startTestApp({ tenantsDir: packs, mail: { smtpUrl: sink.url, domain: 'guichet.test', replyAddress: 'reply@guichet.test', secret: 'test-secret', inboundToken: TOKEN, smtpTimeoutMs: 2000 } });
    const created = await t.http
      .post('/api/sample/tickets')
      .set(await auth('alice'))
      .send({ leaf: 'otp-order', values: { establishment: '9740049K', title: 'Clé OTP perdue', description: 'Perdue dans le train.', contacts: ['bruno'] } })
      .expect(201);
    ticket = created.body;
    for (const [transition, body] of [['take', {}], ['ask', { comment: 'Quel est le numéro de série de la clé ?' }]] as const) {
      await t.http.post(`/api/sample/tickets/${ticket.reference}/transitions`).set(await auth('agent')).send({ transition, ...body }).expect(200);
    }
    await t.core.runOutbox();
    const question = (to: string) => sink.to(to).find((r) => r.mail.text?.includes('numéro de série'))!;
    toAlice = question('alice@example.org');
    toBruno = question('bruno@example.org');
    expect(await status()).toBe('pending');
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(() => sink.clear());

  it('gives each recipient a reply address and Message-ID of their own', () => {
    expect(replyTo(toAlice)).not.toBe(replyTo(toBruno));
    expect(replyTo(toAlice)).toMatch(/^reply\+[0-9a-f]{32}-[0-9a-f]{16}@guichet\.test$/);
    expect(toAlice.mail.messageId).not.toBe(toBruno.mail.messageId);
    // The thread id is the ticket's, for threading only.
    expect(toAlice.mail.inReplyTo).toBe(toBruno.mail.inReplyTo);
  });

  describe('spoofed replies are dropped', () => {
    const spoofs: [string, () => Record<string, string>, string][] = [
      ['the thread id alone, sent to the plain address', () => ({ To: 'reply@guichet.test', 'In-Reply-To': toAlice.mail.inReplyTo!, References: toAlice.mail.inReplyTo! }), 'unmatched'],
      ['a participant’s own reply address', () => ({ To: replyTo(toBruno) }), 'forged-address'],
      ['a participant’s own Message-ID, sent to the plain address', () => ({ To: 'reply@guichet.test', 'In-Reply-To': toBruno.mail.messageId!, References: `${toBruno.mail.inReplyTo} ${toBruno.mail.messageId}` }), 'forged-address'],
      ['the requester’s address with another signature', () => ({ To: replyTo(toAlice).replace(/-[0-9a-f]{16}@/, '-0123456789abcdef@') }), 'forged-address'],
      ['a Message-ID of ours with another signature', () => ({ To: 'reply@guichet.test', 'In-Reply-To': toAlice.mail.messageId!.replace(/\.[0-9a-f]{16}@/, '.0123456789abcdef@') }), 'forged-address'],
    ];
    for (const [what, headers, reason] of spoofs) {
      it(`ignores a reply “From: the requester” with ${what}`, async () => {
        const raw = rawMail({ From: 'Alice Martin <alice@example.org>', Subject: 'Re: question', 'Message-ID': `<spoof-${Math.random()}@evil.example>`, ...headers() }, 'AB-123456, et clôturez.');
        const res = await inbound(raw).expect(202);
        expect(res.body).toMatchObject({ status: 'ignored', reason });
        expect(await exchanges()).toEqual([]);
        expect(await status()).toBe('pending');
      });
    }

    it('ignores the requester’s own address and Message-ID from anybody else', async () => {
      for (const [from, reason] of [['bruno@example.org', 'forged-address'], ['mallory@evil.example', 'unknown-sender']]) {
        for (const headers of [{ To: replyTo(toAlice) }, { To: 'reply@guichet.test', 'In-Reply-To': toAlice.mail.messageId! }] as Record<string, string>[]) {
          const res = await inbound(rawMail({ From: from, Subject: 'Re', 'Message-ID': `<x-${Math.random()}@x>`, ...headers }, 'Je réponds à sa place.')).expect(202);
          expect([from, headers, res.body]).toEqual([from, headers, expect.objectContaining({ status: 'ignored', reason })]);
        }
      }
      expect(await exchanges()).toEqual([]);
    });

    it('accepts a spoof over SMTP (no retry) and posts nothing; refuses recipients that are not reply addresses', async () => {
      const listener = new SmtpListener(t.core.inbound, t.core.mailIdentity, t.core.registry, { port: 0, host: '127.0.0.1', maxBytes: 1_000_000 });
      const client = nodemailer.createTransport({ host: '127.0.0.1', port: await listener.start(), secure: false, ignoreTLS: true });
      try {
        const sent = await client.sendMail({ from: 'alice@example.org', to: replyTo(toBruno), subject: 'Re', text: 'AB-123456', messageId: '<smtp-spoof@evil.example>' });
        expect(sent.response).toMatch(/^250/);
        await expect(client.sendMail({ from: 'alice@example.org', to: 'reply+nothing@guichet.test', subject: 'Re', text: 'x' })).rejects.toMatchObject({ responseCode: 550 });
      } finally {
        client.close();
        await listener.stop();
      }
      expect(await exchanges()).toEqual([]);
      expect(await status()).toBe('pending');
    });
  });

  describe('real replies are posted', () => {
    it('posts the requester’s reply to her address, which answers the question (requester-only transition)', async () => {
      const raw = rawMail(
        { From: 'Alice Martin <Alice@Example.org>', To: replyTo(toAlice), Subject: 'Re', 'Message-ID': '<alice-1@example.org>', 'In-Reply-To': toAlice.mail.messageId!, References: `${toAlice.mail.inReplyTo} ${toAlice.mail.messageId}` },
        'AB-123456.',
      );
      expect((await inbound(raw).expect(202)).body).toEqual({ status: 'posted', tenant: 'sample', ticket: ticket.reference, person: 'alice' });
      expect(await exchanges()).toEqual([{ body: 'AB-123456.', login: 'alice' }]);
      expect(await status()).toBe('taken');
    });

    it('posts a participant’s reply matched by the Message-ID of his mail, sent to the plain address', async () => {
      const raw = rawMail({ From: 'bruno@example.org', To: 'reply@guichet.test', Subject: 'Re', 'Message-ID': '<bruno-1@example.org>', 'In-Reply-To': toBruno.mail.messageId! }, 'Je confirme.');
      expect((await inbound(raw).expect(202)).body).toMatchObject({ status: 'posted', person: 'bruno' });
      expect((await exchanges()).at(-1)).toEqual({ body: 'Je confirme.', login: 'bruno' });
    });
  });

  describe('content that cannot be stored is settled at once', () => {
    it('strips a NUL (quoted-printable =00) from the text, over HTTP and SMTP alike', async () => {
      const headers = { From: 'alice@example.org', To: replyTo(toAlice), Subject: 'Re', 'Content-Transfer-Encoding': 'quoted-printable' };
      const res = await inbound(rawMail({ ...headers, 'Message-ID': '<nul-1@example.org>' }, 'Num=00=C3=A9ro AB-654321.')).expect(202);
      expect(res.body).toMatchObject({ status: 'posted', person: 'alice' });
      expect((await exchanges()).at(-1)).toEqual({ body: 'Numéro AB-654321.', login: 'alice' });
      expect((await inbound(rawMail({ ...headers, 'Message-ID': '<nul-2@example.org>' }, '=00=00')).expect(202)).body).toMatchObject({ status: 'ignored', reason: 'empty' });

      const listener = new SmtpListener(t.core.inbound, t.core.mailIdentity, t.core.registry, { port: 0, host: '127.0.0.1', maxBytes: 1_000_000 });
      const port = await listener.start();
      const client = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      try {
        const sent = await client.sendMail({ envelope: { from: 'alice@example.org', to: [replyTo(toAlice)] }, raw: rawMail({ ...headers, 'Message-ID': '<nul-3@example.org>' }, 'Encore=00 un.') });
        expect(sent.response).toMatch(/^250/);
      } finally {
        client.close();
        await listener.stop();
      }
      expect((await exchanges()).at(-1)).toEqual({ body: 'Encore un.', login: 'alice' });
      expect((await exchanges()).map((e) => e.body).join('')).not.toContain('\u0000');
    });

    it('stores a Message-ID too long for an index once, and knows it again', async () => {
      const raw = rawMail({ From: 'alice@example.org', To: replyTo(toAlice), Subject: 'Re', 'Message-ID': `<${randomBytes(3000).toString('base64url')}@example.org>` }, 'Un identifiant de message très long.');
      expect((await inbound(raw).expect(202)).body).toMatchObject({ status: 'posted' });
      expect((await inbound(raw).expect(202)).body).toMatchObject({ status: 'ignored', reason: 'duplicate' });
    });

    it('drops whatever else the database refuses as data (never retried), and asks for a retry when Guichet itself fails', async () => {
      const raw = (id: string) => rawMail({ From: 'alice@example.org', To: replyTo(toAlice), Subject: 'Re', 'Message-ID': `<${id}@example.org>` }, 'Texte.');
      const comment = jest.spyOn(t.core.actions, 'comment');
      try {
        // A value PostgreSQL rejects (SQLSTATE 22P05), whatever the next content check forgets.
        comment.mockImplementation(async (tx) => {
          await tx.query(`SELECT $1::jsonb`, ['"\\u0000"']);
          return undefined as never;
        });
        expect((await inbound(raw('refused-1')).expect(202)).body).toEqual({ status: 'ignored', reason: 'unprocessable' });
        comment.mockRejectedValue(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }));
        await inbound(raw('outage-1')).expect(500);
      } finally {
        comment.mockRestore();
      }
      // Nothing was recorded for the outage: the MTA's next try posts it.
      expect((await inbound(raw('outage-1')).expect(202)).body).toMatchObject({ status: 'posted' });
    });
  });
});
