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
