import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../common/request-context.js';
import type { TicketActionsService } from '../tickets/ticket-actions.service.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import type { MailIdentity, ReplyTarget } from './mail-identity.js';
import type { OutboxRepository } from './outbox.repository.js';
import { stripQuoted } from './reply-text.js';
import { storableText } from '../common/input-check.js';

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
  | 'unknown-ticket' | 'unknown-sender' | 'empty' | 'duplicate' | 'refused';

const AUTO_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply']);
const ROBOT_SENDERS = /^(mailer-daemon|postmaster|no-?reply|ne-?pas-?repondre)@/i;

/**
 * Replies by mail. A reply is matched to its ticket by the signed Reply-To address (or by the
 * References / In-Reply-To naming one of our Message-IDs), must come from the ticket's requester,
 * beneficiary or a participant (by e-mail), and becomes a public exchange posted as that person —
 * so the pack's `on: comment` transitions apply. Automatic mail (RFC 3834), bounces and our own
 * notifications are dropped, and a message delivered twice is posted once.
 */
export class InboundMailService {
  private readonly logger = new Logger('InboundMail');

  constructor(
    private readonly registry: TenantRegistry,
    private readonly context: (tenantId: string) => RequestContext,
    private readonly actions: TicketActionsService,
    private readonly outbox: OutboxRepository,
    private readonly identity: MailIdentity,
    private readonly clock: Clock,
  ) {}

  async receive(raw: Buffer, envelope: Envelope = {}): Promise<InboundOutcome> {
    const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    const outcome = await this.handle(mail, raw, envelope);
    this.logger.log(`${mail.messageId ?? '(no Message-ID)'}: ${outcome.status}${outcome.status === 'ignored' ? ` (${outcome.reason})` : ''}${outcome.ticket ? ` ${outcome.tenant}/${outcome.ticket}` : ''}`);
    return outcome;
  }

  private async handle(mail: ParsedMail, raw: Buffer, envelope: Envelope): Promise<InboundOutcome> {
    const automatic = this.automatic(mail, envelope);
    if (automatic) return { status: 'ignored', reason: automatic };
    const from = addresses(mail.from)[0]?.toLowerCase();
    if (!from) return { status: 'ignored', reason: 'no-sender' };
    if (ROBOT_SENDERS.test(from)) return { status: 'ignored', reason: 'bounce' };

    const target = await this.target(mail, envelope);
    if (target === 'forged' || !target) return { status: 'ignored', reason: target === 'forged' ? 'forged-address' : 'unmatched' };
    const pack = this.registry.all().find((p) => p.id === target.tenantId)!;
    if (!pack.config.notifications.acceptReplies) return { status: 'ignored', reason: 'replies-disabled', tenant: pack.id };

    const ctx = this.context(pack.id);
    const [ticket] = await ctx.query<{ reference: string }>(`SELECT reference FROM ticket WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, target.ticketId]);
    if (!ticket) return { status: 'ignored', reason: 'unknown-ticket', tenant: pack.id };
    const [person] = await ctx.query<{ id: string; login: string; display_name: string; roles: string[] }>(
      `SELECT p.id, p.login, p.display_name, p.roles FROM ticket t
       JOIN person p ON p.tenant_id = t.tenant_id AND p.active
         AND (p.id IN (t.requester_id, t.beneficiary_id)
              OR EXISTS (SELECT 1 FROM ticket_participant x WHERE x.tenant_id = t.tenant_id AND x.ticket_id = t.id AND x.person_id = p.id))
       WHERE t.tenant_id = $1 AND t.id = $2 AND $3 IN (lower(p.email), lower(p.notification_email))
       ORDER BY (p.id = t.requester_id) DESC, (p.id = t.beneficiary_id) DESC LIMIT 1`,
      [ctx.tenantId, target.ticketId, from],
    );
    const where = { tenant: pack.id, ticket: ticket.reference };
    if (!person) return { status: 'ignored', reason: 'unknown-sender', ...where };

    const limit = pack.config.limits.commentMaxLength;
    // A quoted-printable =00 decodes to NUL, which PostgreSQL refuses: the MTA would retry a 500 forever.
    let body = stripQuoted(storableText(mail.text ?? ''));
    if (!body) return { status: 'ignored', reason: 'empty', ...where };
    if (body.length > limit) body = `${body.slice(0, limit - 1)}…`;

    const key = mail.messageId?.trim() || `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    const asPerson = ctx.withActor({ kind: 'person', id: person.id, login: person.login, displayName: person.display_name, roles: person.roles });
    try {
      const posted = await asPerson.transaction(async (tx) => {
        const fresh = await tx.query(
          `INSERT INTO inbound_mail (tenant_id, message_key, ticket_id, person_id, received_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING RETURNING message_key`,
          [tx.tenantId, key, target.ticketId, person.id, this.clock.now()],
        );
        if (!fresh.length) return false;
        await this.actions.comment(tx, target.ticketId, body);
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

  /** The ticket the mail answers: a signed reply address first, then our Message-IDs in References / In-Reply-To. */
  private async target(mail: ParsedMail, envelope: Envelope): Promise<ReplyTarget | 'forged' | undefined> {
    const tenants = this.registry.all().map((p) => p.id);
    const candidates = [
      ...(envelope.rcptTo ?? []),
      ...addresses(mail.to),
      ...addresses(mail.cc),
      ...['delivered-to', 'x-original-to'].flatMap((h) => [mail.headers.get(h)].flat().filter(Boolean).map((v) => String(typeof v === 'object' && v && 'text' in v ? (v as AddressObject).text : v))),
    ];
    let forged = false;
    for (const address of candidates) {
      const parsed = this.identity.parseReplyAddress(address.replace(/^.*<|>.*$/g, '').trim(), tenants);
      if (parsed === 'forged') forged = true;
      else if (parsed && parsed !== 'base') return parsed;
    }
    const ids = [mail.inReplyTo ?? [], mail.references ?? []].flat().flatMap((v) => v.split(/\s+/)).filter(Boolean);
    for (const id of ids) {
      const parsed = this.identity.parseMessageId(id);
      if (!parsed || !tenants.includes(parsed.tenantId)) continue;
      if (parsed.kind === 'ticket') return { tenantId: parsed.tenantId, ticketId: parsed.id };
      const ticketId = await this.outbox.ticketOf(this.context(parsed.tenantId), parsed.id);
      if (ticketId) return { tenantId: parsed.tenantId, ticketId };
    }
    return forged ? 'forged' : undefined;
  }
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return [field ?? []].flat().flatMap((a) => a.value.flatMap((v) => (v.group ? v.group.map((g) => g.address) : [v.address]))).filter((a): a is string => Boolean(a));
}
