import { EventBus } from '../events/event-bus.js';
import { Injectable } from '@nestjs/common';
import { DomainError, FieldErrors } from '../common/errors.js';
import { validateUai } from '../common/uai.js';
import { DirectoryAdminRepository, type AdminPersonRow } from '../directory/directory-admin.repository.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { AdminAudit } from './admin-audit.js';

/** Roles an administrator gives; `integration` belongs to integrations' own people (`integration:` logins). */
export const ADMIN_ROLES = ['agent', 'admin'] as const;
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface PersonInput {
  login?: string;
  name?: string;
  email?: string;
  phone?: string;
  title?: string;
  locale?: string;
  roles?: string[];
}

export interface PeopleQuery {
  q?: string;
  role?: string;
  active?: boolean;
  page?: number;
  pageSize?: number;
}

/** People as the tenant's administrators manage them; every change audited in its transaction. */
@Injectable()
export class AdminPeople {
  constructor(
    private readonly directory: DirectoryAdminRepository,
    private readonly audit: AdminAudit,
    private readonly events: EventBus,
  ) {}

  async search(ctx: RequestContext, query: PeopleQuery) {
    const pageSize = query.pageSize ?? 20;
    const page = query.page ?? 1;
    const { rows, total } = await this.directory.searchPeople(ctx, { q: query.q?.trim() || undefined, role: query.role, active: query.active, offset: (page - 1) * pageSize, limit: pageSize });
    return { items: rows.map(summary), total, page, pageSize };
  }

  async get(ctx: RequestContext, login: string) {
    const person = await this.find(ctx, login);
    return {
      ...summary(person),
      establishments: (await this.directory.memberships(ctx, person.id)).map((m) => ({ uai: m.uai, name: m.name, head: m.roles.includes('head') })),
      teams: await this.directory.teamsOf(ctx, person.id),
      tickets: await this.directory.ticketCount(ctx, person.id),
    };
  }

  async create(ctx: RequestContext, input: PersonInput) {
    const errors = new FieldErrors();
    if (!input.login || !LOGIN.test(input.login) || input.login.startsWith('integration:')) errors.add('login', 'rule.login');
    check(errors, input, true);
    errors.throwIfAny();
    return ctx.transaction(async (tx) => {
      const row = await this.directory.insertPerson(tx, {
        login: input.login!,
        name: input.name!.trim(),
        email: input.email?.trim() || null,
        phone: input.phone?.trim() || null,
        title: input.title?.trim() || null,
        locale: input.locale ?? tx.tenant.config.defaultLocale,
        roles: unique(input.roles ?? []),
      });
      if (!row) {
        const taken = new FieldErrors();
        taken.add('login', 'rule.taken');
        taken.throwIfAny();
      }
      await this.audit.record(tx, 'person.created', { type: 'person', key: row!.login }, null, snapshot(row!));
      return this.get(tx, row!.login);
    });
  }

  /** Changes name, e-mail, phone, title, locale (what is given). */
  async update(ctx: RequestContext, login: string, input: Omit<PersonInput, 'login' | 'roles'>) {
    const errors = new FieldErrors();
    check(errors, input, false);
    if (![input.name, input.email, input.phone, input.title, input.locale].some((v) => v !== undefined)) errors.add('name', 'rule.change');
    errors.throwIfAny();
    return this.change(ctx, login, 'person.updated', (p) => ({
      ...p,
      display_name: input.name?.trim() ?? p.display_name,
      email: input.email === undefined ? p.email : input.email.trim() || null,
      phone: input.phone === undefined ? p.phone : input.phone.trim() || null,
      title: input.title === undefined ? p.title : input.title.trim() || null,
      locale: input.locale ?? p.locale,
    }));
  }

  async setRoles(ctx: RequestContext, login: string, roles: string[]) {
    const errors = new FieldErrors();
    checkRoles(errors, roles);
    errors.throwIfAny();
    return this.change(ctx, login, 'person.roles-changed', (p) => ({ ...p, roles: [...p.roles.filter((r) => !(ADMIN_ROLES as readonly string[]).includes(r)), ...unique(roles)] }));
  }

  /** A deactivated person can no longer sign in nor use their tokens; their tickets, memberships and history stay. */
  deactivate(ctx: RequestContext, login: string) {
    return this.change(ctx, login, 'person.deactivated', (p) => ({ ...p, active: false }));
  }

  reactivate(ctx: RequestContext, login: string) {
    return this.change(ctx, login, 'person.reactivated', (p) => ({ ...p, active: true }));
  }

