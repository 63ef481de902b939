/** Where to go after signing in: a path inside the tenant's portal, nothing else (no open redirect). */
export function safeNext(tenantId: string, next: unknown): string {
  const home = `/${tenantId}/`;
  if (typeof next !== 'string' || !next.startsWith(home) || next.startsWith('//') || /[\\\r\n]/.test(next)) return home;
  return next;
}
