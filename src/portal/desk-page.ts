import { Injectable } from '@nestjs/common';
import { DeskService } from '../desk/desk.service.js';
import { localized, pick } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { SlaView } from '../sla/sla.service.js';
import { STATUS_CATEGORIES, type StatusCategory } from '../tenancy/pack.schema.js';
import { fieldErrors, problemsOf } from './form-model.js';
import { PortalPages } from './portal-page.js';
import { TicketPageBuilder } from './ticket-page.js';

/** The queue's query string, as typed (kept in the filter form and the page links). */
export interface DeskQueueParams {
  team: string;
  category: string;
  q: string;
  assignee: string;
  priority: string;
  sla: string;
  sort: string;
  cursor: string;
}

/** Which desk form of the ticket page was posted, with what was typed and its errors. */
export interface DeskFormState {
  form?: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  /** A refusal that is not about one field (e.g. the status allows no such action): shown at the form's top. */
  general?: string;
  done?: string;
  published?: string;
}

const SORTS = ['queue', 'due', 'created', 'updated'] as const;

/** The data of the desk's pages (the controller stays thin over core.desk and core.deskActions). */
@Injectable()
export class DeskPageBuilder {
  constructor(
    private readonly desk: DeskService,
    private readonly pages: PortalPages,
    private readonly tickets: TicketPageBuilder,
  ) {}

  private text(ctx: RequestContext, key: string, params?: Record<string, string | number>) {
    return this.pages.text(ctx, key, params);
  }

  /** A team queue: scope, category tabs with counts, filters, 50 rows with SLA marks, bulk form. */
  async queue(ctx: RequestContext, params: DeskQueueParams, bulk?: { values: Record<string, string>; errors: Record<string, string>; selected: string[] }) {
    const cfg = ctx.tenant.config;
    const base = `/${ctx.tenantId}/desk`;
    const teams = (await this.desk.teams(ctx)).filter((t) => t.right !== 'none');
    const team = params.team || (teams.some((t) => t.mine) ? 'mine' : '');
    const category = (STATUS_CATEGORIES as readonly string[]).includes(params.category) ? (params.category as StatusCategory) : '';
    const categories: StatusCategory[] = category ? [category] : ['new', 'open', 'waiting'];
    let page: Awaited<ReturnType<DeskService['queue']>> | undefined;
    let errors: Record<string, string> = {};
    try {
      page = await this.desk.queue(ctx, {
        team: team || undefined,
        categories,
        q: params.q || undefined,
        assignee: params.assignee || undefined,
        priorities: params.priority ? [params.priority] : undefined,
        sla: params.sla === 'warning' || params.sla === 'breached' ? params.sla : undefined,
        sort: (SORTS as readonly string[]).includes(params.sort) ? (params.sort as (typeof SORTS)[number]) : undefined,
        cursor: params.cursor || undefined,
      });
    } catch (error) {
      errors = fieldErrors(ctx, problemsOf(error));
    }
    const keep = { team: params.team, q: params.q, assignee: params.assignee, priority: params.priority, sla: params.sla, sort: params.sort };
    const link = (extra: Record<string, string>) => `${base}?${new URLSearchParams(Object.entries({ ...keep, ...extra }).filter(([, v]) => v)).toString()}`;
    const counts = page?.counts ?? { new: 0, open: 0, waiting: 0, resolved: 0, closed: 0 };
    const tabs = [
      { key: '', label: this.text(ctx, 'desk.category.active'), count: counts.new + counts.open + counts.waiting },
      ...STATUS_CATEGORIES.map((c) => ({ key: c as string, label: this.text(ctx, `desk.category.${c}`), count: counts[c] })),
    ].map((tab) => ({ ...tab, href: link({ category: tab.key }), current: tab.key === category }));
    const scopes = [
      { key: 'mine', label: this.text(ctx, 'desk.scope.mine') },
      { key: '', label: this.text(ctx, 'desk.scope.all') },
      ...teams.map((t) => ({ key: t.key, label: t.right === 'read' ? this.text(ctx, 'desk.scope.read', { team: t.name }) : t.name })),
    ].map((s) => ({ ...s, selected: s.key === team }));
    const choice = (list: { key: string; label: string }[], value: string) => list.map((o) => ({ ...o, selected: o.key === value }));
    const bulkValues = bulk?.values ?? {};
    const selected = new Set(bulk?.selected ?? []);
    return {
      params: { ...params, team },
      scopes,
      scopeLabel: scopes.find((s) => s.selected)?.label ?? '',
      tabs,
      categoryLabel: tabs.find((t) => t.current)!.label,
      count: tabs.find((t) => t.current)!.count,
      errors,
      assignees: choice(
        [
          { key: '', label: this.text(ctx, 'desk.filter.assignee.any') },
          { key: 'none', label: this.text(ctx, 'desk.filter.assignee.none') },
          { key: 'me', label: this.text(ctx, 'desk.filter.assignee.me') },
        ],
        params.assignee,
      ),
      priorities: cfg.priority ? choice([{ key: '', label: this.text(ctx, 'desk.filter.any') }, ...cfg.priority.levels.map((l) => ({ key: l.key, label: pick(localized(l.label), ctx.locale) }))], params.priority) : undefined,
      slaFilters: cfg.sla
        ? choice(
            [
              { key: '', label: this.text(ctx, 'desk.filter.any') },
              { key: 'warning', label: this.text(ctx, 'desk.filter.sla.warning') },
              { key: 'breached', label: this.text(ctx, 'desk.filter.sla.breached') },
            ],
            params.sla,
          )
        : undefined,
      sorts: choice(SORTS.map((s) => ({ key: s, label: this.text(ctx, `desk.sort.${s}`) })), params.sort || 'queue'),
      rows: (page?.items ?? []).map((r) => ({
        ...r,
        href: `${base}/tickets/${encodeURIComponent(r.reference)}`,
        checked: selected.has(r.reference),
        slaLabel: r.sla.mark ? this.text(ctx, `desk.sla.${r.sla.mark}`) : '',
      })),
      columns: { priority: Boolean(cfg.priority), sla: Boolean(cfg.sla) },
      next: page?.nextCursor ? link({ category, cursor: page.nextCursor }) : undefined,
      first: params.cursor ? link({ category }) : undefined,
      bulk: {
        action: choice(
          [
            { key: 'assign', label: this.text(ctx, 'desk.bulk.assign') },
            { key: 'requalify', label: this.text(ctx, 'desk.bulk.requalify') },
            { key: 'resolve', label: this.text(ctx, 'desk.bulk.resolve') },
          ],
          bulkValues.action ?? 'assign',
        ),
        values: bulkValues,
        errors: bulk?.errors ?? {},
        impact: cfg.priority ? choice([{ key: '', label: this.text(ctx, 'desk.requalify.keep') }, ...cfg.priority.impact.map((l) => ({ key: l.key, label: pick(localized(l.label), ctx.locale) }))], bulkValues.impact ?? '') : undefined,
        urgency: cfg.priority ? choice([{ key: '', label: this.text(ctx, 'desk.requalify.keep') }, ...cfg.priority.urgency.map((l) => ({ key: l.key, label: pick(localized(l.label), ctx.locale) }))], bulkValues.urgency ?? '') : undefined,
      },
    };
  }

