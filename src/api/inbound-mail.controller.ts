import { InboundMailService } from '../notifications/inbound-mail.service.js';
import { MAIL_CONFIG, type MailConfig } from '../config/mail-config.js';
import { timingSafeEqual } from 'node:crypto';
import { Controller, Headers, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError, ValidationFailed } from '../common/errors.js';

/**
 * Replies by mail from an MTA: `POST /api/inbound-mail` with the raw RFC 822 message as body
 * and the shared token in `X-Guichet-Token` (GUICHET_INBOUND_TOKEN; the route is off without
 * it). `?sender=` and `?recipient=` may pass the SMTP envelope. Answers 202 whether the reply
 * was posted or ignored (the MTA must not bounce either), 5xx when it should try again.
 */
@ApiExcludeController()
@Controller('api/inbound-mail')
export class InboundMailController {
  constructor(private readonly inbound: InboundMailService,
    @Inject(MAIL_CONFIG) private readonly mail: MailConfig) {}

  @Post()
  @HttpCode(202)
  async receive(@Req() req: Request, @Headers('x-guichet-token') token: string | undefined) {
    const expected = this.mail.inboundToken;
    if (!expected) throw new DomainError('NOT_FOUND');
    if (!token || !same(token, expected)) throw new DomainError('UNAUTHENTICATED');
    const raw = await readBody(req, this.mail.maxInboundBytes);
    if (!raw.length) throw new ValidationFailed([{ field: 'body', rule: 'rule.required' }]);
    const query = (name: string) => [req.query[name]].flat().filter((v): v is string => typeof v === 'string');
    const sender = query('sender');
    return this.inbound.receive(raw, { mailFrom: sender.length ? sender[0] : undefined, rcptTo: query('recipient') });
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The request body as bytes; Express has not parsed it (message/rfc822, text/plain…), unless it was JSON or a form. */
async function readBody(req: Request, max: number): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === 'string') return Buffer.from(req.body);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new DomainError('PAYLOAD_TOO_LARGE', { max: `${max} B` });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
