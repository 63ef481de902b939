/**
 * How many round trips and statements this process sent to PostgreSQL through RequestContext,
 * for the HTTP benchmark (statements per request) and for tests that pin a statement budget.
 * Counting is two additions per round trip; nothing reads it on the request path.
 */
export interface QueryStats {
  /** Messages sent and answered: one per `ctx.query`, one for BEGIN with the tenant, one for COMMIT. */
  roundTrips: number;
  /** SQL statements PostgreSQL ran (a round trip that enters the tenant and runs a statement is two). */
  statements: number;
}

const stats: QueryStats = { roundTrips: 0, statements: 0 };

export function countQuery(statements: number): void {
  stats.roundTrips += 1;
  stats.statements += statements;
}

export function queryStats(): QueryStats {
  return { ...stats };
}
