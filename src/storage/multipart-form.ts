import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import busboy from 'busboy';
import { drainRequest } from '../common/drain-request.js';
import { DomainError, type FieldProblem } from '../common/errors.js';
import type { StoredObject } from './storage.js';

/** Where the files of a form go while it is read: a storage driver bound to the tenant. */
export interface FileSink {
  put(data: Readable): Promise<StoredObject>;
  remove(key: string): Promise<void>;
}

/** What a route accepts. Limits are checked while reading, never after buffering. */
export interface FormRules {
  /** Fields that may carry files; a file under another name is refused. */
  fileFields: readonly string[];
  /** Largest file: storing stops at this many bytes plus one. */
  maxFileBytes: number;
  /** `maxFileBytes` as the answer shows it (e.g. "1 Mo"). */
  maxFileLabel?: string;
  /** Most files in one request. */
  maxFiles: number;
  /**
   * Called once the first part has arrived, with it if it is a text field (a form's CSRF token
   * comes first), before anything else is read or stored; throws (e.g. `FORBIDDEN`) to refuse
   * the request, which is then read no further.
   */
  authorize?: (fields: Record<string, unknown>) => void;
}

/** A file of the form, already in storage (removed again if the request is refused). */
export interface ReceivedFile extends StoredObject {
  field: string;
  fileName: string;
  mimeType: string;
}

export interface ReceivedForm {
  fields: Record<string, unknown>;
  /** Empty when `problems` is not: nothing of a refused request stays in storage. */
  files: ReceivedFile[];
  /** What was refused while reading, by field. */
  problems: FieldProblem[];
  /** A size or count limit was hit: the answer is a 413. */
  tooLarge: boolean;
}

/** Text fields of a form: how many, how large each, and all together (held in memory, so small). */
const FIELD_LIMITS = { fields: 100, fieldSize: 256 * 1024, parts: 200 };
const FIELDS_TOTAL_BYTES = 1024 * 1024;
/** Room around the files for text fields and part headers before the request is cut. */
const ENVELOPE_BYTES = 2 * 1024 * 1024;

class FileTooLarge extends Error {}
class ReadingStopped extends Error {}

/**
 * Reads a `multipart/form-data` request as it arrives (busboy), streaming each file to `sink`.
 *
 * `authorize` runs on the first part, before anything is stored. A file over `maxFileBytes`, or
 * one file more than `maxFiles`, is refused as soon as its byte too many arrives. Text fields after
 * it are still read, so a form page keeps what was typed, while file bytes are discarded, up to
 * the largest request the rules allow; past it parsing stops and the rest is drained (discarded,
 * then the connection cut: `drainRequest`). Every refusal removes the files already stored. A
 * request that is not multipart has no files: its parsed body is returned as the fields.
 */
export async function receiveForm(req: IncomingMessage & { body?: unknown }, res: ServerResponse, sink: FileSink, rules: FormRules): Promise<ReceivedForm> {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
    const fields = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    rules.authorize?.(fields);
    return { fields, files: [], problems: [], tooLarge: false };
  }
  return new FormReader(req, res, sink, rules).read();
}

