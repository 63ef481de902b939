import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DomainError } from '../common/errors.js';
import { receiveForm, type FileSink, type FormRules, type ReceivedForm } from './multipart-form.js';

/** A sink that keeps what it was given in memory (fine for bytes of a test) and what it removed. */
class MemorySink implements FileSink {
  readonly kept = new Map<string, Buffer>();
  readonly removed: string[] = [];
  chunkSizes: number[] = [];
  private next = 0;
  async put(data: Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of data) {
      chunks.push(chunk as Buffer);
      this.chunkSizes.push((chunk as Buffer).length);
    }
    const key = `k${this.next++}`;
    this.kept.set(key, Buffer.concat(chunks));
    return { key, sha256: 'x', size: Buffer.concat(chunks).length };
  }
  async remove(key: string) {
    this.removed.push(key);
    this.kept.delete(key);
  }
}

describe('receiveForm', () => {
  let server: Server;
  let port: number;
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      handle(req, res).then(
        (body) => res.end(JSON.stringify(body)),
        (error: unknown) => res.writeHead(error instanceof DomainError ? 409 : 500).end(String(error instanceof DomainError ? error.code : error)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function send(parts: ({ field: string; value: string } | { file: string; bytes: number })[]): Promise<{ status: number; body: string }> {
    const boundary = 'xYz';
    const body = Buffer.concat(
      parts.flatMap((p) =>
        'field' in p
          ? [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"\r\n\r\n${p.value}\r\n`)]
          : [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.file}"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`), Buffer.alloc(p.bytes, 7), Buffer.from('\r\n')],
      ).concat([Buffer.from(`--${boundary}--\r\n`)]),
    );
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const rules = (over: Partial<FormRules> = {}): FormRules => ({ fileFields: ['file'], maxFileBytes: 100_000, maxFileLabel: '100 ko', maxFiles: 2, ...over });
  const reading = (sink: MemorySink, r: FormRules) => {
    handle = (req, res) => receiveForm(req, res, sink, r);
  };

  it('streams files to the sink in chunks and gives the fields', async () => {
    const sink = new MemorySink();
    reading(sink, rules());
    const res = await send([{ field: 'title', value: 'Écran' }, { file: 'file', bytes: 100_000 }]);
    const form = JSON.parse(res.body) as ReceivedForm;
    expect(form).toMatchObject({ fields: { title: 'Écran' }, problems: [], files: [{ field: 'file', fileName: 'f.bin', size: 100_000 }] });
    expect(Math.max(...sink.chunkSizes)).toBeLessThan(100_000);
  });

  it('refuses the byte past the limit, stores no more than the limit, and removes every file of the request', async () => {
    const sink = new MemorySink();
    reading(sink, rules());
    const res = await send([{ file: 'file', bytes: 10 }, { file: 'file', bytes: 100_001 }, { field: 'after', value: 'kept' }]);
    const form = JSON.parse(res.body) as ReceivedForm;
    expect(form).toMatchObject({ tooLarge: true, files: [], fields: { after: 'kept' }, problems: [{ field: 'file', rule: 'rule.fileSize', params: { max: '100 ko' } }] });
    expect(sink.kept.size).toBe(0);
    expect(sink.removed).toEqual(['k0']);
    expect(sink.chunkSizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10 + 100_000);
  });

  it('refuses one file more than maxFiles, and files under another name', async () => {
    const sink = new MemorySink();
    reading(sink, rules());
    const many = JSON.parse((await send([{ file: 'file', bytes: 1 }, { file: 'file', bytes: 1 }, { file: 'file', bytes: 1 }])).body) as ReceivedForm;
    expect(many).toMatchObject({ tooLarge: true, files: [], problems: [{ field: 'file', rule: 'rule.fileCount', params: { max: 2 } }] });
    const other = JSON.parse((await send([{ file: 'avatar', bytes: 1 }])).body) as ReceivedForm;
    expect(other).toMatchObject({ tooLarge: false, problems: [{ field: 'avatar', rule: 'rule.unknown' }] });
    expect(sink.kept.size).toBe(0);
  });

  it('asks `authorize` on the first part, before any byte is stored, and stops there', async () => {
    const sink = new MemorySink();
    const seen: Record<string, unknown>[] = [];
    reading(sink, rules({ authorize: (fields) => {
      seen.push({ ...fields });
      if (fields._csrf !== 'ok') throw new DomainError('FORBIDDEN');
    } }));
    expect(await send([{ file: 'file', bytes: 50_000 }, { field: '_csrf', value: 'ok' }])).toEqual({ status: 409, body: 'FORBIDDEN' });
    expect(seen).toEqual([{}]);
    expect(sink.chunkSizes).toEqual([]);
    expect((await send([{ field: '_csrf', value: 'ok' }, { file: 'file', bytes: 5 }])).status).toBe(200);
    expect(sink.kept.size).toBe(1);
  });

  it('turns a storage failure into a refusal of the whole request, removing what was stored', async () => {
    const sink = new MemorySink();
    let calls = 0;
    const put = sink.put.bind(sink);
    sink.put = async (data) => {
      if (++calls === 2) {
        data.resume();
        throw new Error('ENOSPC');
      }
      return put(data);
    };
    reading(sink, rules());
    const res = await send([{ file: 'file', bytes: 10 }, { file: 'file', bytes: 10 }]);
    expect(res).toEqual({ status: 500, body: 'Error: ENOSPC' });
    expect(sink.removed).toEqual(['k0']);
  });

  it('answers a malformed body as such', async () => {
    reading(new MemorySink(), rules());
    const res = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=abc' } }, (r) => {
        let text = '';
        r.on('data', (c) => (text += c));
        r.on('end', () => resolve(`${r.statusCode} ${text}`));
      });
      req.end('--abc\r\nContent-Disposition: form-data; name="x"\r\n\r\nno end');
    });
    expect(res).toBe('409 INVALID_MULTIPART');
  });
});
