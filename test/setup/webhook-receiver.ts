import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  path: string;
}

/** How the receiver answers one request: a status, after a delay. */
export type Answer = { status: number; delayMs?: number };

/**
 * A real HTTP server on loopback that records the webhooks it receives and answers as the test
 * says (by default 204 at once), for the webhooks plugin's tests.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private answers: Answer[] = [];
  private fallback: Answer = { status: 204 };

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        receiver.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
        const answer = receiver.answers.shift() ?? receiver.fallback;
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(answer.status).end('ok');
        }, answer.delayMs ?? 0).unref();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** The next requests get these answers, in order; then the fallback. */
  answerNext(...answers: Answer[]): void {
    this.answers.push(...answers);
  }

  answerAlways(answer: Answer): void {
    this.fallback = answer;
  }

  /** The ids of what was received (webhook-id header), in order. */
  ids(): string[] {
    return this.received.map((r) => String(r.headers['webhook-id']));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port nothing listens on (a receiver that is down). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
