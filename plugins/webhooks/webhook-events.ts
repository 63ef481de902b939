import type { GuichetEventMap, GuichetEventName, TicketRecord } from '../../src/plugin-host/index.js';

/** The events a subscription may ask for: every ticket event of the core's map but the internal `ticket.changed` (people's changes are not sent: personal data). */
export const WEBHOOK_EVENTS = [
  'ticket.created',
  'ticket.transitioned',
  'ticket.commented',
  'ticket.updated',
  'ticket.assigned',
  'ticket.reassigned',
  'ticket.shared',
  'ticket.attachment-added',
] as const satisfies readonly GuichetEventName[];

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

// An event added to the map fails to compile here until it is offered (or named internal).
type Unoffered = Exclude<GuichetEventName, WebhookEvent | 'ticket.changed' | 'person.changed'>;
export const EVERY_EVENT_OFFERED: [Unoffered] extends [never] ? true : Unoffered = true;

/**
 * What each event adds to the ticket in `data`: ids and keys to read the rest through the API,
 * no texts (comments, descriptions) nor personal data, which stay behind the API's access rules.
 */
const EVENT_DATA: { [N in WebhookEvent]: (payload: GuichetEventMap[N]) => Record<string, unknown> } = {
  'ticket.created': () => ({}),
  'ticket.transitioned': (e) => ({ transition: e.transition, from: e.from, to: e.to, topic: e.topic, entry: e.entryId }),
  'ticket.commented': (e) => ({ entry: e.entryId }),
  'ticket.updated': (e) => ({ fields: e.fields }),
  'ticket.assigned': (e) => ({ assignee: e.assignee }),
  'ticket.reassigned': (e) => ({ team: e.team }),
  'ticket.shared': (e) => ({ participant: e.person }),
  'ticket.attachment-added': (e) => ({ entry: e.entryId, fileName: e.fileName }),
};

/** The ticket as a receiver sees it: what identifies it and where it stands. */
export function ticketSummary(ticket: TicketRecord) {
  return {
    id: ticket.id,
    reference: ticket.reference,
    type: ticket.type,
    status: ticket.status,
    statusCategory: ticket.status_category,
    priority: ticket.priority,
    title: ticket.title,
    createdAt: ticket.created_at,
    updatedAt: ticket.updated_at,
  };
}

/** The body of a webhook, the Standard Webhooks way: `{ type, timestamp, data }`. Built once per event, sent as is on every attempt. */
export function webhookBody<N extends WebhookEvent>(tenant: string, event: N, payload: GuichetEventMap[N]): string {
  return JSON.stringify({ type: event, timestamp: payload.at.toISOString(), data: { tenant, ticket: ticketSummary(payload.ticket), ...EVENT_DATA[event](payload) } });
}
