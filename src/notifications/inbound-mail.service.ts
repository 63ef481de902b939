import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { TenantContexts } from '../tenancy/tenant-contexts.js';
import { isDataRefusal } from '../database/database-errors.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { TenantRegistry } from '../tenancy/tenant-registry.js';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import { InboundMailRepository, type ReplyingPerson } from './inbound-mail.repository.js';
import { MailIdentity, type ReplyProof } from './mail-identity.js';
import { OutboxRepository } from './outbox.repository.js';
import { storableText, stripQuoted } from './reply-text.js';

/** The SMTP envelope, when the mail came through one (our listener, or an MTA passing it on). */
export interface Envelope {
  /** MAIL FROM; '' is the null sender of bounces. */
  mailFrom?: string;
  rcptTo?: string[];
}

export type InboundOutcome =
  | { status: 'posted'; tenant: string; ticket: string; person: string }
  | { status: 'ignored'; reason: InboundIgnoredReason; tenant?: string; ticket?: string };

export type InboundIgnoredReason =
  | 'auto-submitted' | 'bounce' | 'loop' | 'no-sender' | 'unmatched' | 'forged-address' | 'replies-disabled'
  | 'unknown-ticket' | 'unknown-sender' | 'empty' | 'duplicate' | 'refused' | 'unprocessable';

const AUTO_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);
const ROBOT_SENDERS = /^(mailer-daemon|postmaster|no-?reply|ne-?pas-?repondre)@/i;

/** Longest Message-ID recorded as it is; a longer one is recorded by its hash (index entries are bounded). */
const MAX_KEY_LENGTH = 250;

/** Who a reply comes from, once proved: the ticket, and the person it is posted as. */
interface ProvedSender {
  status: 'proved';
  ctx: RequestContext;
  pack: TenantPack;
  ticketId: string;
  reference: string;
  person: ReplyingPerson;
}

/** A ticket a proof may designate, and the test of the person it was sent to. */
interface Claim {
  pack: TenantPack;
  ticketId: string;
  isFor: (personId: string) => boolean;
}

/**
 * Replies by mail. A reply is posted only with proof that Guichet mailed that ticket to its
 * sender: the reply address signed for that recipient, or the signed Message-ID of a notification
 * sent to them (In-Reply-To / References); and its `From` must be that person's e-mail. A thread
 * id, another recipient's address or Message-ID, or a forged one posts nothing. The reply becomes
 * a public exchange posted as that person — so the pack's `on: comment` transitions apply.
 * Automatic mail (RFC 3834), bounces and our own notifications are dropped, a message delivered
 * twice is posted once, and a message that can never be stored is dropped rather than retried.
 */
@Injectable()
export class InboundMailService {
  private readonly logger = new Logger('InboundMail');

  constructor(
    private readonly registry: TenantRegistry,
    private readonly contexts: TenantContexts,
    private readonly repository: InboundMailRepository,
    private readonly actions: TicketActionsService,
    private readonly outbox: OutboxRepository,
    private readonly identity: MailIdentity,
    private readonly clock: Clock,
  ) {}

  /**
   * Handles one message. Throws only when Guichet itself failed (the database is unreachable…):
   * the sender should then try again. Everything that depends on the message alone gives an outcome.
   */
  async receive(raw: Buffer, envelope: Envelope = {}): Promise<InboundOutcome> {
    let mail: ParsedMail | undefined;
    let outcome: InboundOutcome;
    try {
      mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
      outcome = await this.handle(mail, raw, envelope);
    } catch (error) {
      // The same bytes would fail the same way at every delivery: dropped, not retried.
      if (mail && !isDataRefusal(error)) throw error;
      this.logger.warn(`Reply dropped, it cannot be stored: ${(error as Error).message}`);
      outcome = { status: 'ignored', reason: 'unprocessable' };
    }
    this.logger.log(`${mail?.messageId ?? '(no Message-ID)'}: ${outcome.status}${outcome.status === 'ignored' ? ` (${outcome.reason})` : ''}${outcome.ticket ? ` ${outcome.tenant}/${outcome.ticket}` : ''}`);
    return outcome;
  }

  private async handle(mail: ParsedMail, raw: Buffer, envelope: Envelope): Promise<InboundOutcome> {
    const automatic = this.automatic(mail, envelope);
    if (automatic) return { status: 'ignored', reason: automatic };
    const from = storableText(addresses(mail.from)[0] ?? '').trim().toLowerCase();
    if (!from) return { status: 'ignored', reason: 'no-sender' };
    if (ROBOT_SENDERS.test(from)) return { status: 'ignored', reason: 'bounce' };

    const { proofs, forged } = this.proofs(mail, envelope);
    if (!proofs.length) return { status: 'ignored', reason: forged ? 'forged-address' : 'unmatched' };
    let refusal: InboundOutcome | undefined;
    for (const proof of proofs) {
      const sender = await this.sender(proof, from);
      if (sender.status === 'proved') return this.post(sender, mail, raw);
      refusal ??= sender;
    }
    return refusal!;
  }

  /** The person a proof designates, if `from` is that person's address; else why not. */
  private async sender(proof: ReplyProof, from: string): Promise<ProvedSender | InboundOutcome> {
    for (const claim of await this.claims(proof)) {
      const ctx = this.contexts.for(claim.pack.id);
      const reference = await this.repository.ticketReference(ctx, claim.ticketId);
      if (!reference) continue;
      if (!claim.pack.config.notifications.acceptReplies) return { status: 'ignored', reason: 'replies-disabled', tenant: claim.pack.id };
      const where = { tenant: claim.pack.id, ticket: reference };
      const people = await this.repository.peopleByAddress(ctx, claim.ticketId, from);
      if (!people.length) return { status: 'ignored', reason: 'unknown-sender', ...where };
      // Someone of the ticket, but the proof is not theirs: a reply sent as somebody else.
      const person = people.find((p) => claim.isFor(p.id));
      if (!person) return { status: 'ignored', reason: 'forged-address', ...where };
      return { status: 'proved', ctx, pack: claim.pack, ticketId: claim.ticketId, reference, person };
    }
    return { status: 'ignored', reason: 'unknown-ticket' };
  }

