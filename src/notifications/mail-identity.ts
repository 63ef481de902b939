import { Inject, Injectable } from '@nestjs/common';
import { MAIL_CONFIG, type MailConfig } from '../config/mail-config.js';
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a reply may carry to show that Guichet mailed this ticket to its sender:
 * - `address`: a reply address, signed for one person of one tenant — which ones, only the
 *   sender's `From` can tell (`addressIsFor`);
 * - `notification`: the Message-ID of one of our notifications (its signature already checked);
 *   its outbox row names the ticket and the recipient.
 */
export type ReplyProof = { kind: 'address'; ticketId: string; signature: string } | { kind: 'notification'; tenantId: string; outboxId: string };

const UUID_HEX = /^[0-9a-f]{32}$/;
const SIGNATURE = /^[0-9a-f]{16}$/;

/**
 * The addresses and identifiers Guichet puts in its mails, and their checks:
 * - a Reply-To per ticket **and recipient**, `<local>+<ticket id, hex>-<HMAC of tenant, ticket
 *   and person>@<domain>`: a reply proves that Guichet sent that ticket to that person, and a
 *   forged or borrowed address (another recipient's) proves nothing;
 * - one Message-ID per outbox row, hence per recipient, `<row id>.<tenant>.<HMAC>@<domain>`, the
 *   same at every retry;
 * - a thread id per ticket, `<ticket.<ticket id>.<tenant>@<domain>>`, in References and
 *   In-Reply-To: it threads the mails and proves nothing (every recipient has it).
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

  /** The reply address of the mails about `ticketId` sent to `personId`. */
  replyTo(tenantId: string, ticketId: string, personId: string): string {
    const hex = hexOf(ticketId);
    return `${this.local}+${hex}-${this.sign(`reply:${tenantId}:${hex}:${hexOf(personId)}`)}@${this.replyDomain}`;
  }

  /**
   * The ticket and signature an address carries (its shape only: the signature is checked against
   * the sender with `addressIsFor`); `base` for the plain reply address; `forged` for our local
   * part with something else after the `+`; undefined for any other address.
   */
  parseReplyAddress(address: string): Extract<ReplyProof, { kind: 'address' }> | 'forged' | 'base' | undefined {
    const at = address.lastIndexOf('@');
    if (at <= 0) return undefined;
    const localPart = address.slice(0, at).toLowerCase();
    if (localPart === this.local) return 'base';
    if (!localPart.startsWith(`${this.local}+`)) return undefined;
    const [hex, signature, ...rest] = localPart.slice(this.local.length + 1).split('-');
    if (!hex || !signature || rest.length || !UUID_HEX.test(hex) || !SIGNATURE.test(signature)) return 'forged';
    return { kind: 'address', ticketId: uuidOf(hex), signature };
  }

  /** Whether a reply address was made for this person of this tenant. */
  addressIsFor(proof: Extract<ReplyProof, { kind: 'address' }>, tenantId: string, personId: string): boolean {
    const hex = hexOf(proof.ticketId);
    return same(proof.signature, this.sign(`reply:${tenantId}:${hex}:${hexOf(personId)}`));
  }

  messageId(tenantId: string, outboxId: string): string {
    return `<${outboxId}.${tenantId}.${this.sign(`message:${tenantId}:${outboxId}`)}@${this.options.domain}>`;
  }

  threadId(tenantId: string, ticketId: string): string {
    return `<ticket.${ticketId}.${tenantId}@${this.options.domain}>`;
  }

  /**
   * One of our notifications' Message-IDs, its signature checked; `forged` for an id of our
   * domain in that shape with a wrong or no signature; undefined otherwise (thread ids included).
   */
  parseMessageId(value: string): Extract<ReplyProof, { kind: 'notification' }> | 'forged' | undefined {
    const match = /^<?([0-9a-f-]{36})\.([a-z0-9][a-z0-9-]*)(?:\.([0-9a-f]{16}))?@([^>]+)>?$/i.exec(value.trim());
    if (!match || match[4].toLowerCase() !== this.options.domain.toLowerCase()) return undefined;
    const [outboxId, tenantId, signature] = [match[1].toLowerCase(), match[2].toLowerCase(), match[3]?.toLowerCase()];
    if (!signature || !same(signature, this.sign(`message:${tenantId}:${outboxId}`))) return 'forged';
    return { kind: 'notification', tenantId, outboxId };
  }

  private sign(data: string): string {
    return createHmac('sha256', this.options.secret).update(data).digest('hex').slice(0, 16);
  }
}

function hexOf(uuid: string): string {
  return uuid.replace(/-/g, '').toLowerCase();
}

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
