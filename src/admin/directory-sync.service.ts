import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/errors.js';
import { validateUai } from '../common/uai.js';
import { DirectorySyncRepository, type SyncMembershipRow, type SyncPersonRow, type SyncTeamRow } from '../directory/directory-sync.repository.js';
import type { DirectoryPerson, DirectorySource } from '../plugin-host/directory-source.js';
import type { GuichetPlugin } from '../plugin-host/plugin.js';
import { PluginRegistry } from '../plugin-host/plugin-registry.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { AdminAudit } from './admin-audit.js';

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface DirectorySyncOptions {
  dryRun?: boolean;
  /** A file for sources that read one (CSV). */
  file?: string;
  /** The directory plugin, when the pack turns on several. */
  source?: string;
  /** Deactivate even when more than `maxDeactivateShare` of the source's people would go. */
  force?: boolean;
}

export interface DirectorySyncReport {
  tenant: string;
  source: string;
  dryRun: boolean;
  read: number;
  refused: { where: string; reason: string }[];
  people: { created: number; updated: number; unchanged: number; deactivated: number; deactivatedWithTickets: number; inactiveInDirectory: number };
  memberships: { added: number; changed: number; removed: number };
  teams: { added: number; changed: number; removed: number };
  establishments: { created: number; unknown: string[] };
  ms: number;
}

/** Above this share of the source's active people disappearing, a sync refuses to deactivate them without `force`: an empty or misfiltered read must not empty the tenant. */
const MAX_DEACTIVATE_SHARE = 0.2;

/** Thrown by a dry run to roll its transaction back with the report. */
class DryRun extends Error {
  constructor(readonly report: DirectorySyncReport) {
    super('dry run');
  }
}

/**
 * Syncs a tenant's people from its directory source, in one transaction of set-based statements:
 * people created or updated (never deleted), those the source no longer lists deactivated,
 * memberships, heads, roles and teams made exactly what the mapping says for what it manages.
 * Idempotent (a second run changes nothing); a dry run does the same work and rolls it back.
 */
@Injectable()
export class DirectorySync {
  constructor(
    private readonly plugins: PluginRegistry,
    private readonly moduleRef: ModuleRef,
    private readonly repository: DirectorySyncRepository,
    private readonly audit: AdminAudit,
    private readonly clock: Clock,
  ) {}

  /** The directory plugins the pack turns on. */
  sources(ctx: RequestContext): { plugin: GuichetPlugin; options: unknown }[] {
    return ctx.tenant.config.plugins.flatMap((use) => {
      const plugin = this.plugins.get(use.plugin);
      return plugin?.provides.directory ? [{ plugin, options: plugin.options.parse(use.options) }] : [];
    });
  }

  async sync(ctx: RequestContext, options: DirectorySyncOptions = {}): Promise<DirectorySyncReport> {
    const started = Date.now();
    const candidates = this.sources(ctx).filter((s) => !options.source || s.plugin.name === options.source);
    if (candidates.length !== 1) throw new DomainError('NOT_FOUND', {}, { directorySources: this.sources(ctx).map((s) => s.plugin.name) });
    const [{ plugin, options: sourceOptions }] = candidates;
    const source = this.moduleRef.get(plugin.provides.directory!.source, { strict: false }) as DirectorySource<unknown>;
    const scope = source.scope(sourceOptions);
    const refused: DirectorySyncReport['refused'] = [];
    const people = new Map<string, { where: string; person: DirectoryPerson }>();
    const seen = new Set<string>();
    let read = 0;
    for await (const item of source.read(sourceOptions, { file: options.file })) {
      read++;
      if ('refused' in item) {
        refused.push({ where: item.where, reason: item.refused });
        continue;
      }
      const reason = problem(item.person, people.get(item.person.login)?.where);
      if (item.person.login) seen.add(item.person.login);
      if (reason) refused.push({ where: item.where, reason });
      else people.set(item.person.login, item);
    }
    const report: DirectorySyncReport = {
      tenant: ctx.tenantId,
      source: plugin.name,
      dryRun: Boolean(options.dryRun),
      read,
      refused,
      people: { created: 0, updated: 0, unchanged: 0, deactivated: 0, deactivatedWithTickets: 0, inactiveInDirectory: 0 },
      memberships: { added: 0, changed: 0, removed: 0 },
      teams: { added: 0, changed: 0, removed: 0 },
      establishments: { created: 0, unknown: [] },
      ms: 0,
    };
    try {
      await ctx.transaction(async (tx) => {
        await this.apply(tx, plugin.name, scope, [...people.values()].map((p) => p.person), [...seen], report, options);
        report.ms = Date.now() - started;
        if (options.dryRun) throw new DryRun(report);
        await this.audit.record(tx, 'directory.synced', { type: 'directory', key: plugin.name }, null, { read, refused: refused.length, people: report.people, memberships: report.memberships, teams: report.teams, establishments: { created: report.establishments.created } });
      });
    } catch (error) {
      if (!(error instanceof DryRun)) throw error;
    }
    report.ms = Date.now() - started;
    return report;
  }

