import { Injectable } from '@nestjs/common';
import { DomainError, FieldErrors } from '../common/errors.js';
import { pick } from '../common/localized.js';
import { validateUai } from '../common/uai.js';
import { DirectoryAdminRepository } from '../directory/directory-admin.repository.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { AdminAudit } from './admin-audit.js';

export interface EstablishmentInput {
  uai?: string;
  name?: string;
  kind?: string;
  city?: string;
}

/** Teams' members and leads (the teams themselves come from the pack), and establishments; every change audited. */
@Injectable()
export class AdminOrganisation {
  constructor(
    private readonly directory: DirectoryAdminRepository,
    private readonly audit: AdminAudit,
  ) {}

  async teams(ctx: RequestContext) {
    return (await this.directory.teams(ctx)).map((t) => ({ key: t.key, name: pick(t.name, ctx.locale), email: t.email, active: t.active, members: t.members, leads: t.leads }));
  }

  async members(ctx: RequestContext, teamKey: string) {
    const team = await this.team(ctx, teamKey);
    return (await this.directory.teamMembers(ctx, team.id)).map((m) => ({ login: m.login, name: m.display_name, active: m.active, lead: m.lead }));
  }

  /** Adds an agent to a team of the pack, or changes whether they lead it. */
  async setMember(ctx: RequestContext, teamKey: string, login: string, lead: boolean) {
    return ctx.transaction(async (tx) => {
      const team = await this.team(tx, teamKey);
      if (!team.active) throw new DomainError('NOT_FOUND');
      const person = await this.person(tx, login);
      if (!person.roles.includes('agent') && !person.roles.includes('admin')) {
        const errors = new FieldErrors();
        errors.add('login', 'rule.teamAgent');
        errors.throwIfAny();
      }
      const before = await this.directory.setTeamMember(tx, team.id, person.id, lead);
      if (before !== lead) await this.audit.record(tx, 'team-member.set', { type: 'team', key: team.key }, before === null ? null : { login, lead: before }, { login, lead });
      return this.members(tx, teamKey);
    });
  }

  async removeMember(ctx: RequestContext, teamKey: string, login: string) {
    return ctx.transaction(async (tx) => {
      const team = await this.team(tx, teamKey);
      const person = await this.person(tx, login);
      const before = await this.directory.removeTeamMember(tx, team.id, person.id);
      if (before === null) throw new DomainError('NOT_FOUND');
      await this.audit.record(tx, 'team-member.removed', { type: 'team', key: team.key }, { login, lead: before }, null);
      return this.members(tx, teamKey);
    });
  }

  async establishments(ctx: RequestContext, query: { q?: string; page?: number; pageSize?: number }) {
    const pageSize = query.pageSize ?? 20;
    const page = query.page ?? 1;
    const { rows, total } = await this.directory.searchEstablishments(ctx, { q: query.q?.trim() || undefined, offset: (page - 1) * pageSize, limit: pageSize });
    return { items: rows.map(({ id: _, ...e }) => e), total, page, pageSize };
  }

  async createEstablishment(ctx: RequestContext, input: EstablishmentInput) {
    const errors = new FieldErrors();
    const uai = checkUai(errors, input.uai);
    if (!input.name?.trim()) errors.add('name', 'rule.required');
    errors.throwIfAny();
    return ctx.transaction(async (tx) => {
      const row = await this.directory.insertEstablishment(tx, { uai: uai!, name: input.name!.trim(), kind: input.kind?.trim() || null, city: input.city?.trim() || null });
      if (!row) {
        const taken = new FieldErrors();
        taken.add('uai', 'rule.taken');
        taken.throwIfAny();
      }
      const { id: _, ...after } = row!;
      await this.audit.record(tx, 'establishment.created', { type: 'establishment', key: row!.uai }, null, after);
      return after;
    });
  }

  async updateEstablishment(ctx: RequestContext, uaiInput: string, input: Omit<EstablishmentInput, 'uai'>) {
    const errors = new FieldErrors();
    if (input.name !== undefined && !input.name.trim()) errors.add('name', 'rule.required');
    if (input.name === undefined && input.kind === undefined && input.city === undefined) errors.add('name', 'rule.change');
    errors.throwIfAny();
    return ctx.transaction(async (tx) => {
      const check = validateUai(uaiInput);
      const existing = check.valid ? await this.directory.establishment(tx, check.uai, true) : undefined;
      if (!existing) throw new DomainError('NOT_FOUND');
      const { id, ...before } = existing;
      const row = await this.directory.updateEstablishment(tx, id, {
        name: input.name?.trim() ?? existing.name,
        kind: input.kind === undefined ? existing.kind : input.kind.trim() || null,
        city: input.city === undefined ? existing.city : input.city.trim() || null,
      });
      const { id: _, ...after } = row;
      if (JSON.stringify(before) !== JSON.stringify(after)) await this.audit.record(tx, 'establishment.updated', { type: 'establishment', key: row.uai }, before, after);
      return after;
    });
  }

  private async team(ctx: RequestContext, key: string) {
    const team = await this.directory.team(ctx, key);
    if (!team) throw new DomainError('NOT_FOUND');
    return team;
  }

  private async person(ctx: RequestContext, login: string) {
    const person = await this.directory.person(ctx, login, true);
    if (!person) throw new DomainError('PERSON_NOT_FOUND', { person: login });
    return person;
  }
}

function checkUai(errors: FieldErrors, value: string | undefined): string | undefined {
  const check = validateUai(value ?? '');
  if (check.valid) return check.uai;
  if (check.expected) errors.add('uai', 'rule.uai', { expected: check.expected });
  else errors.add('uai', 'rule.uaiFormat');
  return undefined;
}
