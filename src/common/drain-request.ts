import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a refused request may still send, discarded, before its connection is cut. */
export const DRAIN_BUDGET_BYTES = 8 * 1024 * 1024;

const draining = new WeakSet<IncomingMessage>();

/**
 * Discards what is left of a request's body that will not be read (an answer given before it:
 * refused sign-in or CSRF, a limit hit). Up to `budget` bytes are read and dropped, so a client
 * still sending a small body gets its answer instead of a reset; past it reading stops, and the
 * connection is cut once the answer has gone. Nothing is kept in memory either way.
 */
export function drainRequest(req: IncomingMessage, res: ServerResponse, budget = DRAIN_BUDGET_BYTES): void {
  if (draining.has(req) || req.readableEnded || req.destroyed) return;
  draining.add(req);
  let seen = 0;
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= budget) return;
    req.off('data', onData);
    req.pause();
    if (!res.headersSent) res.setHeader('Connection', 'close');
    if (res.writableFinished) req.socket?.destroy();
    else res.once('finish', () => req.socket?.destroy());
  };
  req.on('data', onData);
  req.resume();
}

/** Whether a body was announced and nothing consumes it (no parser took it). */
export function bodyLeftUnread(req: IncomingMessage): boolean {
  const announced = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return announced && !req.readableEnded && !req.readableFlowing;
}
