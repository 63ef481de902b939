import { FieldErrors } from '../common/errors.js';
import { isIsoInstant } from '../common/input-check.js';
import { STATUS_CATEGORIES, type StatusCategory } from '../tenancy/pack.schema.js';
import type { TicketFilter } from '../tickets/ticket.repository.js';
import { QUEUE_ORDERS, type QueueSort } from './desk.repository.js';

/** What a queue shows: filters combine (AND); lists match any of their values. */
export interface QueueQuery {
  /** A team key, `mine` (the agent's teams) or nothing (every ticket the agent sees at the desk). */
  team?: string;
  /** Default: new, open, waiting. */
  categories?: StatusCategory[];
  statuses?: string[];
  /** `me`, `none`, or a login. */
  assignee?: string;
  priorities?: string[];
  types?: string[];
  /** A catalogue node: tickets whose leaf is it or under it. */
  leaf?: string;
  /** UAI of the establishment. */
  establishment?: string;
  /** Words searched in title, description and public exchanges (French, accent-insensitive), or a reference. */
  q?: string;
  /** Only tickets whose running clock passed its warning threshold or its deadline. */
  sla?: 'warning' | 'breached';
  /** Children of this ticket (id or reference). */
  parent?: string;
  sort?: QueueSort;
  cursor?: string;
  limit?: number;
}

/** Builds the SQL conditions of a queue from its query; every value is a bound parameter. */
export class QueueFilters {
  private readonly parts: string[] = [];
  readonly params: Record<string, unknown> = {};

  add(condition: string, params: Record<string, unknown> = {}): this {
    this.parts.push(`(${condition})`);
    Object.assign(this.params, params);
    return this;
  }

  filter(): TicketFilter {
    return { where: this.parts.length ? this.parts.join(' AND ') : 'true', params: this.params };
  }
}

/** The words of a search as a prefix tsquery (`imprim:* & cdi:*`), or null when nothing searchable is left. */
export function prefixQuery(q: string): string | null {
  const words = q
    .normalize('NFC')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 || /\d/.test(w))
    .slice(0, 8);
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : null;
}

/** The categories a queue shows, checked. */
export function categoriesOf(query: QueueQuery, errors: FieldErrors): StatusCategory[] {
  const categories = query.categories ?? ['new', 'open', 'waiting'];
  if (categories.some((c) => !(STATUS_CATEGORIES as readonly string[]).includes(c))) errors.add('category', 'rule.option');
  return categories;
}

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key.map((v) => (v instanceof Date ? v.toISOString() : v === Infinity ? 'infinity' : v)))).toString('base64url');
}

const CHECKS: Record<string, (v: unknown) => boolean> = {
  boolean: (v) => typeof v === 'boolean',
  // Within what PostgreSQL's int and timestamptz read: a forged cursor is a 400, not a 500.
  int: (v) => Number.isInteger(v) && Math.abs(v as number) <= 2 ** 31 - 1,
  timestamptz: (v) => v === 'infinity' || isIsoInstant(v),
  numeric: (v) => (typeof v === 'string' || typeof v === 'number') && /^-?\d+(\.\d+)?$/.test(String(v)),
  uuid: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
};

/** The sort key a cursor carries, checked against the order's types (400 on `cursor` otherwise). */
export function decodeCursor(cursor: string, sort: QueueSort): unknown[] {
  const types = QUEUE_ORDERS[sort].types;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== types.length || !key.every((v, i) => CHECKS[types[i]](v))) {
    const errors = new FieldErrors();
    errors.add('cursor', 'rule.page');
    errors.throwIfAny();
  }
  return key as unknown[];
}
