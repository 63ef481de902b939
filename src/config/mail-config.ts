/** How Guichet sends and receives mail; read once from the environment (see docs/notifications.md). */
/** Injection token of the deployment's MailConfig. */
export const MAIL_CONFIG = Symbol('MAIL_CONFIG');

export interface MailConfig {
  /** SMTP server for outgoing mail, e.g. `smtp://127.0.0.1:2525`; without it, outbox rows stay pending. */
  smtpUrl?: string;
  /** Domain of Message-IDs and of the default addresses. */
  domain: string;
  /** Sender of packs that set no `notifications.from`. */
  from: string;
  /** Base reply address; each notification's Reply-To is `<local>+<token>@<domain>`. */
  replyAddress: string;
  /** Key of the HMAC that signs reply addresses and Message-IDs. */
  secret: string;
  /** True when `secret` is the development default (a warning is printed at start). */
  secretIsDefault: boolean;
  /** Shared token of `POST /api/inbound-mail` (header `X-Guichet-Token`); the route is off without it. */
  inboundToken?: string;
  /** Port of the inbound SMTP listener; off when absent. */
  listenPort?: number;
  listenHost: string;
  /** Link base of the portal in mails. */
  publicUrl: string;
  /** Rows claimed per batch. */
  batchSize: number;
  /** A row the SMTP server keeps refusing is dead after this many attempts. */
  maxAttempts: number;
  /** First retry delay; doubled at each attempt, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a claimed row is reserved for the worker that claimed it. */
  leaseMs: number;
  /** Connection, greeting and socket timeouts of the SMTP client. */
  smtpTimeoutMs: number;
  /** Largest inbound message accepted. */
  maxInboundBytes: number;
}

export const DEV_SECRET = 'guichet-development-secret-do-not-use-in-production';

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

export function loadMailConfig(env: NodeJS.ProcessEnv, publicUrl: string): MailConfig {
  let host = 'localhost';
  try {
    host = new URL(publicUrl).hostname || host;
  } catch {
    // keep localhost
  }
  const domain = env.GUICHET_MAIL_DOMAIN || host;
  const listen = env.GUICHET_SMTP_LISTEN ? positive(env, 'GUICHET_SMTP_LISTEN', 0) : undefined;
  return {
    smtpUrl: env.GUICHET_SMTP_URL || undefined,
    domain,
    from: env.GUICHET_MAIL_FROM || `Guichet <no-reply@${domain}>`,
    replyAddress: env.GUICHET_REPLY_ADDRESS || `reply@${domain}`,
    secret: env.GUICHET_SECRET || DEV_SECRET,
    secretIsDefault: !env.GUICHET_SECRET,
    inboundToken: env.GUICHET_INBOUND_TOKEN || undefined,
    listenPort: listen,
    listenHost: env.GUICHET_SMTP_LISTEN_HOST || '127.0.0.1',
    publicUrl: publicUrl.replace(/\/+$/, ''),
    batchSize: Math.max(1, positive(env, 'GUICHET_OUTBOX_BATCH', 50)),
    maxAttempts: Math.max(1, positive(env, 'GUICHET_OUTBOX_MAX_ATTEMPTS', 8)),
    retryBaseMs: positive(env, 'GUICHET_OUTBOX_RETRY_MS', 60_000),
    retryMaxMs: positive(env, 'GUICHET_OUTBOX_RETRY_MAX_MS', 3_600_000),
    leaseMs: positive(env, 'GUICHET_OUTBOX_LEASE_MS', 300_000),
    smtpTimeoutMs: positive(env, 'GUICHET_SMTP_TIMEOUT_MS', 30_000),
    maxInboundBytes: positive(env, 'GUICHET_INBOUND_MAX_BYTES', 25 * 1024 * 1024),
  };
}
