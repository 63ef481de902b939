/**
 * The Guichet plugin SDK (package subpath `guichet/plugin`): the only module a plugin imports.
 * It holds the plugin contract and its capabilities, the typed event map, the service
 * interfaces a plugin may call (asked for by type in its Nest providers and controllers), and
 * the core's error and context types. Everything else in `src/` is the host's. See docs/plugins.md.
 */
export { definePlugin, type AuthMethodCapability, type AuthMethodKind, type GuichetPlugin } from './plugin.js';
export type { GuichetEventMap, GuichetEventName, HistoryEntryMap, HistoryEntryType, SubscriberPhase, TicketChange } from './events.js';
export type { TicketRecord } from './ticket-record.js';
export { CredentialStore, SignInError, SignInHost, type SignInFailure, type StoredCredential } from './sign-in-host.js';
export { claimMappingSchema, claimRuleSchema, claimValues, mapClaims, ruleHolds, type ClaimMapping, type ClaimRule, type Claims, type SignedInIdentity } from './claim-mapping.js';
export { PluginEvents, PluginTickets, type PluginTicketView } from './services.js';
export { CORE_VERSION } from './version.js';
export { Clock } from '../common/clock.js';
export { StorageDriver, StorageObjectMissing, type StoredObject } from '../storage/storage.js';
export type { StorageDriverCapability } from './plugin.js';
export { DomainError, FieldErrors } from '../common/errors.js';
export type { ActorRef, RequestContext } from '../tenancy/request-context.js';
export { pluginOptions } from './plugin-options.js';
export { pluginTablePrefix, tenantTable } from './plugin-migrations.js';
export type { MigrationInterface, QueryRunner } from 'typeorm';
export { ApiAuthHost, ApiCtx, PluginApi, PluginApiGuard, pluginApiPrefix, type ApiScope } from './plugin-routes.js';
export { PluginTask, type PluginTaskDefinition } from './plugin-tasks.js';
export type { CommandArgs, CommandArgument, CommandCapability, CommandIO, CommandOption, CommandServices } from './commands.js';
export { authMethodOptions, PluginTenants } from './tenant-plugins.js';
export { TEXT_FIELD_TYPES, type FieldCheckResult, type FieldTypeCapability, type FieldValidatorCapability, type ReferenceInput, type ReferenceToken, type ReferenceTokenCapability, type TextFieldType } from '../tenancy/pack-extensions.js';
export type { Localized, LocalizedInput } from '../common/localized.js';
export { validateUai } from '../common/uai.js';
export { DirectorySource, directoryMappingSchema, directoryScope, mapDirectoryEntry, type DirectoryCapability, type DirectoryItem, type DirectoryMapping, type DirectoryPerson, type DirectoryScope } from './directory-source.js';
