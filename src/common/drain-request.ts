import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a refused request may still send, discarded, before its connection is closed. */
export const DRAIN_BUDGET_BYTES = 8 * 1024 * 1024;
/** How long a closing connection stays open after the answer, so the client reads it before the cut. */
const LINGER_MS = 2000;

const draining = new WeakSet<IncomingMessage>();

/**
 * Discards what is left of a request's body that will not be read (an answer given before it:
 * refused sign-in or CSRF, a limit hit). Up to `budget` bytes are read and dropped, so a client
 * still sending a small body gets its answer on a connection that stays usable. Past the budget
 * nothing more is read: once the answer has gone our side of the connection ends, the client's
 * writes stall on a full TCP window while it reads the answer, and a moment later the socket is
 * destroyed (cutting it at once would reset the connection before the client read the answer).
 * Nothing is kept in memory either way.
 */
export function drainRequest(req: IncomingMessage, res: ServerResponse, budget = DRAIN_BUDGET_BYTES): void {
  if (draining.has(req) || req.readableEnded || req.destroyed) return;
  draining.add(req);
  let seen = 0;
  const close = () => {
    const socket = req.socket;
    if (!socket || socket.destroyed) return;
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= budget) return;
    req.off('data', onData);
    req.pause();
    if (res.writableFinished) close();
    else res.once('finish', close);
  };
  req.on('data', onData);
  req.resume();
}

/** Whether a body was announced and nothing consumes it (no parser took it). */
export function bodyLeftUnread(req: IncomingMessage): boolean {
  const announced = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return announced && !req.readableEnded && !req.readableFlowing;
}
