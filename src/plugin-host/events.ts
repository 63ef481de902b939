import type { TransitionDefinition } from '../lifecycle/lifecycle.js';
import type { TicketRecord } from './ticket-record.js';

/**
 * The history entries of a ticket (`ticket_event.type`) and what each stores in `data`.
 * The history is the audit trail: these are the only types written.
 */
export interface HistoryEntryMap {
  created: { status: string; team: string | null; leaf: string; values: Record<string, unknown> };
  routed: { team: string; rule?: string | null; source?: string; from?: string | null; reason?: string };
  'participant-added': { person: string; name: string };
  commented: { body: string };
  noted: { body: string };
  transitioned: { transition: string; from: string; to: string; comment?: string; rating?: number; solution?: string; team?: string } & Record<string, unknown>;
  'field-changed': { field: string; from: unknown; to: unknown };
  assigned: { person: string; name: string };
  'attachment-added': { fileName: string; size: number };
  requalified: { reason: string; changes: Record<string, unknown> };
  linked: { parent: string };
  'child-linked': { child: string };
  unlinked: { parent: string | null };
  'parent-resolved': { parent: string };
  /** Moved by pack sync when a pack dropped the ticket's status or team (public for a status, private for a team). */
  'pack-moved': { status?: { from: string; to: string }; team?: { from: string; to: string } };
  reminded: Record<string, unknown>;
  'sla-warned': Record<string, unknown>;
  'sla-breached': Record<string, unknown>;
}

export type HistoryEntryType = keyof HistoryEntryMap;

/** A change of a ticket's row, inside the transaction that made it. */
export interface TicketChange {
  /** The row before the change; null at creation. */
  before: TicketRecord | null;
  after: TicketRecord;
  at: Date;
  /** The transition applied, when the change is one. */
  transition?: TransitionDefinition;
  /** The solution given with a transition. */
  solution?: string;
}

/**
 * Every event of the core, by name (`domain.past-verb`), with its payload. Subscribers run in
 * the transaction that published it (outbox rows, SLA clocks) or after it commits.
 */
export interface GuichetEventMap {
  /** Any change of a ticket's row (creation included): what in-transaction rules follow. */
  'ticket.changed': TicketChange;
  'ticket.created': { ticket: TicketRecord; at: Date };
  /** A transition applied; `topic` is the notification it means (`ticket.resolved`, `ticket.reopened`…). */
  'ticket.transitioned': { ticket: TicketRecord; before: TicketRecord; transition: string; from: string; to: string; topic: string; entryId: string; at: Date };
  /** A public exchange (private notes are not announced). */
  'ticket.commented': { ticket: TicketRecord; entryId: string; at: Date };
  'ticket.updated': { ticket: TicketRecord; before: TicketRecord; fields: string[]; at: Date };
  'ticket.assigned': { ticket: TicketRecord; before: TicketRecord; assignee: string; at: Date };
  /** Routed to another team (by an agent, a requalification or a rule). */
  'ticket.reassigned': { ticket: TicketRecord; team: string | null; at: Date };
  /** A participant added: they alone are told. */
  'ticket.shared': { ticket: TicketRecord; person: string; at: Date };
  'ticket.attachment-added': { ticket: TicketRecord; entryId: string; fileName: string; at: Date };
  /** An administrator changed a person (roles, deactivation…): what caches of the person (API tokens) must forget. */
  'person.changed': { personId: string; login: string; active: boolean; roles: string[]; at: Date };
}

export type GuichetEventName = keyof GuichetEventMap;

/** When a subscriber runs: inside the publishing transaction (its failure rolls the action back), or after commit. */
export type SubscriberPhase = 'transaction' | 'after-commit';