class FormReader {
  private readonly fields: Record<string, unknown> = {};
  private readonly problems: FieldProblem[] = [];
  private readonly stores: Promise<ReceivedFile | undefined>[] = [];
  /** Files being written, ended with an error if reading stops in their middle. */
  private readonly writing = new Set<Transform>();
  private tooLarge = false;
  private authorized = false;
  /** A refusal of the whole request (authorization, malformed body, storage failure). */
  private fatal: unknown;
  private parser?: busboy.Busboy;
  private received = 0;
  private fieldBytes = 0;
  private done = false;
  private resolve: () => void = () => undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly sink: FileSink,
    private readonly rules: FormRules,
  ) {}

  async read(): Promise<ReceivedForm> {
    await new Promise<void>((resolve) => {
      this.resolve = resolve;
      this.start();
    });
    const stored = (await Promise.all(this.stores)).filter((f): f is ReceivedFile => Boolean(f));
    if (!this.fatal && !this.authorized) this.authorize();
    if (!this.fatal && !this.problems.length) return { fields: this.fields, files: stored, problems: [], tooLarge: false };
    await Promise.all(stored.map((f) => this.sink.remove(f.key).catch(() => undefined)));
    if (this.fatal) throw this.fatal;
    return { fields: this.fields, files: [], problems: this.problems, tooLarge: this.tooLarge };
  }

  private start(): void {
    try {
      this.parser = busboy({
        headers: this.req.headers,
        defParamCharset: 'utf8',
        limits: { ...FIELD_LIMITS, fileSize: this.rules.maxFileBytes + 1, files: this.rules.maxFiles },
      });
    } catch {
      return this.stop(new DomainError('INVALID_MULTIPART'));
    }
    const parser = this.parser;
    parser.on('field', (name, value, info) => this.onField(name, value, info));
    parser.on('file', (name, stream, info) => this.onFile(name, stream, info));
    parser.on('filesLimit', () => this.refuse(this.rules.fileFields[0] ?? 'file', 'rule.fileCount', { max: this.rules.maxFiles }));
    parser.on('fieldsLimit', () => this.stop(new DomainError('BODY_TOO_LARGE')));
    parser.on('partsLimit', () => this.stop(new DomainError('BODY_TOO_LARGE')));
    parser.on('error', () => this.stop(new DomainError('INVALID_MULTIPART')));
    parser.on('close', () => this.finish());
    this.req.on('data', this.count);
    this.req.on('close', () => {
      if (!this.req.complete) this.stop(new DomainError('INVALID_MULTIPART'));
    });
    this.req.pipe(parser);
  }

  /** Bounds what a refused request may still send: the rules' largest request. */
  private readonly count = (chunk: Buffer) => {
    this.received += chunk.length;
    if (this.received <= this.rules.maxFiles * (this.rules.maxFileBytes + 1) + ENVELOPE_BYTES) return;
    this.refuse(this.rules.fileFields[0] ?? 'file', 'rule.fileSize', { max: this.rules.maxFileLabel ?? this.rules.maxFileBytes });
    this.stop();
  };

  private onField(name: string, value: string, info: busboy.FieldInfo): void {
    if (this.done) return;
    this.fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    if (info.valueTruncated || this.fieldBytes > FIELDS_TOTAL_BYTES) return this.stop(new DomainError('BODY_TOO_LARGE'));
    this.addField(name, value);
    if (!this.authorized) this.authorize();
  }

  private onFile(name: string, stream: Readable, info: busboy.FileInfo): void {
    // busboy ends a file cut short (reading stopped, client gone) with an error: it is known here already.
    stream.on('error', () => undefined);
    if (!this.authorized) this.authorize();
    // A file input left empty still sends a part, with an empty name and no bytes.
    if (info.filename === '' || this.done || this.fatal || this.problems.length) return void stream.resume();
    if (!this.rules.fileFields.includes(name)) {
      this.refuse(name, 'rule.unknown', undefined, false);
      return void stream.resume();
    }
    const file = this.limited(stream);
    const fileName = info.filename ?? 'file';
    this.stores.push(
      this.sink.put(file).then(
        (stored) => ({ ...stored, field: name, fileName, mimeType: info.mimeType }),
        (error: unknown) => {
          stream.unpipe(file);
          stream.resume();
          if (error instanceof FileTooLarge) this.refuse(name, 'rule.fileSize', { max: this.rules.maxFileLabel ?? this.rules.maxFileBytes });
          else if (!(error instanceof ReadingStopped)) this.fatal ??= error;
          return undefined;
        },
      ),
    );
  }

  /** The file's bytes, ending in an error at the byte past the limit. */
  private limited(stream: Readable): Transform {
    const max = this.rules.maxFileBytes;
    let size = 0;
    const file = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > max ? new FileTooLarge() : null, size > max ? undefined : chunk);
      },
    });
    this.writing.add(file);
    file.on('close', () => this.writing.delete(file));
    // busboy stops passing bytes one past the limit, and says so.
    stream.on('limit', () => {
      stream.unpipe(file);
      stream.resume();
      if (!file.destroyed) file.destroy(new FileTooLarge());
    });
    stream.pipe(file);
    return file;
  }

  private authorize(): void {
    this.authorized = true;
    try {
      this.rules.authorize?.(this.fields);
    } catch (error) {
      this.fatal ??= error;
      this.stop();
    }
  }

  private addField(name: string, value: string): void {
    const before = this.fields[name];
    this.fields[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }

  private refuse(field: string, rule: string, params?: Record<string, string | number>, tooLarge = true): void {
    this.tooLarge ||= tooLarge;
    if (!this.problems.some((p) => p.field === field && p.rule === rule)) this.problems.push({ field, rule, params });
  }

  /** Parses no more: files being written end in error, what is left of the body is discarded. */
  private stop(error?: unknown): void {
    // Once the reading is over, a late event (the drained connection cut) changes nothing.
    if (this.done) return;
    if (error) this.fatal ??= error;
    if (this.parser) {
      this.req.unpipe(this.parser);
      this.parser.destroy();
    }
    for (const file of this.writing) file.destroy(new ReadingStopped());
    drainRequest(this.req, this.res);
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.req.off('data', this.count);
    this.resolve();
  }
}
