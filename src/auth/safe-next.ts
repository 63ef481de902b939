const ORIGIN = 'http://guichet.invalid';

/**
 * Where to go after signing in: a path inside the tenant's portal, nothing else (no open redirect).
 * The path is resolved as the browser will (`..`, `%2e%2e`), and once more after one decoding (for
 * `%2f` and whatever decodes it on the way), and both must stay under `/{tenant}/`.
 */
export function safeNext(tenantId: string, next: unknown): string {
  const home = `/${tenantId}/`;
  if (typeof next !== 'string' || !next.startsWith(home) || /[\\\p{Cc}]/u.test(next)) return home;
  const resolved = resolvePath(next);
  if (!resolved?.startsWith(home)) return home;
  let decoded: string;
  try {
    decoded = decodeURIComponent(resolved);
  } catch {
    return home;
  }
  if (/[\\\p{Cc}]/u.test(decoded) || !resolvePath(decoded.replace(/[?#].*$/s, ''))?.startsWith(home)) return home;
  return resolved;
}

/** The path, query and fragment of a same-origin reference once resolved, or undefined if it leaves the origin. */
function resolvePath(path: string): string | undefined {
  try {
    const url = new URL(path, ORIGIN);
    return url.origin === ORIGIN ? `${url.pathname}${url.search}${url.hash}` : undefined;
  } catch {
    return undefined;
  }
}
