import { ValidationFailed } from '../common/errors.js';
import { isIsoInstant } from '../common/input-check.js';
import type { TicketRow } from './ticket.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The keyset cursor of ticket lists (API and portal dashboards): the last row's creation instant and id. */
export function encodeTicketCursor(t: TicketRow): string {
  return Buffer.from(`${new Date(t.created_at).toISOString()}|${t.id}`).toString('base64url');
}

/** Only what encodeTicketCursor writes (400 on `cursor` otherwise): any other date or id may be one PostgreSQL cannot read. */
export function decodeTicketCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!id || !isIsoInstant(at) || !UUID.test(id)) throw new ValidationFailed([{ field: 'cursor', rule: 'rule.page' }]);
  return { createdAt: new Date(at), id };
}
