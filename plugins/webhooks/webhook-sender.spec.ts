import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { postWebhook } from './webhook-sender.js';

describe('postWebhook', () => {
  let server: Server;
  let hits = 0;
  let port = 0;

  beforeAll(async () => {
    server = createServer((_, res) => {
      hits++;
      res.writeHead(302, { location: 'http://127.0.0.1/elsewhere' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('does not connect to a non-public address, written in the URL or resolved from a name', async () => {
    const strict = { timeoutMs: 1000, allowPrivateNetworks: false };
    expect(await postWebhook(`http://127.0.0.1:${port}/hook`, '{}', {}, strict)).toMatchObject({ ok: false, statusCode: null, error: 'ENOTPUBLIC: 127.0.0.1 is not a public address' });
    expect(await postWebhook(`http://localhost:${port}/hook`, '{}', {}, strict)).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/^ENOTPUBLIC: localhost resolves to (127\.0\.0\.1|::1), which is not a public address/) });
    expect(hits).toBe(0);
  });

  it('counts a redirect as a failed attempt, without following it', async () => {
    expect(await postWebhook(`http://127.0.0.1:${port}/hook`, '{}', {}, { timeoutMs: 1000, allowPrivateNetworks: true })).toMatchObject({ ok: false, statusCode: 302, error: 'HTTP 302' });
    expect(hits).toBe(1);
  });
});
