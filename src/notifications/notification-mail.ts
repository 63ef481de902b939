import { DateTime, Duration } from 'luxon';
import { localized, pick } from '../common/localized.js';
import type { Actor, Locale } from '../tenancy/pack.schema.js';
import { LOCALES } from '../tenancy/pack.schema.js';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import type { MailConfig } from '../config/mail-config.js';
import type { MailIdentity } from './mail-identity.js';
import type { MailTemplates } from './mail-templates.js';
import type { MailRow } from './outbox.repository.js';
import { REPLY_MARKER } from './reply-text.js';

/** Template of each outbox topic (the pack event of the same name in `notifications.events`). */
export const TOPIC_TEMPLATES: Record<string, string> = {
  'ticket.created': 'created',
  'ticket.commented': 'commented',
  'ticket.waiting': 'information-requested',
  'ticket.resolved': 'resolved',
  'ticket.closed': 'closed',
  'ticket.reopened': 'reopened',
  'ticket.shared': 'participant-added',
  'ticket.reminder': 'reminder',
  'ticket.transitioned': 'transitioned',
  // The desk's: to the team the ticket is with.
  'ticket.reassigned': 'reassigned',
  'ticket.sla-warning': 'sla-warning',
  'ticket.sla-breached': 'sla-breached',
};

export interface OutgoingMail {
  from: string;
  to: { name: string; address: string };
  replyTo?: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo: string;
  references: string[];
  date: Date;
  headers: Record<string, string>;
}

/** Why a row can never become a mail (it goes to the dead letters at once). */
export class UndeliverableError extends Error {}

/** The recipient's language if the pack offers it, else the pack's default (French unless it says otherwise). */
export function mailLocale(pack: TenantPack, wanted: string | null): Locale {
  const offered = pack.config.locales as readonly string[];
  if (wanted && (LOCALES as readonly string[]).includes(wanted) && offered.includes(wanted)) return wanted as Locale;
  return pack.config.defaultLocale;
}

/** The variables of a notification's templates, in `locale`. */
export function mailContext(pack: TenantPack, row: MailRow, locale: Locale, config: MailConfig): Record<string, unknown> {
  const entry = (key: string) => pack.catalogue.find((c) => c.key === key);
  const leaf = row.leaf_key ? entry(row.leaf_key) : undefined;
  const catalogue = leaf ? leaf.path.map((key) => pick(entry(key)?.name, locale)) : [];
  const data = row.event_data ?? {};
  // The status the event moved the ticket to (it may have moved on before the mail is sent).
  const statusKey = stringOf(data.to) ?? stringOf(row.payload.to) ?? row.status;
  const statusSince = statusKey === row.status ? row.status_changed_at : row.created_at;
  const status = statusKey ? pack.lifecycle.statuses.get(statusKey) : undefined;
  const type = row.type ? pack.config.ticketTypes[row.type] : undefined;
  const roles = new Set<Actor>();
  if (row.recipient_id && row.recipient_id === row.requester_id) roles.add('requester');
  if (row.recipient_id && row.recipient_id === row.beneficiary_id) roles.add('beneficiary');
  if (row.recipient_participant) roles.add('participant');
  const portalName = pick(pack.config.theme.portalName ? localized(pack.config.theme.portalName) : pack.name, locale);
  return {
    event: TOPIC_TEMPLATES[row.topic] ?? 'transitioned',
    topic: row.topic,
    tenant: { id: pack.id, name: pick(pack.name, locale) },
    portalName,
    reference: row.reference,
    title: row.title,
    description: row.description,
    type: type ? pick(localized(type.label), locale) : row.type,
    typeKey: row.type,
    status: status ? pick(status.label, locale) : statusKey,
    statusKey,
    category: status?.category,
    statusSince,
    catalogue,
    cataloguePath: catalogue.join(' > '),
    leaf: leaf ? pick(leaf.name, locale) : undefined,
    establishment: row.uai ? { uai: row.uai, name: row.establishment_name } : null,
    team: row.team_name ? { name: pick(localized(row.team_name as { fr: string }), locale) } : null,
    requester: { name: row.requester_name, login: row.requester_login, email: row.requester_email },
    beneficiary: row.beneficiary_id ? { name: row.beneficiary_name } : null,
    assignee: row.assignee_id ? { name: row.assignee_name } : null,
    recipient: {
      name: row.recipient_name,
      login: row.recipient_login,
      isRequester: roles.has('requester'),
      isBeneficiary: roles.has('beneficiary'),
      isParticipant: roles.has('participant'),
      isAssignee: Boolean(row.recipient_id && row.recipient_id === row.assignee_id),
    },
    actor: row.event_actor ? { name: row.event_actor } : null,
    comment: stringOf(data.body) ?? stringOf(data.comment),
    solution: stringOf(data.solution) ?? (row.topic === 'ticket.resolved' ? row.solution : null),
    timer: stringOf(data.timer),
    notification: stringOf(row.payload.notification),
    // SLA notifications: which clock (take, resolve) and its deadline.
    clock: stringOf(row.payload.clock),
    dueAt: row.payload.dueAt ?? null,
    actions: actionsFor(pack, statusKey, row.type, roles, locale),
    closeAt: closeAt(pack, statusKey, statusSince),
    link: `${config.publicUrl}/${pack.id}/tickets/${encodeURIComponent(row.reference ?? '')}`,
    acceptReplies: pack.config.notifications.acceptReplies,
    replyMarker: REPLY_MARKER,
    createdAt: row.created_at,
  };
}

