import { Inject, Injectable } from '@nestjs/common';
import { MAIL_CONFIG, type MailConfig } from '../config/mail-config.js';
import { createHmac, timingSafeEqual } from 'node:crypto';

export type ParsedMessageId = { kind: 'notification' | 'ticket'; tenantId: string; id: string };
export type ReplyTarget = { tenantId: string; ticketId: string };

const UUID_HEX = /^[0-9a-f]{32}$/;

/**
 * The addresses and identifiers Guichet puts in its mails, and their checks:
 * - a signed Reply-To per ticket, `<local>+<ticket id, hex>-<HMAC of tenant and ticket>@<domain>`,
 *   so a reply finds its ticket and a forged address finds nothing;
 * - one Message-ID per outbox row, `<row id>.<tenant>@<domain>`, the same at every retry;
 * - a thread id per ticket, `<ticket.<ticket id>.<tenant>@<domain>>`, in References and In-Reply-To.
 */
@Injectable()
export class MailIdentity {
  private readonly local: string;
  private readonly replyDomain: string;

  constructor(@Inject(MAIL_CONFIG) private readonly options: Pick<MailConfig, 'secret' | 'domain' | 'replyAddress'>) {
    const at = options.replyAddress.lastIndexOf('@');
    this.local = (at > 0 ? options.replyAddress.slice(0, at) : options.replyAddress).toLowerCase();
    this.replyDomain = at > 0 ? options.replyAddress.slice(at + 1) : options.domain;
  }

  get domain(): string {
    return this.options.domain;
  }

  /** Marks our own mails (X-Loop), so that they are never taken for replies. */
  get loopId(): string {
    return `guichet@${this.options.domain}`;
  }

  replyTo(tenantId: string, ticketId: string): string {
    const hex = ticketId.replace(/-/g, '').toLowerCase();
    return `${this.local}+${hex}-${this.sign(tenantId, hex)}@${this.replyDomain}`;
  }

  /**
   * The ticket an address designates, trying each tenant's signature; `forged` when it has the
   * shape of a reply address but no tenant's signature; undefined when it is not one.
   */
  parseReplyAddress(address: string, tenantIds: string[]): ReplyTarget | 'forged' | 'base' | undefined {
    const at = address.lastIndexOf('@');
    if (at <= 0) return undefined;
    const localPart = address.slice(0, at).toLowerCase();
    if (localPart === this.local) return 'base';
    if (!localPart.startsWith(`${this.local}+`)) return undefined;
    const [hex, signature] = localPart.slice(this.local.length + 1).split('-');
    if (!hex || !signature || !UUID_HEX.test(hex)) return 'forged';
    for (const tenantId of tenantIds) {
      const expected = Buffer.from(this.sign(tenantId, hex));
      const given = Buffer.from(signature);
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        return { tenantId, ticketId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` };
      }
    }
    return 'forged';
  }

  messageId(tenantId: string, outboxId: string): string {
    return `<${outboxId}.${tenantId}@${this.options.domain}>`;
  }

  threadId(tenantId: string, ticketId: string): string {
    return `<ticket.${ticketId}.${tenantId}@${this.options.domain}>`;
  }

  /** One of our Message-IDs or thread ids, or undefined (another domain, another shape). */
  parseMessageId(value: string): ParsedMessageId | undefined {
    const match = /^<?(ticket\.)?([0-9a-f-]{36})\.([a-z0-9][a-z0-9-]*)@([^>]+)>?$/i.exec(value.trim());
    if (!match || match[4].toLowerCase() !== this.options.domain.toLowerCase()) return undefined;
    return { kind: match[1] ? 'ticket' : 'notification', id: match[2].toLowerCase(), tenantId: match[3].toLowerCase() };
  }

  private sign(tenantId: string, ticketHex: string): string {
    return createHmac('sha256', this.options.secret).update(`reply:${tenantId}:${ticketHex}`).digest('hex').slice(0, 16);
  }
}
