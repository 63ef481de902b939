import type { TenantFile } from '../tenancy/pack.schema.js';

export const NOTIFICATION_EVENTS = [
  'created', 'commented', 'information-requested', 'resolved', 'closed', 'reopened', 'participant-added', 'reminder',
  'reassigned', 'sla-warning', 'sla-breached',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
export type RecipientRole = 'requester' | 'beneficiary' | 'participants' | 'head' | 'team' | 'assignee';

/** Who hears of each event when the pack says nothing. */
export const DEFAULT_RECIPIENTS: Record<NotificationEvent, RecipientRole[]> = {
  created: ['requester', 'beneficiary'],
  commented: ['requester', 'beneficiary', 'participants', 'assignee'],
  'information-requested': ['requester', 'beneficiary'],
  resolved: ['requester', 'beneficiary'],
  closed: ['requester', 'beneficiary'],
  reopened: ['assignee'],
  'participant-added': [],
  reminder: ['requester', 'beneficiary'],
  // The desk's own events: the team the ticket is (now) with.
  reassigned: ['team'],
  'sla-warning': ['team'],
  'sla-breached': ['team'],
};

/** Outbox topics and the pack event that decides their recipients. */
export const TOPIC_EVENTS: Record<string, NotificationEvent> = {
  'ticket.created': 'created',
  'ticket.commented': 'commented',
  'ticket.waiting': 'information-requested',
  'ticket.resolved': 'resolved',
  'ticket.closed': 'closed',
  'ticket.reopened': 'reopened',
  'ticket.transitioned': 'commented',
  'ticket.reminder': 'reminder',
  'ticket.reassigned': 'reassigned',
  'ticket.sla-warning': 'sla-warning',
  'ticket.sla-breached': 'sla-breached',
};

export function recipientRoles(config: TenantFile, topic: string): RecipientRole[] {
  const event = TOPIC_EVENTS[topic] ?? 'commented';
  return config.notifications.events?.[event] ?? DEFAULT_RECIPIENTS[event];
}

/**
 * A subquery giving the person ids of `roles` for the ticket row aliased `t`, for use as
 * `CROSS JOIN LATERAL (…) AS r(id)`: recipients are resolved in SQL, so a timer notifying ten
 * thousand tickets is still one statement. Pack values inlined here are keys checked by the schema.
 */
export function recipientsSql(config: TenantFile, roles: RecipientRole[], t = 't'): string {
  const headOptions = (config.visibility?.options ?? []).filter((o) => o.grants.includes('head')).map((o) => `'${o.value.replace(/'/g, "''")}'`);
  const parts: Record<RecipientRole, string> = {
    requester: `SELECT ${t}.requester_id`,
    beneficiary: `SELECT ${t}.beneficiary_id`,
    assignee: `SELECT ${t}.assignee_id`,
    participants: `SELECT p.person_id FROM ticket_participant p WHERE p.tenant_id = ${t}.tenant_id AND p.ticket_id = ${t}.id`,
    team: `SELECT tm.person_id FROM team_member tm WHERE tm.tenant_id = ${t}.tenant_id AND tm.team_id = ${t}.team_id`,
    head: headOptions.length
      ? `SELECT pe.person_id FROM person_establishment pe WHERE pe.tenant_id = ${t}.tenant_id AND pe.establishment_id = ${t}.establishment_id
           AND 'head' = ANY(pe.roles) AND ${t}.visibility IN (${headOptions.join(', ')})`
      : `SELECT NULL::uuid WHERE false`,
  };
  const unique = [...new Set(roles)];
  return unique.length ? unique.map((r) => parts[r]).join(' UNION ') : 'SELECT NULL::uuid WHERE false';
}