  /** The tickets a proof may designate: a reply address names no tenant (each one is tried), a Message-ID its outbox row. */
  private async claims(proof: ReplyProof): Promise<Claim[]> {
    if (proof.kind === 'address') {
      return this.registry.all().map((pack) => ({ pack, ticketId: proof.ticketId, isFor: (personId: string) => this.identity.addressIsFor(proof, pack.id, personId) }));
    }
    const pack = this.registry.all().find((p) => p.id === proof.tenantId);
    const row = pack && (await this.outbox.recipientOf(this.contexts.for(pack.id), proof.outboxId));
    return pack && row ? [{ pack, ticketId: row.ticketId, isFor: (personId: string) => personId === row.recipientId }] : [];
  }

  private async post(sender: ProvedSender, mail: ParsedMail, raw: Buffer): Promise<InboundOutcome> {
    const { ctx, pack, ticketId, person } = sender;
    const where = { tenant: pack.id, ticket: sender.reference };
    const limit = pack.config.limits.commentMaxLength;
    // A quoted-printable =00 decodes to NUL, which PostgreSQL refuses: the MTA would retry a 500 forever.
    let body = stripQuoted(storableText(mail.text ?? ''));
    if (!body) return { status: 'ignored', reason: 'empty', ...where };
    if (body.length > limit) body = `${body.slice(0, limit - 1)}…`;

    const key = messageKey(mail.messageId, raw);
    const asPerson = ctx.withActor({ kind: 'person', id: person.id, login: person.login, displayName: person.display_name, roles: person.roles });
    try {
      const posted = await asPerson.transaction(async (tx) => {
        if (!(await this.repository.recordOnce(tx, key, ticketId, person.id, this.clock.now()))) return false;
        await this.actions.comment(tx, ticketId, body);
        return true;
      });
      if (!posted) return { status: 'ignored', reason: 'duplicate', ...where };
    } catch (error) {
      // The person may not comment here (closed ticket, read-only participant…): nothing is posted.
      if (error instanceof DomainError) return { status: 'ignored', reason: 'refused', ...where };
      throw error;
    }
    return { status: 'posted', ...where, person: person.login };
  }

  /** Why a message is automatic (RFC 3834 and common practice), or undefined for a person's mail. */
  private automatic(mail: ParsedMail, envelope: Envelope): InboundIgnoredReason | undefined {
    // Raw header lines: mailparser turns some (Return-Path, Content-Type) into structures.
    const header = (name: string) => {
      const line = mail.headerLines.find((h) => h.key === name)?.line;
      return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).replace(/\s+/g, ' ').trim().toLowerCase();
    };
    if (mail.headers.has('x-guichet-tenant') || (header('x-loop') ?? '').includes(this.identity.loopId.toLowerCase())) return 'loop';
    const auto = header('auto-submitted');
    if (auto && auto !== 'no') return 'auto-submitted';
    if (AUTO_PRECEDENCE.has(header('precedence') ?? '')) return 'auto-submitted';
    if (mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond')) return 'auto-submitted';
    if (envelope.mailFrom === '' || /^<\s*>$/.test(header('return-path') ?? '')) return 'bounce';
    if ((header('content-type') ?? '').startsWith('multipart/report')) return 'bounce';
    return undefined;
  }

  /**
   * What the mail shows of having been sent by Guichet: signed reply addresses among its
   * recipients (envelope, To, Cc, Delivered-To, X-Original-To), then our signed Message-IDs in
   * In-Reply-To / References. `forged` when something had our shape without a valid signature.
   */
  private proofs(mail: ParsedMail, envelope: Envelope): { proofs: ReplyProof[]; forged: boolean } {
    const recipients = [
      ...(envelope.rcptTo ?? []),
      ...addresses(mail.to),
      ...addresses(mail.cc),
      ...['delivered-to', 'x-original-to'].flatMap((h) => [mail.headers.get(h)].flat().filter(Boolean).map((v) => String(typeof v === 'object' && v && 'text' in v ? (v as AddressObject).text : v))),
    ];
    const ids = [mail.inReplyTo ?? [], mail.references ?? []].flat().flatMap((v) => v.split(/\s+/)).filter(Boolean);
    const parsed = [
      ...recipients.map((address) => this.identity.parseReplyAddress(address.replace(/^.*<|>.*$/g, '').trim())),
      ...ids.map((id) => this.identity.parseMessageId(id)),
    ];
    // The same proof often comes twice (envelope and To, In-Reply-To and References): checked once.
    const proofs = new Map<string, ReplyProof>();
    for (const proof of parsed) if (typeof proof === 'object') proofs.set(JSON.stringify(proof), proof);
    return { proofs: [...proofs.values()], forged: parsed.includes('forged') };
  }
}

/** The key a message is recorded under: its Message-ID, or a hash (of the message without one, of an id too long or odd to index). */
function messageKey(messageId: string | undefined, raw: Buffer): string {
  const id = messageId?.trim();
  if (id && id.length <= MAX_KEY_LENGTH && storableText(id) === id) return id;
  return `sha256:${createHash('sha256').update(id || raw).digest('hex')}`;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return [field ?? []].flat().flatMap((a) => a.value.flatMap((v) => (v.group ? v.group.map((g) => g.address) : [v.address]))).filter((a): a is string => Boolean(a));
}
