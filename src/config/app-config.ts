import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { loadMailConfig, type MailConfig } from './mail-config.js';
import { parseTrustProxy, type TrustProxy } from '../common/security-headers.js';
import { defaultLogFormat, type LogFormat } from '../observability/logger.js';

/** Log lines: JSON (one object per line) or text, and the lowest level written. */
export interface LogConfig {
  format: LogFormat;
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** How often each background job runs, in milliseconds; 0 (or absent) turns it off. */
export interface JobIntervals {
  timersMs?: number;
  outboxMs?: number;
  /** Every plugin task (e.g. the webhooks' deliveries), each on its own interval of this length. */
  pluginTasksMs?: number;
}

/** Injection token of the deployment's AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** Deployment configuration, read once from the environment. */
export interface AppConfig {
  port: number;
  /** Address the HTTP server binds (GUICHET_HOST): loopback by default, `0.0.0.0` in a container. */
  host?: string;
  /** PostgreSQL URL; without it Guichet runs on an embedded PostgreSQL (PGlite). */
  databaseUrl?: string;
  /** Folder of the embedded database. */
  dataDir: string;
  /** Folder of tenant packs. */
  tenantsDir: string;
  /** Packs this deployment serves (all of the folder when absent), from GUICHET_TENANTS=a,b. */
  tenants?: string[];
  /** Folder where the local storage driver keeps attachments. */
  storageDir: string;
  /** The environment `${VAR}` in packs' sign-in and plugin options is read from (this process's when absent). */
  env?: Record<string, string | undefined>;
  /** Demo mode: demo data and the demo sign-in are allowed. */
  demo: boolean;
  /** Public base URL, for links in mails. */
  publicUrl: string;
  /** SMTP out, replies in (GUICHET_SMTP_URL, GUICHET_SECRET…); see docs/notifications.md. */
  mail?: MailConfig;
  /** The attachment storage driver: `local` (the core's folder driver) or a plugin's (GUICHET_STORAGE_DRIVER). */
  storageDriver?: string;
  /** Its options, from GUICHET_STORAGE_OPTIONS (JSON). */
  storageOptions?: unknown;
  /** Plugins from outside the tree, by npm package name or path (GUICHET_PLUGINS=a,./b): see docs/plugins.md. */
  plugins?: string[];
  /** Background jobs' intervals (GUICHET_TIMER_INTERVAL_MS, GUICHET_OUTBOX_INTERVAL_MS, GUICHET_PLUGIN_TASK_INTERVAL_MS). */
  jobs?: JobIntervals;
  /** Express's `trust proxy` (GUICHET_TRUST_PROXY), so that cookies are `Secure` behind a TLS proxy; see docs/security.md. */
  trustProxy?: TrustProxy;
  /** Log format and level (GUICHET_LOG_FORMAT, GUICHET_LOG_LEVEL); text in development, JSON otherwise. */
  log?: LogConfig;
  /** Graceful shutdown (GUICHET_SHUTDOWN_TIMEOUT_MS, GUICHET_SHUTDOWN_DELAY_MS): how long requests in flight may take, how long readiness says 503 before the listener closes. */
  shutdown?: { timeoutMs: number; delayMs: number };
  /** Prometheus metrics: `/metrics` on the main port for this bearer token (GUICHET_METRICS_TOKEN), and/or on a port of their own (GUICHET_METRICS_PORT, GUICHET_METRICS_HOST). */
  metrics?: { token?: string; port?: number; host?: string };
}

const root = resolve(import.meta.dirname, '..', '..', ...(import.meta.dirname.includes(`${'/'}dist${'/'}`) ? ['..'] : []));

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const dataDir = resolve(env.GUICHET_DATA_DIR ?? resolve(root, '.data'));
  return {
    port,
    host: parseHost(env.GUICHET_HOST),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    tenantsDir: resolve(env.GUICHET_TENANTS_DIR ?? resolve(root, 'tenants')),
    tenants: env.GUICHET_TENANTS ? env.GUICHET_TENANTS.split(',').map((t) => t.trim()).filter(Boolean) : undefined,
    storageDir: resolve(env.GUICHET_STORAGE_DIR ?? resolve(dataDir, 'attachments')),
    demo: env.GUICHET_DEMO ? env.GUICHET_DEMO === 'true' : !env.DATABASE_URL,
    env,
    publicUrl: env.GUICHET_PUBLIC_URL ?? `http://localhost:${port}`,
    mail: loadMailConfig(env, env.GUICHET_PUBLIC_URL ?? `http://localhost:${port}`),
    storageDriver: env.GUICHET_STORAGE_DRIVER || undefined,
    storageOptions: jsonOption(env, 'GUICHET_STORAGE_OPTIONS'),
    plugins: env.GUICHET_PLUGINS ? env.GUICHET_PLUGINS.split(',').map((p) => p.trim()).filter(Boolean) : undefined,
    jobs: { timersMs: interval(env, 'GUICHET_TIMER_INTERVAL_MS', 60_000), outboxMs: interval(env, 'GUICHET_OUTBOX_INTERVAL_MS', 10_000), pluginTasksMs: interval(env, 'GUICHET_PLUGIN_TASK_INTERVAL_MS', 10_000) },
    trustProxy: parseTrustProxy(env.GUICHET_TRUST_PROXY),
    log: loadLogConfig(env),
    metrics: loadMetricsConfig(env),
    shutdown: { timeoutMs: milliseconds(env, 'GUICHET_SHUTDOWN_TIMEOUT_MS', 10_000), delayMs: milliseconds(env, 'GUICHET_SHUTDOWN_DELAY_MS', 0) },
  };
}