  /** Makes the person a member (or head, with `head`) of an establishment. */
  async setMembership(ctx: RequestContext, login: string, uai: string, head: boolean) {
    return ctx.transaction(async (tx) => {
      const person = await this.find(tx, login, true);
      const establishment = await this.establishment(tx, uai);
      const roles = head ? ['member', 'head'] : ['member'];
      const before = await this.directory.setMembership(tx, person.id, establishment.id, roles);
      if (!before || before.join() !== roles.join()) {
        await this.audit.record(tx, 'membership.set', { type: 'person', key: person.login }, before && { uai: establishment.uai, roles: before }, { uai: establishment.uai, roles });
      }
      return this.get(tx, login);
    });
  }

  async removeMembership(ctx: RequestContext, login: string, uai: string) {
    return ctx.transaction(async (tx) => {
      const person = await this.find(tx, login, true);
      const establishment = await this.establishment(tx, uai);
      const before = await this.directory.removeMembership(tx, person.id, establishment.id);
      if (!before) throw new DomainError('NOT_FOUND');
      await this.audit.record(tx, 'membership.removed', { type: 'person', key: person.login }, { uai: establishment.uai, roles: before }, null);
      return this.get(tx, login);
    });
  }

  private async change(ctx: RequestContext, login: string, action: 'person.updated' | 'person.roles-changed' | 'person.deactivated' | 'person.reactivated', next: (p: AdminPersonRow) => AdminPersonRow) {
    return ctx.transaction(async (tx) => {
      const before = await this.find(tx, login, true);
      const wanted = next(before);
      if (JSON.stringify(snapshot(wanted)) === JSON.stringify(snapshot(before))) return this.get(tx, login);
      if (before.roles.includes('admin') && before.active && (!wanted.roles.includes('admin') || !wanted.active)) await this.keepAnAdmin(tx, before);
      const after = await this.directory.updatePerson(tx, before.id, wanted);
      await this.audit.record(tx, action, { type: 'person', key: before.login }, snapshot(before), snapshot(after));
      await this.events.publish(tx, 'person.changed', { personId: before.id, login: before.login, active: after.active, roles: after.roles, at: new Date() });
      return this.get(tx, login);
    });
  }

  /** A tenant keeps at least one active administrator, so that somebody can undo a mistake. */
  private async keepAnAdmin(ctx: RequestContext, leaving: AdminPersonRow): Promise<void> {
    const { rows } = await this.directory.searchPeople(ctx, { role: 'admin', active: true, offset: 0, limit: 2 });
    if (!rows.some((r) => r.id !== leaving.id)) throw new DomainError('LAST_ADMIN', { person: leaving.login });
  }

  private async find(ctx: RequestContext, login: string, lock = false): Promise<AdminPersonRow> {
    const person = await this.directory.person(ctx, login, lock);
    if (!person) throw new DomainError('PERSON_NOT_FOUND', { person: login });
    return person;
  }

  private async establishment(ctx: RequestContext, uai: string) {
    const check = validateUai(uai);
    const found = check.valid ? await this.directory.establishment(ctx, check.uai) : undefined;
    if (!found) throw new DomainError('NOT_FOUND');
    return found;
  }
}

function check(errors: FieldErrors, input: PersonInput, creating: boolean): void {
  if (creating ? !input.name?.trim() : input.name !== undefined && !input.name.trim()) errors.add('name', 'rule.required');
  if (input.name && input.name.length > 200) errors.add('name', 'rule.maxLength', { max: 200 });
  if (input.email?.trim() && !EMAIL.test(input.email.trim())) errors.add('email', 'rule.email');
  if (input.locale !== undefined && !['fr', 'en'].includes(input.locale)) errors.add('locale', 'rule.option');
  if (input.roles !== undefined) checkRoles(errors, input.roles);
}

function checkRoles(errors: FieldErrors, roles: string[]): void {
  if (!Array.isArray(roles) || roles.some((r) => !(ADMIN_ROLES as readonly string[]).includes(r))) errors.add('roles', 'rule.option');
}

const unique = (list: string[]) => [...new Set(list)].sort();

/** What the audit keeps of a person: what administrators change. */
function snapshot(p: AdminPersonRow) {
  return { login: p.login, name: p.display_name, email: p.email, phone: p.phone, title: p.title, locale: p.locale, roles: [...p.roles].sort(), active: p.active };
}

function summary(p: AdminPersonRow) {
  return { id: p.id, login: p.login, name: p.display_name, email: p.email, phone: p.phone, title: p.title, locale: p.locale, roles: p.roles, active: p.active, source: p.directory_source, createdAt: p.created_at, updatedAt: p.updated_at };
}
