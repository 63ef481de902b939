import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

/** How log lines are written: one JSON object per line, or coloured text for a person at a terminal. */
export type LogFormat = 'json' | 'text';

export interface LogOptions {
  format: LogFormat;
  level: LevelWithSilent;
  /** Where lines go (stdout by default); tests pass a stream they read. */
  destination?: DestinationStream;
}

/**
 * Keys whose values never reach a log line, wherever they sit in a logged object: credentials,
 * cookies, and the bodies of mails.
 */
const REDACTED = ['password', 'token', 'secret', 'cookie', 'authorization', 'set-cookie', 'body', 'html', 'text', 'totp'];
export const REDACT_PATHS = [...REDACTED.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]), 'req.headers["x-api-key"]'];

/** The request a log line is written under (its id, and later its tenant and person), carried across awaits. */
export interface LogScope {
  requestId: string;
}
export const logScope = new AsyncLocalStorage<LogScope>();

export function createLogger(options: LogOptions): Logger {
  const destination = options.destination ?? (options.format === 'text' ? pretty({ colorize: process.stdout.isTTY, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }) : pino.destination({ sync: false }));
  return pino(
    {
      level: options.level,
      base: { service: 'guichet' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // The request id of the scope the line is written in, so a service's line finds its request.
      mixin: (_object, _level, logger) => {
        const scope = logScope.getStore();
        // The request's own child logger (pino-http) carries the id already.
        return scope && !('reqId' in (logger as Logger).bindings()) ? { reqId: scope.requestId } : {};
      },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Nest's `LoggerService` on pino: Nest's and our `new Logger('Context')` lines become structured lines. */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, rest: unknown[]): void {
    // Nest passes the context last; an error's stack (Logger.error(message, stack, context)) before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message });
    else this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
  }
}

/** `GUICHET_LOG_FORMAT`'s default: text for a person (development, or a terminal with no NODE_ENV), JSON otherwise. */
export function defaultLogFormat(env: NodeJS.ProcessEnv, isTTY: boolean): LogFormat {
  if (env.NODE_ENV === 'development') return 'text';
  if (!env.NODE_ENV && isTTY) return 'text';
  return 'json';
}