function jsonOption(env: NodeJS.ProcessEnv, name: string): unknown {
  const raw = env[name];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`${name} must be JSON (e.g. {"bucket":"guichet"}), got "${raw.slice(0, 40)}"`);
  }
}

export function loadLogConfig(env: NodeJS.ProcessEnv, isTTY = Boolean(process.stdout.isTTY)): LogConfig {
  const format = env.GUICHET_LOG_FORMAT || defaultLogFormat(env, isTTY);
  if (format !== 'json' && format !== 'text') throw new Error(`GUICHET_LOG_FORMAT must be "json" or "text", got "${format}"`);
  const level = env.GUICHET_LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new Error(`GUICHET_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  return { format, level: level as LogConfig['level'] };
}

/** An IP address (v4 or v6) or a host name; loopback when absent. */
export function parseHost(value: string | undefined, name = 'GUICHET_HOST'): string {
  if (value === undefined || value === '') return '127.0.0.1';
  if (isIP(value) || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value)) return value;
  throw new Error(`${name} must be an IP address or a host name to bind (127.0.0.1, 0.0.0.0, ::), got "${value}"`);
}

function loadMetricsConfig(env: NodeJS.ProcessEnv): AppConfig['metrics'] {
  const token = env.GUICHET_METRICS_TOKEN || undefined;
  if (token !== undefined && token.length < 16) throw new Error('GUICHET_METRICS_TOKEN must be at least 16 characters (a random secret)');
  let port: number | undefined;
  if (env.GUICHET_METRICS_PORT) {
    port = Number(env.GUICHET_METRICS_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`GUICHET_METRICS_PORT must be a port number, got "${env.GUICHET_METRICS_PORT}"`);
  }
  const host = env.GUICHET_METRICS_HOST ? parseHost(env.GUICHET_METRICS_HOST, 'GUICHET_METRICS_HOST') : undefined;
  return { token, port, host };
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number of milliseconds, got "${env[name]}"`);
  return value;
}

function interval(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of milliseconds (0 turns the job off), got "${env[name]}"`);
  return value;
}

/** The project's root folder, whether running from sources or from `dist/`. */
export const projectRoot = root;
