import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger, defaultLogFormat, logScope, PinoNestLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean)), done()) });
  return { lines, stream };
}

describe('logger', () => {
  it("writes Nest's lines as JSON with their context and the request id of the scope they run in", () => {
    const { lines, stream } = capture();
    const logger = new PinoNestLogger(createLogger({ format: 'json', level: 'info', destination: stream }));
    logScope.run({ requestId: 'req-7' }, () => logger.warn('database unavailable', 'Errors'));
    logger.log('outside', 'Jobs');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ level: 'warn', context: 'Errors', msg: 'database unavailable', reqId: 'req-7' });
    expect(outside).toMatchObject({ level: 'info', context: 'Jobs', msg: 'outside' });
    expect(outside.reqId).toBeUndefined();
  });

  it('redacts passwords, tokens, cookies and mail bodies wherever they sit', () => {
    const { lines, stream } = capture();
    createLogger({ format: 'json', level: 'info', destination: stream }).info({ password: 'p1', mail: { to: 'a@b', text: 'body-1', html: '<p>', token: 't1' }, req: { headers: { cookie: 'c1', authorization: 'Bearer b1' } } }, 'x');
    expect(lines[0]).not.toMatch(/p1|body-1|t1|c1|b1/);
    expect(JSON.parse(lines[0])).toMatchObject({ password: '[redacted]', mail: { to: 'a@b', text: '[redacted]' } });
  });

  it('is text in development or at a terminal without NODE_ENV, JSON otherwise', () => {
    expect(defaultLogFormat({ NODE_ENV: 'development' }, false)).toBe('text');
    expect(defaultLogFormat({}, true)).toBe('text');
    expect(defaultLogFormat({}, false)).toBe('json');
    expect(defaultLogFormat({ NODE_ENV: 'production' }, true)).toBe('json');
  });
});
