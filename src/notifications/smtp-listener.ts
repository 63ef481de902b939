import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import type { InboundMailService } from './inbound-mail.service.js';
import type { MailIdentity } from './mail-identity.js';

/**
 * An SMTP endpoint for replies (GUICHET_SMTP_LISTEN): the MTA of the reply domain relays to it.
 * It accepts only our reply addresses (any other recipient is refused at RCPT, so it is no
 * relay), hands each message to InboundMailService, and answers 451 when that fails so the
 * sending MTA tries again later.
 */
export class SmtpListener {
  private readonly logger = new Logger('SmtpListener');
  private server?: SMTPServer;

  constructor(
    private readonly inbound: InboundMailService,
    private readonly identity: MailIdentity,
    private readonly registry: TenantRegistry,
    private readonly options: { port: number; host: string; maxBytes: number },
  ) {}

  /** Starts listening; resolves with the port (useful with port 0). */
  async start(): Promise<number> {
    const server = new SMTPServer({
      name: this.identity.domain,
      banner: 'Guichet',
      size: this.options.maxBytes,
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onRcptTo: (address, _session, callback) => callback(this.acceptsRecipient(address) ? null : refusal('No such recipient here', 550)),
      onData: (stream, session, callback) => void this.receive(stream, session).then(() => callback(), (error: Error) => callback(error)),
    });
    server.on('error', (error) => this.logger.error(`SMTP listener: ${error.message}`));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    const port = (server.server.address() as AddressInfo).port;
    this.logger.log(`Receiving replies by SMTP on ${this.options.host}:${port}`);
    return port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private acceptsRecipient(address: SMTPServerAddress): boolean {
    // The signature is the recipient's: it is checked against the message's sender, after DATA.
    const parsed = this.identity.parseReplyAddress(address.address);
    return parsed !== undefined && parsed !== 'forged';
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw refusal('Message too large', 552);
    const envelope = session.envelope;
    try {
      await this.inbound.receive(Buffer.concat(chunks), {
        mailFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
        rcptTo: envelope.rcptTo.map((r) => r.address),
      });
    } catch (error) {
      this.logger.error(`Reply not processed, the sender will retry: ${(error as Error).stack ?? error}`);
      throw refusal('Temporary failure, try again later', 451);
    }
  }
}

function refusal(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}