  private async apply(tx: RequestContext, source: string, scope: ReturnType<DirectorySource['scope']>, people: DirectoryPerson[], seen: string[], report: DirectorySyncReport, options: DirectorySyncOptions) {
    const r = this.repository;
    await r.lock(tx);
    const now = this.clock.now();
    const logins = people.map((p) => p.login);
    const missing = await r.missing(tx, source, seen);
    if (!options.force && missing.missing > 0 && missing.missing > Math.max(1, missing.managed * MAX_DEACTIVATE_SHARE)) {
      throw new DomainError('DIRECTORY_SHRANK', { missing: missing.missing, managed: missing.managed });
    }
    const rows: SyncPersonRow[] = people.map((p) => ({ login: p.login, name: p.name, email: p.email ?? null, title: p.title ?? null, roles: scope.roles ? (p.roles ?? []) : null }));
    const upserted = await r.upsertPeople(tx, source, rows, scope.roles, now);
    report.people.created = upserted.created;
    report.people.updated = upserted.updated;
    report.people.unchanged = people.length - upserted.created - upserted.updated;
    report.people.inactiveInDirectory = await r.inactiveAmong(tx, logins);
    if (scope.establishments) {
      const uais = [...new Set(people.flatMap((p) => (p.establishments ?? []).map((e) => e.uai)))];
      const known = new Set(await r.knownUais(tx, uais));
      const unknown = uais.filter((u) => !known.has(u)).sort();
      if (scope.unknownEstablishments === 'create') report.establishments.created = await r.createEstablishments(tx, unknown);
      else report.establishments.unknown = unknown;
      const memberships: SyncMembershipRow[] = people.flatMap((p) => (p.establishments ?? []).map((e) => ({ login: p.login, uai: e.uai, roles: e.head ? ['member', 'head'] : ['member'] })));
      report.memberships = await r.replaceMemberships(tx, logins, memberships);
    }
    if (scope.teams.length) {
      const active = await r.activeTeams(tx, scope.teams);
      const members: SyncTeamRow[] = people.flatMap((p) => (p.teams ?? []).map((t) => ({ login: p.login, team: t.key, lead: t.lead })));
      report.teams = await r.replaceTeamMembers(tx, logins, active, members);
    }
    const gone = await r.deactivateMissing(tx, source, seen, now);
    report.people.deactivated = gone.deactivated;
    report.people.deactivatedWithTickets = gone.withTickets;
  }
}

/** Why a person of the source is refused, or undefined. */
function problem(p: DirectoryPerson, duplicateOf: string | undefined): string | undefined {
  if (!LOGIN.test(p.login) || p.login.startsWith('integration:')) return `login: "${p.login}" is not a valid login`;
  if (duplicateOf) return `login: "${p.login}" already read at ${duplicateOf}`;
  if (!p.name.trim() || p.name.length > 200) return 'name: expected 1 to 200 characters';
  if (p.email && !EMAIL.test(p.email)) return `email: "${p.email}" is not an e-mail address`;
  for (const e of p.establishments ?? []) {
    const check = validateUai(e.uai);
    if (!check.valid) return `establishments: "${e.uai}" is not a valid UAI${check.expected ? ` (check letter ${check.expected} expected)` : ''}`;
  }
  return undefined;
}
