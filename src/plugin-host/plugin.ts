import type { Provider, Type } from '@nestjs/common';
import type { StorageDriver } from '../storage/storage.js';
import type { MigrationInterface } from 'typeorm';
import type { z } from 'zod';
import type { PluginTaskDefinition } from './plugin-tasks.js';
import type { DirectoryCapability } from './directory-source.js';
import type { LocalizedInput } from '../tenancy/pack.schema.js';
import type { FieldTypeCapability, FieldValidatorCapability, ReferenceTokenCapability } from '../tenancy/pack-extensions.js';
import type { CommandCapability } from './commands.js';

/** How a sign-in method meets the person: a picker, a form, a redirect to an identity provider, or headers set by a proxy. */
export type AuthMethodKind = 'picker' | 'form' | 'redirect' | 'header';

/** What an auth plugin declares; the portal and the session layer build on it. */
export interface AuthMethodCapability {
  kind: AuthMethodKind;
  /** Only usable when the deployment runs in demo mode (GUICHET_DEMO). */
  demoOnly?: boolean;
  /**
   * Where the sign-in page sends the person, under `/{tenant}/`: a link (`GET`, for `redirect`
   * and `header`, with `?next=`) or the form's action (`POST`, for `form` and `picker`, with
   * `next` and the method's fields).
   */
  start: { method: 'GET' | 'POST'; path: string };
  /** The fields of a `form` method, in order. */
  fields?: { name: string; type: 'text' | 'password' | 'otp'; label: LocalizedInput; required: boolean; autocomplete?: string }[];
}

/**
 * The typed definition a plugin folder exports (Vendure's plugin + strategy idea): a name,
 * the core versions it supports, the schema of the options a pack gives it, and what it provides.
 * Options are validated when packs load, with errors reported like any other pack error.
 */
/**
 * A storage driver a plugin provides (S3-compatible stores, a school's NAS…). The deployment
 * names it in `GUICHET_STORAGE_DRIVER` and gives its options as JSON in `GUICHET_STORAGE_OPTIONS`,
 * validated by `options` at boot (a problem stops the boot naming the variable). One driver
 * serves every tenant of the deployment: keys start with the tenant's id.
 */
export interface StorageDriverCapability<DriverOptions = unknown> {
  description: string;
  options: z.ZodType<DriverOptions>;
  create(options: DriverOptions, deployment: { dataDir: string }): StorageDriver;
}

export interface GuichetPlugin<Options = unknown> {
  /** The name packs use, e.g. `{ plugin: demo }`. */
  name: string;
  /** The plugin's own version, shown by `guichet plugins list`. */
  version?: string;
  /** The core versions supported, as a semver range (e.g. `^0.1`); checked at boot, a mismatch stops it naming the plugin. */
  core: string;
  description: string;
  /** The options a pack gives the plugin, validated when packs load (errors like any pack error). */
  options: z.ZodType<Options>;
  provides: {
    authMethod?: AuthMethodCapability;
    /**
     * A directory people are synced from (`guichet directory sync`): the source class, one of the
     * plugin's providers. A pack turns it on in `plugins` with its options (docs/plugins.md § directory).
     */
    directory?: DirectoryCapability;
    /** Events the plugin subscribes to (through PluginEvents), listed by `guichet plugins list`. */
    events?: string[];
    /** Commands of `guichet <name>`, run with the engine's services (docs/plugins.md § Capability: CLI commands). */
    commands?: CommandCapability[];
    /** Tokens of reference patterns, by name: `{school-year:yy}` (docs/plugins.md § Capability: reference formats). */
    referenceTokens?: Record<string, ReferenceTokenCapability<Options>>;
    /** Form field types, by name: `type: uai` (docs/plugins.md § Capability: field types and validators). */
    fieldTypes?: Record<string, FieldTypeCapability<Options>>;
    /** Form field validators, by name: `validate: phone-fr`. */
    validators?: Record<string, FieldValidatorCapability<Options>>;
    /** Attachment storage drivers, by name, chosen by the deployment (`GUICHET_STORAGE_DRIVER`). */
    storageDrivers?: Record<string, StorageDriverCapability>;
  };
  /**
   * Nest controllers the plugin adds (e.g. its sign-in routes under `/:tenant/auth/<name>`). They
   * ask for SDK services by type (SignInHost, CredentialStore, PluginTickets, PluginEvents, Clock).
   * API routes live under `api/:tenant/plugins/<name>/` behind the host's token guard (`@PluginApi()`);
   * a controller path outside the plugin's prefixes stops the boot naming the plugin.
   */
  controllers?: Type<unknown>[];
  /** Nest providers the plugin adds (its event subscribers, its own services). */
  providers?: Provider[];
  /**
   * Migrations of the plugin's own tables (TypeORM migration classes, names ending in a 13-digit
   * timestamp), run with the core's at boot, by `guichet migrate` and in the tests' template. Every
   * table is named `plugin_<name>_…` (hyphens as underscores), has `tenant_id` leading every key and
   * index, and is put under row-level security with `tenantTable(q, table)`; a migration that breaks
   * one of these rules, or changes a table that is not the plugin's, fails naming the plugin.
   * See docs/plugins.md § Capability: migrations.
   */
  migrations?: (new () => MigrationInterface)[];
  /**
   * Background work run for each tenant, in every instance, on the plugin-task interval
   * (`GUICHET_PLUGIN_TASK_INTERVAL_MS`), and once by `guichet plugin-tasks`. Each task's class must
   * be one of `providers`.
   */
  tasks?: PluginTaskDefinition[];
  /** Called once at boot, after packs are loaded and before the application serves requests. */
  init?(): Promise<void> | void;
  /** Called once at shutdown. */
  destroy?(): Promise<void> | void;
}

export function definePlugin<Options>(plugin: GuichetPlugin<Options>): GuichetPlugin<Options> {
  return plugin;
}
