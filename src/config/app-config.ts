import { resolve } from 'node:path';
import { loadMailConfig, type MailConfig } from './mail-config.js';
import { parseTrustProxy, type TrustProxy } from '../common/security-headers.js';

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
  /** Plugins from outside the tree, by npm package name or path (GUICHET_PLUGINS=a,./b): see docs/plugins.md. */
  plugins?: string[];
  /** Background jobs' intervals (GUICHET_TIMER_INTERVAL_MS, GUICHET_OUTBOX_INTERVAL_MS, GUICHET_PLUGIN_TASK_INTERVAL_MS). */
  jobs?: JobIntervals;
  /** Express's `trust proxy` (GUICHET_TRUST_PROXY), so that cookies are `Secure` behind a TLS proxy; see docs/security.md. */
  trustProxy?: TrustProxy;
}

const root = resolve(import.meta.dirname, '..', '..', ...(import.meta.dirname.includes(`${'/'}dist${'/'}`) ? ['..'] : []));

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  const dataDir = resolve(env.GUICHET_DATA_DIR ?? resolve(root, '.data'));
  return {
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    tenantsDir: resolve(env.GUICHET_TENANTS_DIR ?? resolve(root, 'tenants')),
    tenants: env.GUICHET_TENANTS ? env.GUICHET_TENANTS.split(',').map((t) => t.trim()).filter(Boolean) : undefined,
    storageDir: resolve(env.GUICHET_STORAGE_DIR ?? resolve(dataDir, 'attachments')),
    demo: env.GUICHET_DEMO ? env.GUICHET_DEMO === 'true' : !env.DATABASE_URL,
    env,
    publicUrl: env.GUICHET_PUBLIC_URL ?? `http://localhost:${port}`,
    mail: loadMailConfig(env, env.GUICHET_PUBLIC_URL ?? `http://localhost:${port}`),
    plugins: env.GUICHET_PLUGINS ? env.GUICHET_PLUGINS.split(',').map((p) => p.trim()).filter(Boolean) : undefined,
    jobs: { timersMs: interval(env, 'GUICHET_TIMER_INTERVAL_MS', 60_000), outboxMs: interval(env, 'GUICHET_OUTBOX_INTERVAL_MS', 10_000), pluginTasksMs: interval(env, 'GUICHET_PLUGIN_TASK_INTERVAL_MS', 10_000) },
    trustProxy: parseTrustProxy(env.GUICHET_TRUST_PROXY),
  };
}

function interval(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of milliseconds (0 turns the job off), got "${env[name]}"`);
  return value;
}

/** The project's root folder, whether running from sources or from `dist/`. */
export const projectRoot = root;
