import { lookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isNonPublicAddress } from './address-policy.js';

/** The outcome of one POST to a receiver. */
export interface SendOutcome {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** Resolves like the system does, then refuses a name that leads to a non-public address (no DNS rebinding: the socket connects to what was checked). */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const blocked = addresses.find((a) => isNonPublicAddress(a.address));
    if (blocked || !addresses.length) {
      const refused = Object.assign(new Error(`${hostname} resolves to ${blocked?.address ?? 'nothing'}, which is not a public address`), { code: 'ENOTPUBLIC' });
      return callback(refused, '', 0);
    }
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  });
};

/**
 * POSTs `body` to `url` with `headers`: a 2xx answer is a delivery; anything else (another
 * status, a redirect, which is not followed, a refused connection, no answer within `timeoutMs`)
 * is a failed attempt. The receiver's body is not read.
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; allowPrivateNetworks: boolean }): Promise<SendOutcome> {
  const started = performance.now();
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  // Addresses written in the URL are not looked up: they are checked here.
  if (!options.allowPrivateNetworks && isIP(host) && isNonPublicAddress(host)) return Promise.resolve({ ok: false, statusCode: null, durationMs: 0, error: `ENOTPUBLIC: ${host} is not a public address` });
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      agent: false,
      ...(options.allowPrivateNetworks ? {} : { lookup: publicLookup }),
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' })), options.timeoutMs);
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
      resolve({ ok, statusCode, durationMs: Math.round(performance.now() - started), error: ok ? null : (error ?? `HTTP ${statusCode}`) });
    };
    req.on('response', (res) => {
      finish(res.statusCode ?? null, null);
      res.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish(null, describe(error)));
    req.end(body);
  });
}

function describe(error: NodeJS.ErrnoException): string {
  const message = error instanceof AggregateError && error.errors.length ? error.errors.map((e: Error) => e.message).join(', ') : error.message;
  return `${error.code ? `${error.code}: ` : ''}${message}`.slice(0, 500);
}
