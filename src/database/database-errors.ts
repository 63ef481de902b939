/**
 * Whether PostgreSQL refused the data itself: SQLSTATE class 22 (data exception, e.g. a NUL in
 * text or JSON) or 54 (program limit exceeded, e.g. a value too large for an index). The same
 * statement with the same data fails the same way every time, so retrying it is pointless.
 */
export function isDataRefusal(error: unknown): boolean {
  const failure = error as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  const code = failure?.driverError?.code ?? failure?.code;
  return typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code);
}

/** Seconds a client should wait before retrying while the database is unreachable. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Whether the database could not be reached or went away: a refused or reset connection, the
 * pool timing out, PostgreSQL shutting down or starting (SQLSTATE 57P01–57P03), or a connection
 * failure (class 08). Nothing was committed: the client may retry.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const failure = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown; message?: unknown } } | null | undefined;
  if (!failure || typeof failure !== 'object') return false;
  const code = failure.driverError?.code ?? failure.code;
  if (typeof code === 'string' && (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code))) return true;
  const message = String(failure.driverError?.message ?? failure.message ?? '');
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|terminating connection/i.test(message);
}
