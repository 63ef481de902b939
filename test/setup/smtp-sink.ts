import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  raw: Buffer;
  mail: ParsedMail;
  envelope: { from: string; to: string[] };
}

/**
 * A real SMTP server on loopback for the tests, whose behaviour can be changed between sends:
 * accept, refuse the next messages with a reply code, drop the connection in the middle of the
 * next messages (before accepting them), or be down altogether (nothing listening).
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private server?: SMTPServer;
  private refusals: { count: number; code: number } = { count: 0, code: 550 };
  private drops = 0;
  port = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (this.drops > 0) {
            // The connection breaks mid-message: the server never says it accepted it.
            this.drops--;
            stream.removeAllListeners('data');
            stream.resume();
            for (const connection of server.connections) if (connection.id === session.id) connection._socket.destroy();
          }
        });
        stream.on('end', () => {
          if (stream.destroyed || !chunks.length) return;
          if (this.refusals.count > 0) {
            this.refusals.count--;
            return callback(Object.assign(new Error('Mailbox temporarily refused'), { responseCode: this.refusals.code }));
          }
          const raw = Buffer.concat(chunks);
          void simpleParser(raw).then((mail) => {
            this.received.push({
              raw,
              mail,
              envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
            });
            callback();
          }, callback);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Nothing listens any more (connections cut); `start()` brings it back on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const connection of server.connections) connection._socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  refuseNext(count: number, code = 550): void {
    this.refusals = { count, code };
  }

  dropNext(count: number): void {
    this.drops = count;
  }

  clear(): void {
    this.received.length = 0;
  }

  /** Mails received for `address`. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((r) => r.envelope.to.includes(address));
  }

  messageIds(): string[] {
    return this.received.map((r) => r.mail.messageId ?? '');
  }
}
