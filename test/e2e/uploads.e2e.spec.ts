/**
 * Uploads and downloads of attachments under hostile or unlucky conditions (hardening issue):
 * bodies are read only by routes that take files, after the session and CSRF checks; files
 * stream to storage and stop at the pack's limit plus one byte (413, field message in the
 * caller's language); parallel uploads cannot pass the pack's `maxFiles`; a file missing from
 * storage or a storage failure is an answer, never a crash.
 */
import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { fixturePacksWith } from '../setup/pack-copy.js';
import { startTestApp, type TestApp } from '../setup/test-app.js';
import { answerWithin, listen, MultipartWriter, portalSession, storedFiles } from '../setup/uploads.js';

const MiB = 1024 * 1024;
const LIMIT = 1_000_000; // the sample pack's 1MB
const MAX_FILES = 10;

describe('uploads (sample pack, 1 MB and 10 files a ticket)', () => {
  let t: TestApp;
  let port: number;
  let alice: string;
  let session: { cookie: string; csrf: string };
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    const packs = fixturePacksWith({
      sample: (yaml) =>
        yaml
          .replace('attachments: { maxBytes: 1MB, maxFiles: 3 }', `attachments: { maxBytes: 1MB, maxFiles: ${MAX_FILES} }`)
          .replace(/^(\s+- \{ key: channel,.*)$/m, `$1\n    - { key: attachments, type: attachments, label: { fr: Pièces jointes, en: Attachments } }`),
    });
    t = await startTestApp({ tenantsDir: packs });
    port = await listen(t);
    alice = await t.token('sample', 'alice');
    session = await portalSession(t, 'sample', 'alice');
  });
  afterAll(() => t?.close());

  async function newTicket(title = 'Écran noir'): Promise<string> {
    const res = await t.http.post('/api/sample/tickets').set(auth(alice)).send({ leaf: 'otp-order', values: { title, description: 'Depuis ce matin.' } }).expect(201);
    return res.body.reference;
  }

  const attachmentCount = async (ref: string) =>
    (await t.core.deps.dataSource.query(`SELECT count(*)::int AS n FROM attachment a JOIN ticket k ON k.id = a.ticket_id WHERE k.reference = $1`, [ref]))[0].n as number;

  describe('before the body is read', () => {
    it('answers an anonymous upload of 200 MiB on any path without reading it, and stores nothing', async () => {
      const ref = await newTicket();
      const before = storedFiles(t, 'sample').length;
      for (const path of [`/sample/tickets/${ref}/attach`, '/sample/new/otp-order', '/sample/any/path', `/api/sample/tickets/${ref}/attachments`, '/nowhere']) {
        const upload = new MultipartWriter(port, path, { 'Content-Length': String(200 * MiB) });
        upload.fileStart('file', 'huge.bin');
        await upload.fileBytes(256 * 1024);
        const answer = await answerWithin(upload.response, 5000);
        upload.destroy();
        expect({ path, status: answer?.status }).toEqual({ path, status: expect.any(Number) });
        expect([303, 401, 404]).toContain(answer!.status);
      }
      expect(storedFiles(t, 'sample')).toHaveLength(before);
    });

    it('refuses a signed-in upload whose CSRF token is missing or comes after the file, before storing a byte', async () => {
      const ref = await newTicket();
      const before = storedFiles(t, 'sample').length;
      const late = new MultipartWriter(port, `/sample/tickets/${ref}/attach`, { Cookie: session.cookie });
      late.fileStart('file', 'note.txt');
      await late.fileBytes(300 * 1024);
      late.fileEnd().field('_csrf', session.csrf);
      expect((await late.end()).status).toBe(403);
      const forged = await t.http.post(`/sample/tickets/${ref}/attach`).set('Cookie', session.cookie).field('_csrf', 'forged').attach('file', Buffer.from('x'), 'x.txt');
      expect(forged.status).toBe(403);
      expect(storedFiles(t, 'sample')).toHaveLength(before);
      expect(await attachmentCount(ref)).toBe(0);
    });

    it('takes the CSRF token only as the first part of a form, and reads nothing after a wrong one', async () => {
      const ref = await newTicket();
      const late = await t.http.post(`/sample/tickets/${ref}/attach`).set('Cookie', session.cookie).field('note', 'avant le jeton').field('_csrf', session.csrf).attach('file', Buffer.from('x'), 'x.txt');
      expect(late.status).toBe(403);
      const header = await t.http.post(`/sample/tickets/${ref}/attach`).set('Cookie', session.cookie).set('X-CSRF-Token', session.csrf).attach('file', Buffer.from('par en-tête'), 'entete.txt');
      expect(header.status).toBe(303);
      expect(await attachmentCount(ref)).toBe(1);
    });

    it('holds little text in memory: fields over 1 MiB in all are refused with a 413', async () => {
      const res = await t.http
        .post('/sample/new/otp-order')
        .set('Cookie', session.cookie)
        .field('_csrf', session.csrf)
        .field('title', 'Long')
        .field('description', 'a'.repeat(300 * 1024));
      expect(res.status).toBe(413);
      expect(res.text).toContain('Requête trop volumineuse.');
    });

    it('reads no multipart body on routes that take no files', async () => {
      const ref = await newTicket();
      const comment = await t.http.post(`/sample/tickets/${ref}/comment`).set('Cookie', session.cookie).field('_csrf', session.csrf).field('body', 'Par formulaire multipart').attach('file', Buffer.from('x'), 'x.txt');
      expect(comment.status).toBe(403);
      expect(storedFiles(t, 'sample').some((f) => f.size === 1)).toBe(false);
    });

    it('checks the ticket before reading: an unknown ticket is answered without taking the file', async () => {
      const upload = new MultipartWriter(port, '/api/sample/tickets/R-999999/attachments', { ...auth(alice), 'Content-Length': String(200 * MiB) });
      upload.fileStart('file', 'huge.bin');
      await upload.fileBytes(256 * 1024);
      const answer = await answerWithin(upload.response, 5000);
      upload.destroy();
      expect(answer?.status).toBe(404);
    });
  });

  describe('while the body is read', () => {
    async function waitForStoredBytes(before: number): Promise<number> {
      for (let i = 0; i < 100; i++) {
        const total = storedFiles(t, 'sample').reduce((sum, f) => sum + f.size, 0);
        if (total > before) return total - before;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return 0;
    }

    it('streams a portal file to storage as it arrives, before the body ends', async () => {
      const ref = await newTicket();
      const before = storedFiles(t, 'sample').reduce((sum, f) => sum + f.size, 0);
      const upload = new MultipartWriter(port, `/sample/tickets/${ref}/attach`, { Cookie: session.cookie });
      upload.field('_csrf', session.csrf).fileStart('file', 'journal.log', 'text/plain');
      await upload.fileBytes(600 * 1024);
      expect(await waitForStoredBytes(before)).toBeGreaterThan(0);
      await upload.fileBytes(200 * 1024);
      const answer = await upload.fileEnd().end();
      expect(answer.status).toBe(303);
      const ticket = await t.http.get(`/api/sample/tickets/${ref}`).set(auth(alice)).expect(200);
      expect(ticket.body.attachments).toEqual([expect.objectContaining({ fileName: 'journal.log', size: 800 * 1024 })]);
    });

    it('streams an API file to storage as it arrives, before the body ends', async () => {
      const ref = await newTicket();
      const before = storedFiles(t, 'sample').reduce((sum, f) => sum + f.size, 0);
      const upload = new MultipartWriter(port, `/api/sample/tickets/${ref}/attachments`, auth(alice));
      upload.fileStart('file', 'capture.png', 'image/png');
      await upload.fileBytes(600 * 1024);
      expect(await waitForStoredBytes(before)).toBeGreaterThan(0);
      const answer = await upload.fileEnd().end();
      expect(answer.status).toBe(201);
      expect(JSON.parse(answer.body)).toMatchObject({ fileName: 'capture.png', size: 600 * 1024 });
    });
  });

  describe('limits', () => {
    it('takes a file of exactly the limit and refuses one byte more with a 413 naming the field, in French or English', async () => {
      const ref = await newTicket();
      const before = storedFiles(t, 'sample').length;
      await t.http.post(`/api/sample/tickets/${ref}/attachments`).set(auth(alice)).attach('file', Buffer.alloc(LIMIT, 1), 'exact.bin').expect(201);
      const fr = await t.http.post(`/api/sample/tickets/${ref}/attachments`).set(auth(alice)).attach('file', Buffer.alloc(LIMIT + 1, 1), 'over.bin').expect(413);
      expect(fr.body).toMatchObject({ code: 'UPLOAD_TOO_LARGE', details: [{ field: 'file', rule: 'fileSize', message: 'Fichier trop volumineux : 1 Mo au maximum.' }] });
      const en = await t.http.post(`/api/sample/tickets/${ref}/attachments`).set(auth(alice)).set('Accept-Language', 'en').attach('file', Buffer.alloc(LIMIT + 1, 1), 'over.bin').expect(413);
      expect(en.body).toMatchObject({ code: 'UPLOAD_TOO_LARGE', message: 'The upload exceeds the attachment limits.', details: [{ field: 'file', message: 'File too large: at most 1 MB.' }] });
      expect(storedFiles(t, 'sample')).toHaveLength(before + 1);
      expect(await attachmentCount(ref)).toBe(1);
    });

    it('stops reading a 64 MiB API upload far before its end and answers 413', async () => {
      const ref = await newTicket();
      const before = storedFiles(t, 'sample').length;
      const upload = new MultipartWriter(port, `/api/sample/tickets/${ref}/attachments`, auth(alice));
      upload.fileStart('file', 'huge.bin');
      let sentWhenAnswered = -1;
      void upload.response.then(() => (sentWhenAnswered = upload.sent), () => undefined);
      await upload.fileBytes(64 * MiB).catch(() => undefined);
      const answer = await answerWithin(upload.response, 5000);
      upload.destroy();
      expect(answer?.status).toBe(413);
      expect(JSON.parse(answer!.body).details).toEqual([expect.objectContaining({ field: 'file', rule: 'fileSize' })]);
      expect(sentWhenAnswered).toBeGreaterThan(0);
      expect(sentWhenAnswered).toBeLessThan(32 * MiB);
      expect(storedFiles(t, 'sample')).toHaveLength(before);
    });

    it('answers a portal file over the limit with a 413 page and the message next to the field, French then English', async () => {
      const ref = await newTicket();
      const before = storedFiles(t, 'sample').length;
      const fr = await t.http.post(`/sample/tickets/${ref}/attach`).set('Cookie', session.cookie).field('_csrf', session.csrf).attach('file', Buffer.alloc(LIMIT + 1, 1), 'scan.pdf');
      expect(fr.status).toBe(413);
      expect(fr.text).toContain('Fichier trop volumineux : 1 Mo au maximum.');
      const en = await t.http.post(`/sample/tickets/${ref}/attach?lang=en`).set('Cookie', session.cookie).field('_csrf', session.csrf).attach('file', Buffer.alloc(LIMIT + 1, 1), 'scan.pdf');
      expect(en.status).toBe(413);
      expect(en.text).toContain('File too large: at most 1 MB.');
      expect(storedFiles(t, 'sample')).toHaveLength(before);
    });

    it('refuses one file more than the pack allows in one form (413) and keeps none of them', async () => {
      const ref = await newTicket();
      const before = storedFiles(t, 'sample').length;
      let req = t.http.post(`/sample/tickets/${ref}/attach`).set('Cookie', session.cookie).field('_csrf', session.csrf);
      for (let i = 0; i <= MAX_FILES; i++) req = req.attach('file', Buffer.from(`fichier ${i}`), `f${i}.txt`);
      const res = await req;
      expect(res.status).toBe(413);
      expect(res.text).toContain(`Au plus ${MAX_FILES} pièces jointes.`);
      expect(storedFiles(t, 'sample')).toHaveLength(before);
      expect(await attachmentCount(ref)).toBe(0);
    });

    it('keeps what was typed after a file over the limit on the create form, creates nothing and stores nothing', async () => {
      const before = storedFiles(t, 'sample').length;
      const res = await t.http
        .post('/sample/new/otp-order')
        .set('Cookie', session.cookie)
        .field('_csrf', session.csrf)
        .attach('attachments', Buffer.alloc(LIMIT + 1, 1), 'scan.pdf')
        .field('title', 'Titre tapé après le fichier')
        .field('description', 'Deux clés.');
      expect(res.status).toBe(413);
      expect(res.text).toContain('Fichier trop volumineux : 1 Mo au maximum.');
      expect(res.text).toContain('value="Titre tapé après le fichier"');
      expect((await t.core.deps.dataSource.query(`SELECT count(*)::int AS n FROM ticket WHERE title = $1`, ['Titre tapé après le fichier']))[0].n).toBe(0);
      expect(storedFiles(t, 'sample')).toHaveLength(before);
    });

    it('creates a ticket from the portal with its files, names in UTF-8', async () => {
      const res = await t.http
        .post('/sample/new/otp-order')
        .set('Cookie', session.cookie)
        .field('_csrf', session.csrf)
        .field('establishment', '9740049K')
        .field('title', 'Deux captures')
        .field('description', 'Voir les pièces jointes.')
        .attach('attachments', Buffer.from('première'), 'écran été.png')
        .attach('attachments', Buffer.from('seconde'), 'journal.txt')
        .field('impact', 'person')
        .field('urgency', 'medium');
      expect(res.status).toBe(303);
      const ref = decodeURIComponent(/tickets\/([^/]+)\/created/.exec(res.headers.location)![1]);
      const ticket = await t.http.get(`/api/sample/tickets/${ref}`).set(auth(alice)).expect(200);
      expect(ticket.body.attachments.map((a: { fileName: string; size: number }) => [a.fileName, a.size]).sort()).toEqual([
        ['journal.txt', 7],
        ['écran été.png', Buffer.byteLength('première')],
      ]);
    });
  });

  it('stores exactly the pack maximum when 30 uploads race on one ticket, and removes the refused files', async () => {
    const ref = await newTicket('Course');
    const before = storedFiles(t, 'sample').length;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.http.post(`/api/sample/tickets/${ref}/attachments`).set(auth(alice)).attach('file', Buffer.from(`fichier ${i}`), `f${i}.txt`)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(MAX_FILES);
    expect(statuses.filter((s) => s === 400)).toHaveLength(30 - MAX_FILES);
    for (const refused of answers.filter((a) => a.status === 400)) expect(refused.body.details).toEqual([expect.objectContaining({ field: 'file', rule: 'fileCount', message: `Au plus ${MAX_FILES} pièces jointes.` })]);
    expect(await attachmentCount(ref)).toBe(MAX_FILES);
    expect(storedFiles(t, 'sample')).toHaveLength(before + MAX_FILES);
  });

  describe('storage failures', () => {
    it('answers 404 (logged) when a file is gone from storage, on the API and the portal, and keeps serving', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const ref = await newTicket();
      const before = new Set(storedFiles(t, 'sample').map((f) => f.path));
      const up = await t.http.post(`/api/sample/tickets/${ref}/attachments`).set(auth(alice)).attach('file', Buffer.from('disparu'), 'disparu.txt').expect(201);
      const [file] = storedFiles(t, 'sample').filter((f) => !before.has(f.path));
      rmSync(file.path);
      const api = await t.http.get(up.body.url).set(auth(alice)).expect(404);
      expect(api.body).toMatchObject({ code: 'ATTACHMENT_NOT_FOUND', message: 'Pièce jointe introuvable.' });
      const page = await t.http.get(`/sample/attachments/${up.body.id}`).set('Cookie', session.cookie).expect(404);
      expect(page.text).toContain('Pièce jointe introuvable.');
      expect(warn.mock.calls.some(([message]) => String(message).includes(up.body.id))).toBe(true);
      warn.mockRestore();
      await t.http.get('/health').expect(200);
    });

    it('cuts a download whose storage read fails mid-way, logs it, and keeps serving', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const ref = await newTicket();
      const up = await t.http.post(`/api/sample/tickets/${ref}/attachments`).set(auth(alice)).attach('file', Buffer.from('contenu complet'), 'lu.txt').expect(201);
      const storage = t.core.deps.storage;
      const failing = jest.spyOn(storage, 'open').mockResolvedValueOnce(
        new Readable({
          read() {
            this.push('cont');
            this.destroy(new Error('EIO: i/o error, read'));
          },
        }),
      );
      const cut = await t.http.get(up.body.url).set(auth(alice)).then(
        (res) => res.status,
        (error: Error) => error.message,
      );
      expect(cut).not.toBe(200);
      failing.mockRejectedValueOnce(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
      const denied = await t.http.get(up.body.url).set(auth(alice)).expect(500);
      expect(denied.body).toMatchObject({ code: 'INTERNAL', correlationId: expect.any(String) });
      expect(errors.mock.calls.some(([message]) => String(message).includes('EIO'))).toBe(true);
      failing.mockRestore();
      errors.mockRestore();
      await t.http.get(up.body.url).set(auth(alice)).expect(200);
      await t.http.get('/health').expect(200);
    });

    it('answers 500 when storage cannot write, records nothing, and keeps serving', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const ref = await newTicket();
      const storage = t.core.deps.storage;
      const failing = jest.spyOn(storage, 'put').mockImplementationOnce(async (_tenant, data) => {
        data.resume();
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      });
      const res = await t.http.post(`/api/sample/tickets/${ref}/attachments`).set(auth(alice)).attach('file', Buffer.from('plein'), 'plein.txt').expect(500);
      expect(res.body).toMatchObject({ code: 'INTERNAL', correlationId: expect.any(String) });
      failing.mockRestore();
      errors.mockRestore();
      expect(await attachmentCount(ref)).toBe(0);
      await t.http.post(`/api/sample/tickets/${ref}/attachments`).set(auth(alice)).attach('file', Buffer.from('ensuite'), 'ensuite.txt').expect(201);
    });
  });
});
