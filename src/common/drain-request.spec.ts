import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bodyLeftUnread, drainRequest } from './drain-request.js';

describe('drainRequest', () => {
  let server: Server;
  let port: number;
  let readByServer = 0;
  const BUDGET = 256 * 1024;

  beforeAll(async () => {
    // Answers at once, before reading the body, as a refused request is answered.
    server = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => (readByServer += chunk.length));
      req.pause();
      if (bodyLeftUnread(req)) drainRequest(req, res, BUDGET);
      res.end('refused');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function post(agent: Agent, bytes: number): Promise<{ status: number; socketClosed: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', agent, headers: { 'Content-Length': String(bytes) } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, socketClosed: new Promise((closed) => req.socket!.once('close', () => closed())) }));
      });
      req.on('error', (error) => (req.socket?.destroyed ? undefined : reject(error)));
      const block = Buffer.alloc(16 * 1024);
      let left = bytes;
      const pump = () => {
        while (left > 0 && !req.destroyed) {
          left -= block.length;
          if (!req.write(left >= 0 ? block : block.subarray(0, block.length + left))) return void req.once('drain', pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    });
  }

  it('drops a small body and keeps the connection for the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    readByServer = 0;
    expect((await post(agent, 64 * 1024)).status).toBe(200);
    expect((await post(agent, 64 * 1024)).status).toBe(200);
    expect(readByServer).toBe(128 * 1024);
    agent.destroy();
  });

  it('answers a large body, reads no more than the budget, then closes the connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    readByServer = 0;
    const answer = await post(agent, 64 * 1024 * 1024);
    expect(answer.status).toBe(200);
    await answer.socketClosed;
    expect(readByServer).toBeLessThan(BUDGET + 128 * 1024);
    agent.destroy();
  });
});
