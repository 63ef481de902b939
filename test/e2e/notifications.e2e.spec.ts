import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createApp, createContext } from '../../src/bootstrap.js';
import { TestCore } from '../setup/test-core.js';
import { SmtpSink } from '../setup/smtp-sink.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

describe('notifications by mail (outbox → SMTP, exactly once)', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.core.deps.dataSource.query(sql, params) as Promise<T[]>;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({
      now: '2026-03-02T08:30:00Z',
      mail: { smtpUrl: sink.url, domain: 'guichet.test', retryBaseMs: MINUTE, retryMaxMs: 60 * MINUTE, maxAttempts: 3, batchSize: 10, smtpTimeoutMs: 2000 },
    });
    await t.core.runOutbox(); // the demo data's mails
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(() => sink.clear());

  async function create(login: string, values: Record<string, unknown>, leaf = 'otp-order'): Promise<string> {
    const { body } = await t.http.post('/api/sample/tickets').set(auth(await t.token('sample', login))).send({ leaf, values }).expect(201);
    return body.reference;
  }

  async function act(login: string, ref: string, path: 'transitions' | 'comments', body: object) {
    return t.http.post(`/api/sample/tickets/${ref}/${path}`).set(auth(await t.token('sample', login))).send(body).expect(path === 'comments' ? 201 : 200);
  }

  async function outbox(ref: string) {
    return q<{ id: string; topic: string; status: string; login: string; attempts: number }>(
      `SELECT o.id, o.topic, o.status, p.login, o.attempts FROM outbox o JOIN ticket t ON t.tenant_id = o.tenant_id AND t.id = o.ticket_id
       JOIN person p ON p.tenant_id = o.tenant_id AND p.id = o.recipient_id WHERE o.tenant_id = 'sample' AND t.reference = $1 ORDER BY o.created_at, p.login`,
      [ref],
    );
  }

  /** Runs the worker, moving the clock past each retry delay, until nothing is pending. */
  async function drain(cores = [t.core], rounds = 12): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await Promise.all(cores.map((c) => c.runOutbox()));
      const [{ n }] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'`);
      if (!n) return;
      t.clock.advance(61 * MINUTE);
    }
  }

  function expectOncePerRow(rows: { id: string }[]) {
    const ids = sink.messageIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(rows.map((r) => t.core.mailIdentity.messageId('sample', r.id)).sort());
  }

  it('mails every event of a ticket to the pack’s recipients, with subject and recap', async () => {
    const ref = await create('alice', { title: 'Clé OTP perdue', description: 'Perdue dans le train.\nMerci.', beneficiary: 'chloe', contacts: ['bruno'], establishment: '9740049K' });
    await t.core.runOutbox();
    const ack = sink.to('alice@example.org');
    expect(ack).toHaveLength(1);
    const mail = ack[0].mail;
    expect(mail.subject).toBe(`[Assistance de démonstration] Dossier ${ref} enregistré : Clé OTP perdue`);
    expect(mail.text).toContain(`Votre dossier a bien été enregistré, il porte la référence : ${ref}`);
    expect(mail.text).toContain('Récapitulatif de votre dossier :');
    expect(mail.text).toMatch(/Type de dossier : Demande --> .+ > Commande de clés OTP/);
    expect(mail.text).toContain('Établissement : 9740049K - Lycée de démonstration');
    expect(mail.text).toContain('Titre : Clé OTP perdue');
    expect(mail.text).toContain('Description : Perdue dans le train.\nMerci.');
    expect(mail.text).toContain(`http://localhost/sample/tickets/${ref}`);
    expect(mail.html).toContain('<p>Titre : Clé OTP perdue</p>');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.references).toBe(mail.inReplyTo);
    expect(mail.replyTo).toBeUndefined(); // the sample pack does not accept replies
    expect(sink.to('chloe@example.org')[0].mail.text).toContain(`Alice Martin a ouvert le dossier ${ref} pour vous.`);
    expect(sink.to('bruno@example.org')[0].mail.subject).toContain('dossier partagé avec vous');

    await act('agent', ref, 'transitions', { transition: 'take' });
    await act('agent', ref, 'comments', { body: 'Nous commandons une nouvelle clé.' });
    await act('agent', ref, 'transitions', { transition: 'ask', comment: 'Quel est votre numéro de poste ?' });
    await act('alice', ref, 'comments', { body: 'Le 4012.' }); // answers: back to "Assignée" (on: comment)
    t.clock.advance(MINUTE);
    await act('agent', ref, 'transitions', { transition: 'resolve', solution: 'Clé envoyée par courrier interne.' });
    t.clock.advance(MINUTE);
    await act('alice', ref, 'transitions', { transition: 'reopen', comment: 'Toujours rien reçu.' });
    t.clock.advance(MINUTE);
    await act('agent', ref, 'transitions', { transition: 'resolve', solution: 'Clé remise en main propre.' });
    t.clock.advance(MINUTE);
    await act('alice', ref, 'transitions', { transition: 'close', ratings: { delay: 4, quality: 5 } });
    sink.clear();
    await t.core.runOutbox();

    const rows = await outbox(ref);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const later = rows.filter((r) => !['ticket.created', 'ticket.shared'].includes(r.topic));
    expectOncePerRow(later);
    const subjects = (login: string) => sink.to(`${login}@example.org`).map((r) => r.mail.subject);
    expect(subjects('chloe')).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`${ref} : Assignée`),
        expect.stringContaining(`${ref} : nouvel échange`),
        expect.stringContaining(`${ref} : informations demandées`),
        expect.stringContaining(`${ref} : dossier résolu`),
        expect.stringContaining(`${ref} : dossier clos`),
      ]),
    );
    expect(subjects('agent')).toEqual(expect.arrayContaining([expect.stringContaining(`${ref} : nouvel échange`), expect.stringContaining(`${ref} : dossier rouvert`)]));
    expect(subjects('alice').some((s) => s?.includes('dossier clos'))).toBe(false); // she closed it herself
    const resolved = sink.to('alice@example.org').find((r) => r.mail.subject?.includes('dossier résolu'))!.mail.text!;
    expect(resolved).toContain('Clé envoyée par courrier interne.');
    expect(resolved).toContain('Merci de le valider sur le portail : Clore cette demande ou Rouvrir cette demande.');
    expect(resolved).toContain('il sera clos automatiquement le 16 mars 2026'); // 14 days after, Paris time
    const asked = sink.to('alice@example.org').find((r) => r.mail.subject?.includes('informations demandées'))!.mail.text!;
    expect(asked).toContain('Quel est votre numéro de poste ?');
    expect(sink.to('agent@example.org').find((r) => r.mail.subject?.includes('nouvel échange'))!.mail.text).toContain('Alice Martin a ajouté un échange');
  });

  it('writes in the recipient’s language, and falls back to French', async () => {
    await q(`UPDATE person SET locale = 'en' WHERE tenant_id = 'sample' AND login = 'alice'`);
    const ref = await create('alice', { title: 'Printer', description: 'Jammed.' });
    await t.core.runOutbox();
    await q(`UPDATE person SET locale = 'fr' WHERE tenant_id = 'sample' AND login = 'alice'`);
    const mail = sink.to('alice@example.org')[0].mail;
    expect(mail.subject).toBe(`[Demo helpdesk] Ticket ${ref} recorded: Printer`);
    expect(mail.text).toContain(`Your ticket was recorded as ${ref}`); // the pack's English text
    expect(mail.text).toContain('Summary of your ticket:');
  });

  it('survives a server refusing (5xx) then accepting: each mail delivered once, same Message-ID', async () => {
    const refs = [await create('alice', { title: 'R1', description: 'x' }), await create('alice', { title: 'R2', description: 'x' })];
    sink.refuseNext(3, 550);
    const first = await t.core.runOutbox();
    expect(first.find((r) => r.tenant === 'sample')!.retried).toBeGreaterThan(0);
    const waiting = await q<{ n: number; e: string }>(`SELECT count(*)::int AS n, max(last_error) AS e FROM outbox WHERE status = 'pending' AND attempts > 0`);
    expect(waiting[0].n).toBeGreaterThan(0);
    expect(waiting[0].e).toContain('550');
    await drain();
    const rows = (await Promise.all(refs.map(outbox))).flat();
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expectOncePerRow(rows);
  });

  it('survives the connection dropping mid-message and the server coming back', async () => {
    const refs = [await create('alice', { title: 'D1', description: 'x', beneficiary: 'chloe' }), await create('alice', { title: 'D2', description: 'x' })];
    sink.dropNext(2);
    const first = await t.core.runOutbox();
    expect(first.find((r) => r.tenant === 'sample')!.unreachable).toBe(true);
    await drain();
    const rows = (await Promise.all(refs.map(outbox))).flat();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expectOncePerRow(rows);
  });

  it('keeps everything while the server is down for the whole run, and delivers it once when it is back', async () => {
    await sink.stop();
    const refs = [];
    for (let i = 0; i < 4; i++) refs.push(await create('alice', { title: `Panne ${i}`, description: 'x' }));
    for (let i = 0; i < 5; i++) {
      await t.core.runOutbox();
      t.clock.advance(61 * MINUTE);
    }
    const pending = (await Promise.all(refs.map(outbox))).flat();
    expect(pending.every((r) => r.status === 'pending')).toBe(true); // an unreachable server never kills a row
    await sink.start();
    await drain();
    const rows = (await Promise.all(refs.map(outbox))).flat();
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expectOncePerRow(rows);
  });

  it('delivers after a crash between commit and delivery, once, from a new instance', async () => {
    const crashing = await t.secondCore();
    const ctx = await crashing.as('sample', 'alice');
    const created = [];
    for (let i = 0; i < 3; i++) created.push((await crashing.tickets.create(ctx, { leaf: 'otp-order', values: { title: `Crash ${i}`, description: 'x' } })).reference);
    // The worker had claimed one batch when the process died: those rows are leased, not lost.
    await crashing.outbox['repository'].claim(crashing.context('sample'), t.clock.now(), new Date(t.clock.now().getTime() + 5 * MINUTE), 2);
    await crashing.close();

    const restarted = await t.secondCore();
    await restarted.runOutbox();
    expect(sink.received).toHaveLength(1); // the unclaimed one
    t.clock.advance(6 * MINUTE); // the lease of the dead worker is over
    await restarted.runOutbox();
    const rows = (await Promise.all(created.map(outbox))).flat();
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expectOncePerRow(rows);
  });

  it('lets two instances drain one outbox together without sending anything twice', async () => {
    const refs = [];
    for (let i = 0; i < 12; i++) refs.push(await create('alice', { title: `Lot ${i}`, description: 'x', beneficiary: 'chloe' }));
    const other = await t.secondCore();
    await Promise.all([t.core.runOutbox(), other.runOutbox(), t.core.runOutbox(), other.runOutbox()]);
    const rows = (await Promise.all(refs.map(outbox))).flat();
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expectOncePerRow(rows);
  });

  it('puts a mail the server keeps refusing in the dead letters, which administrators list and retry', async () => {
    const ref = await create('alice', { title: 'Refusé', description: 'x' });
    sink.refuseNext(100, 554);
    await drain(undefined, 4);
    const [row] = await outbox(ref);
    expect(row).toMatchObject({ status: 'dead', attempts: 3 });

    const admin = await t.token('sample', 'admin', ['read', 'write', 'admin']);
    const list = await t.http.get('/api/sample/admin/outbox').set(auth(admin)).expect(200);
    expect(list.body.counts.dead).toBeGreaterThanOrEqual(1);
    expect(list.body.items.find((i: { id: string }) => i.id === row.id)).toMatchObject({ reference: ref, recipient: 'alice', attempts: 3, status: 'dead' });
    expect(list.body.items.find((i: { id: string }) => i.id === row.id).lastError).toContain('554');

    await t.http.get('/api/sample/admin/outbox').set(auth(await t.token('sample', 'admin'))).expect(403); // no admin scope
    await t.http.get('/api/sample/admin/outbox').set(auth(await t.token('sample', 'agent', ['read', 'write', 'admin']))).expect(403); // not an admin
    await t.http.get('/api/sample/admin/outbox?status=lost').set(auth(admin)).expect(400);
    await t.http.post('/api/sample/admin/outbox/not-an-id/retry').set(auth(admin)).expect(404);

    sink.refuseNext(0);
    await t.http.post(`/api/sample/admin/outbox/${row.id}/retry`).set(auth(admin)).expect(200, { id: row.id, status: 'pending' });
    await t.core.runOutbox();
    expect((await outbox(ref))[0].status).toBe('sent');
    expectOncePerRow([row]);
    const again = await t.http.post(`/api/sample/admin/outbox/${row.id}/retry`).set(auth(admin)).set('Accept-Language', 'en').expect(409);
    expect(again.body).toMatchObject({ code: 'MAIL_ALREADY_SENT', message: 'This message was already sent.' });
  });

  it('sends nothing to a person without an address: dead at once, with the reason', async () => {
    await q(`UPDATE person SET email = NULL WHERE tenant_id = 'sample' AND login = 'chloe'`);
    const ref = await create('alice', { title: 'Sans adresse', description: 'x', beneficiary: 'chloe' });
    await t.core.runOutbox();
    await q(`UPDATE person SET email = 'chloe@example.org' WHERE tenant_id = 'sample' AND login = 'chloe'`);
    const rows = await outbox(ref);
    expect(rows.find((r) => r.login === 'chloe')).toMatchObject({ status: 'dead', attempts: 1 });
    expect(rows.find((r) => r.login === 'alice')).toMatchObject({ status: 'sent' });
  });

  it('runs the outbox worker and the timers on intervals inside the application', async () => {
    const ref = await create('alice', { title: 'Planifié', description: 'x' });
    const app = await createApp({ ...t.config, jobs: { outboxMs: 20, timersMs: 20 } }, { clock: t.clock, seed: false, logger: ['error'] });
    try {
      for (let i = 0; i < 100 && !sink.received.length; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await app.close();
    }
    expect(sink.received.map((r) => r.mail.subject)).toEqual([expect.stringContaining(ref)]);
  });

  it('does not schedule anything when the intervals are 0, and leaves rows pending without an SMTP server', async () => {
    const ref = await create('alice', { title: 'Sans SMTP', description: 'x' });
    const app = await createApp({ ...t.config, jobs: { outboxMs: 0, timersMs: 0 } }, { clock: t.clock, seed: false, logger: ['error'] });
    await new Promise((r) => setTimeout(r, 100));
    await app.close();
    expect(sink.received).toHaveLength(0);

    // Same database, no SMTP server configured.
    const unconfigured = new TestCore(await createContext({ ...t.config, mail: { ...t.core.mail, smtpUrl: undefined } }, { clock: t.clock, logger: ['error'] }));
    const reports = await unconfigured.runOutbox().finally(() => unconfigured.close());
    expect(reports.every((r) => r.sent === 0)).toBe(true);
    expect((await outbox(ref))[0].status).toBe('pending');
    t.clock.advance(DAY);
  });
});
