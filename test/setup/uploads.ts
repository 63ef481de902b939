import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import type { TestApp } from './test-app.js';

/** The test app's HTTP server on a loopback port, for requests written by hand. */
export async function listen(t: TestApp): Promise<number> {
  const server = t.app.getHttpServer() as Server;
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A portal session of `login` (demo sign-in): its cookie and CSRF token. */
export async function portalSession(t: TestApp, tenant: string, login: string): Promise<{ cookie: string; csrf: string }> {
  const res = await t.http.post(`/${tenant}/auth/demo`).type('form').send({ login });
  if (res.status !== 303) throw new Error(`demo sign-in of ${login} answered ${res.status}`);
  const cookie = String((res.headers['set-cookie'] as unknown as string[])[0]).split(';')[0];
  const home = await t.http.get(`/${tenant}/`).set('Cookie', cookie).expect(200);
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(home.text)![1] };
}

/** Files the local storage driver holds for `tenant`, with their sizes. */
export function storedFiles(t: TestApp, tenant: string): { path: string; size: number }[] {
  const root = join(t.storageDir, tenant);
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { path, size: statSync(path).size };
    });
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A multipart request written part by part over a real connection, so a test decides when each
 * byte leaves: it can announce 200 MiB, send a few, and see whether the server answers first.
 */
export class MultipartWriter {
  readonly boundary = `----guichet${randomBytes(8).toString('hex')}`;
  /** The answer, as soon as the server gives it (even before the body is sent). */
  readonly response: Promise<RawResponse>;
  /** Bytes of body written so far. */
  sent = 0;
  private readonly req: ClientRequest;

  constructor(port: number, path: string, headers: Record<string, string> = {}) {
    this.req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${this.boundary}`, ...headers } });
    this.response = new Promise((resolve, reject) => {
      this.req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
      this.req.on('error', reject);
    });
    // Writes after the server closed the connection fail; the answer is what the test looks at.
    this.response.catch(() => undefined);
  }

  field(name: string, value: string): this {
    return this.write(`--${this.boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  }

  fileStart(name: string, fileName: string, type = 'application/octet-stream'): this {
    return this.write(`--${this.boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`);
  }

  /** `bytes` bytes of file content, written in chunks; resolves once the socket took them. */
  async fileBytes(bytes: number, chunk = 64 * 1024): Promise<void> {
    const block = Buffer.alloc(chunk, 0x61);
    for (let left = bytes; left > 0 && !this.req.destroyed; left -= chunk) {
      const part = left >= chunk ? block : block.subarray(0, left);
      this.sent += part.length;
      if (!this.req.write(part)) await this.drained();
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.req.off('drain', done).off('close', done);
        resolve();
      };
      this.req.on('drain', done).on('close', done);
    });
  }

  fileEnd(): this {
    return this.write('\r\n');
  }

  /** Ends the body with the closing boundary; resolves with the answer. */
  end(): Promise<RawResponse> {
    if (!this.req.destroyed) this.req.end(`--${this.boundary}--\r\n`);
    return this.response;
  }

  destroy(): void {
    this.req.destroy();
  }

  write(text: string): this {
    if (!this.req.destroyed) {
      this.sent += Buffer.byteLength(text);
      this.req.write(text);
    }
    return this;
  }
}

/** The answer of `response` if it comes within `ms`, else `undefined`. */
export async function answerWithin(response: Promise<RawResponse>, ms: number): Promise<RawResponse | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([response, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