/** The whole message of one outbox row; throws UndeliverableError when there is none to send. */
export function composeMail(pack: TenantPack, row: MailRow, deps: { config: MailConfig; identity: MailIdentity; templates: MailTemplates }): OutgoingMail {
  if (!row.reference || !row.ticket_id) throw new UndeliverableError('the ticket no longer exists');
  if (!row.recipient_id || !row.recipient_name) throw new UndeliverableError('the recipient no longer exists');
  if (!row.recipient_active) throw new UndeliverableError('the recipient is inactive');
  if (!row.recipient_email) throw new UndeliverableError('the recipient has no e-mail address');
  const locale = mailLocale(pack, row.recipient_locale);
  const context = mailContext(pack, row, locale, deps.config);
  const template = TOPIC_TEMPLATES[row.topic] ?? 'transitioned';
  const names = row.topic === 'ticket.reminder' && typeof context.notification === 'string' ? [context.notification, template] : [template];
  const rendered = deps.templates.render(pack, locale, names, context);
  const thread = deps.identity.threadId(pack.id, row.ticket_id);
  return {
    from: pack.config.notifications.from ?? deps.config.from,
    to: { name: row.recipient_name, address: row.recipient_email },
    replyTo: pack.config.notifications.acceptReplies ? { name: String(context.portalName), address: deps.identity.replyTo(pack.id, row.ticket_id, row.recipient_id) } : undefined,
    ...rendered,
    messageId: deps.identity.messageId(pack.id, row.id),
    inReplyTo: thread,
    references: [thread],
    date: new Date(row.created_at),
    headers: {
      // RFC 3834: an automatic message; vacation responders must not answer it, and we must not take it for a reply.
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'X-Loop': deps.identity.loopId,
      'X-Guichet-Tenant': pack.id,
      'X-Guichet-Ticket': row.reference,
    },
  };
}

function stringOf(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value : null;
}

/** What the recipient may do in the ticket's status (e.g. close or reopen a resolved ticket). */
function actionsFor(pack: TenantPack, status: string | null, type: string | null, roles: Set<Actor>, locale: Locale): string[] {
  if (!status || !type || !roles.size) return [];
  try {
    return pack.lifecycle.allowed(status, roles, type).filter((t) => !t.on).map((t) => pick(t.label, locale));
  } catch {
    return [];
  }
}

/** When a timer will close the ticket if it stays in its status, in the tenant's calendar. */
function closeAt(pack: TenantPack, status: string | null, since: Date | null): Date | null {
  if (!status || !since) return null;
  for (const timer of pack.lifecycle.timers) {
    if (timer.when !== status || !timer.apply) continue;
    const transition = pack.lifecycle.transitions.find((t) => t.name === timer.apply && t.from.includes(status));
    const target = transition && pack.lifecycle.statuses.get(transition.to);
    if (target?.category !== 'closed') continue;
    return DateTime.fromJSDate(new Date(since), { zone: pack.config.timezone }).plus(Duration.fromISO(timer.after)).toJSDate();
  }
  return null;
}
