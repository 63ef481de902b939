import { createHmac, timingSafeEqual } from 'node:crypto';

/** The queue's notice after an action took a ticket out of the agent's sight (`?gone=`). */
export interface GoneParams {
  gone?: string;
  goneStatus?: string;
  goneSig?: string;
}

/**
 * The query of the redirect to the queue: the reference, the status the agent's action left it in,
 * and their signature with a secret of the session (its CSRF token), so that the queue shows only
 * what the action answered and never looks the ticket up.
 */
export function goneQuery(secret: string, reference: string, status: string): string {
  return new URLSearchParams({ gone: reference, goneStatus: status, goneSig: signature(secret, reference, status) }).toString();
}

export function goneSignatureMatches(secret: string, reference: string, status: string, given: string): boolean {
  const expected = Buffer.from(signature(secret, reference, status));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function signature(secret: string, reference: string, status: string): string {
  return createHmac('sha256', secret).update(`gone\n${reference}\n${status}`).digest('base64url');
}
