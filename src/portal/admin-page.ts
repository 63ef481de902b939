import { Injectable } from '@nestjs/common';
import { AdminAudit } from '../admin/admin-audit.js';
import { AdminOrganisation } from '../admin/admin-org.service.js';
import { AdminPeople } from '../admin/admin-people.service.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { PortalPages } from './portal-page.js';

/** What a form shows again after a refusal: what was typed, the message per field, a general message. */
export interface AdminFormState {
  form?: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  general?: string;
  done?: boolean;
}

const PAGE_SIZE = 20;

/** The administration pages' models, one small builder per page over the admin services. */
@Injectable()
export class AdminPageBuilder {
  constructor(
    private readonly people: AdminPeople,
    private readonly organisation: AdminOrganisation,
    private readonly audit: AdminAudit,
    private readonly pages: PortalPages,
  ) {}

  menu(ctx: RequestContext, current: string) {
    const base = `/${ctx.tenantId}/admin`;
    return ['people', 'teams', 'establishments', 'audit'].map((key) => ({ key, label: this.pages.text(ctx, `admin.${key}`), href: key === 'people' ? base : `${base}/${key}`, current: key === current }));
  }

  private form(state: AdminFormState, name: string): { values: Record<string, string>; errors: Record<string, string>; general?: string } {
    return state.form === name ? { values: state.values ?? {}, errors: state.errors ?? {}, general: state.general } : { values: {}, errors: {} };
  }

  private pagination(ctx: RequestContext, path: string, params: Record<string, string>, page: number, total: number) {
    const last = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const href = (p: number) => `${path}?${new URLSearchParams({ ...Object.fromEntries(Object.entries(params).filter(([, v]) => v)), page: String(p) }).toString()}`;
    return last > 1 ? { previous: page > 1 ? href(page - 1) : undefined, next: page < last ? href(page + 1) : undefined, label: `${page} / ${last}` } : undefined;
  }

  async peopleList(ctx: RequestContext, query: { q: string; role: string; state: string; page: number }, state: AdminFormState) {
    const result = await this.people.search(ctx, { q: query.q, role: query.role || undefined, active: query.state === 'active' ? true : query.state === 'inactive' ? false : undefined, page: query.page, pageSize: PAGE_SIZE });
    const option = (value: string, label: string, selected: string) => ({ value, label, selected: value === selected });
    return {
      menu: this.menu(ctx, 'people'),
      query,
      roles: [option('', this.pages.text(ctx, 'admin.any'), query.role), ...['agent', 'admin', 'integration'].map((r) => option(r, this.pages.text(ctx, `admin.role.${r}`), query.role))],
      states: [option('', this.pages.text(ctx, 'admin.any'), query.state), option('active', this.pages.text(ctx, 'admin.state.active'), query.state), option('inactive', this.pages.text(ctx, 'admin.state.inactive'), query.state)],
      caption: this.pages.text(ctx, 'admin.people.caption', { total: result.total, page: result.page }),
      rows: result.items.map((p) => ({ ...p, href: `/${ctx.tenantId}/admin/people/${encodeURIComponent(p.login)}`, roles: this.roles(ctx, p.roles), state: this.pages.text(ctx, p.active ? 'admin.state.active' : 'admin.state.inactive') })),
      pagination: this.pagination(ctx, `/${ctx.tenantId}/admin`, { q: query.q, role: query.role, state: query.state }, result.page, result.total),
      create: this.form(state, 'create'),
      done: state.done,
    };
  }

  async person(ctx: RequestContext, login: string, state: AdminFormState) {
    const p = await this.people.get(ctx, login);
    const edit = this.form(state, 'edit');
    return {
      menu: this.menu(ctx, 'people'),
      person: { ...p, roleLabels: this.roles(ctx, p.roles), state: this.pages.text(ctx, p.active ? 'admin.state.active' : 'admin.state.inactive') },
      tickets: this.pages.text(ctx, 'admin.person.tickets', { count: p.tickets }),
      source: p.source ? this.pages.text(ctx, 'admin.person.source', { source: p.source }) : undefined,
      edit: { ...edit, values: { name: p.name, email: p.email ?? '', title: p.title ?? '', ...edit.values } },
      locales: ['fr', 'en'].map((l) => ({ value: l, label: this.pages.text(ctx, `lang.${l}`), selected: (edit.values.locale ?? p.locale) === l })),
      roleChoices: ['agent', 'admin'].map((r) => ({ value: r, label: this.pages.text(ctx, `admin.role.${r}`), checked: p.roles.includes(r) })),
      roles: this.form(state, 'roles'),
      active: this.form(state, 'active'),
      establishments: p.establishments.map((e) => ({ ...e, head: this.pages.text(ctx, e.head ? 'admin.yes' : 'admin.no'), remove: this.pages.text(ctx, 'admin.person.establishments.remove', { uai: e.uai }) })),
      membership: this.form(state, 'membership'),
      teams: p.teams,
      done: state.done,
    };
  }

  async teams(ctx: RequestContext) {
    return { menu: this.menu(ctx, 'teams'), rows: (await this.organisation.teams(ctx)).map((t) => ({ ...t, href: `/${ctx.tenantId}/admin/teams/${encodeURIComponent(t.key)}`, retired: !t.active })) };
  }

  async team(ctx: RequestContext, key: string, state: AdminFormState) {
    const team = (await this.organisation.teams(ctx)).find((t) => t.key === key);
    const members = await this.organisation.members(ctx, key);
    return {
      menu: this.menu(ctx, 'teams'),
      team,
      members: members.map((m) => ({
        ...m,
        lead: this.pages.text(ctx, m.lead ? 'admin.yes' : 'admin.no'),
        isLead: m.lead,
        toggle: this.pages.text(ctx, m.lead ? 'admin.team.lead.unset' : 'admin.team.lead.set', { name: m.name }),
        remove: this.pages.text(ctx, 'admin.team.remove', { name: m.name }),
      })),
      add: this.form(state, 'add'),
      done: state.done,
    };
  }

  async establishments(ctx: RequestContext, query: { q: string; page: number }, state: AdminFormState) {
    const result = await this.organisation.establishments(ctx, { q: query.q, page: query.page, pageSize: PAGE_SIZE });
    return {
      menu: this.menu(ctx, 'establishments'),
      query,
      caption: this.pages.text(ctx, 'admin.establishments.caption', { total: result.total, page: result.page }),
      rows: result.items,
      pagination: this.pagination(ctx, `/${ctx.tenantId}/admin/establishments`, { q: query.q }, result.page, result.total),
      create: this.form(state, 'create'),
      done: state.done,
    };
  }

  async auditLog(ctx: RequestContext, cursor: string | undefined) {
    const page = await this.audit.list(ctx, {}, 50, cursor);
    const short = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v));
    return {
      menu: this.menu(ctx, 'audit'),
      rows: page.items.map((e) => ({ ...e, target: `${e.target.type} ${e.target.key}`, change: `${short(e.before)} → ${short(e.after)}` })),
      more: page.next ? `/${ctx.tenantId}/admin/audit?cursor=${page.next}` : undefined,
      exportHref: `/${ctx.tenantId}/admin/audit.csv`,
    };
  }

  private roles(ctx: RequestContext, roles: string[]): string {
    return roles.map((r) => this.pages.text(ctx, `admin.role.${r}`)).join(', ') || '—';
  }
}