  /** The ticket for an agent: details, clocks, links, the whole history with private notes marked, and the desk's forms. */
  async ticket(ctx: RequestContext, ref: string, state: DeskFormState) {
    const cfg = ctx.tenant.config;
    const detail = await this.desk.detail(ctx, ref);
    const base = `/${ctx.tenantId}`;
    const { desk } = detail;
    const act = desk.right === 'act';
    const actions = desk.actions as Partial<Record<'take' | 'assign' | 'ask' | 'resolve' | 'reassign' | 'requalify' | 'link', string | boolean | null>>;
    const form = (name: string) => ({
      values: state.form === name ? (state.values ?? {}) : {},
      errors: state.form === name ? (state.errors ?? {}) : {},
      general: state.form === name ? state.general : undefined,
      open: state.form === name,
    });
    const level = (list: { key: string; label: unknown }[], value: string | undefined) =>
      [{ key: '', label: this.text(ctx, 'desk.requalify.keep'), selected: !value }, ...list.map((l) => ({ key: l.key, label: pick(localized(l.label as never), ctx.locale), selected: l.key === value }))];
    const members = act && actions.assign && detail.team ? await this.desk.members(ctx, (detail.team as { key: string }).key).catch(() => []) : [];
    const attachments = detail.attachments.map((a) => ({ ...a, href: `${base}/attachments/${a.id}` }));
    const events = new Map((detail.history ?? []).map((e) => [e.id, e]));
    const history = this.tickets.history(ctx, detail, attachments, true).map((item) => {
      const e = events.get(item.id as number);
      const data = (e?.data ?? {}) as Record<string, unknown>;
      if (item.type === 'routed') item.text = this.text(ctx, 'event.routed', { team: this.teamName(ctx, String(data.team ?? '')) });
      if (item.type === 'requalified') {
        const changes = (data.changes ?? {}) as Record<string, { from: string | null; to: string | null }>;
        item.body = `${String(data.reason ?? '')}\n${Object.entries(changes).map(([k, v]) => `${k} : ${v.from ?? '—'} → ${v.to ?? '—'}`).join('\n')}`;
      }
      if (item.type === 'linked' || item.type === 'parent-resolved') item.body = String(data.parent ?? '');
      if (item.type === 'child-linked') item.body = String(data.child ?? '');
      if (item.type === 'noted') item.body = String(data.body ?? '');
      return item;
    });
    const leaves = ctx.tenant.catalogue.filter((c) => c.leaf);
    const v = (name: string, key: string) => form(name).values[key] ?? '';
    return {
      ticket: detail,
      done: state.done ? this.text(ctx, 'desk.ticket.done') : undefined,
      published: state.published ? this.text(ctx, 'desk.resolve.published', { title: state.published }) : undefined,
      readOnly: !act,
      portalHref: `${base}/tickets/${encodeURIComponent(detail.reference)}`,
      details: this.tickets.details(ctx, detail),
      sla: (desk.sla as SlaView[]).map((c) => ({
        label: this.text(ctx, `desk.sla.${c.clock}`),
        state: this.text(ctx, `desk.sla.${c.state}`),
        mark: c.breached ? 'breached' : c.warning ? 'warning' : 'ok',
        markLabel: c.state === 'met' ? '' : this.text(ctx, `desk.sla.${c.breached ? 'breached' : c.warning ? 'warning' : 'ok'}`),
        left: c.state === 'met' ? '' : this.text(ctx, c.left >= 0 ? 'desk.sla.left' : 'desk.sla.over', { time: duration(Math.abs(c.left)) }),
        dueAt: c.dueAt,
      })),
      hasSla: Boolean(cfg.sla),
      parent: desk.parent ? { ...desk.parent, href: `${base}/desk/tickets/${encodeURIComponent(desk.parent.reference)}` } : undefined,
      children: desk.children.map((c) => ({ ...c, href: `${base}/desk/tickets/${encodeURIComponent(c.reference)}` })),
      history,
      attachments,
      forms: act
        ? {
            take: actions.take ? form('take') : undefined,
            assign: actions.assign && members.length ? { ...form('assign'), members: members.map((m) => ({ ...m, selected: m.login === v('assign', 'person') })) } : undefined,
            reassign: actions.reassign
              ? { ...form('reassign'), teams: cfg.teams.filter((t) => t.key !== (detail.team as { key: string } | null)?.key).map((t) => ({ key: t.key, name: pick(localized(t.name), ctx.locale), selected: t.key === v('reassign', 'team') })) }
              : undefined,
            requalify: actions.requalify
              ? {
                  ...form('requalify'),
                  leaves: [{ key: '', label: this.text(ctx, 'desk.requalify.keep'), selected: !v('requalify', 'leaf') }, ...leaves.map((l) => ({ key: l.key, label: pick(l.name, ctx.locale), selected: l.key === v('requalify', 'leaf') }))],
                  impact: cfg.priority ? level(cfg.priority.impact, v('requalify', 'impact')) : undefined,
                  urgency: cfg.priority ? level(cfg.priority.urgency, v('requalify', 'urgency')) : undefined,
                }
              : undefined,
            ask: actions.ask ? form('ask') : undefined,
            resolve: actions.resolve ? { ...form('resolve'), knowledge: cfg.knowledge?.enabled !== false } : undefined,
            parent: actions.link && !desk.parent && !desk.children.length ? form('parent') : undefined,
            unlink: desk.parent ? form('unlink') : undefined,
            note: detail.status.category !== 'closed' || act ? { ...form('note'), private: (form('note').values.kind ?? 'private') === 'private' } : undefined,
          }
        : undefined,
    };
  }

  private teamName(ctx: RequestContext, key: string): string {
    const team = ctx.tenant.config.teams.find((t) => t.key === key);
    return team ? pick(localized(team.name), ctx.locale) : key;
  }
}

/** Working time as hours and minutes (`3 h 05`, `12 min`). */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')}`;
}
