import { Injectable } from '@nestjs/common';
import { TicketSearch } from '../tickets/ticket-search.service.js';
import { TicketService } from '../tickets/ticket.service.js';
import { localized, pick } from '../common/localized.js';
import { DomainError } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { formatSize } from '../common/units.js';
import type { Actor, LocalizedInput } from '../tenancy/pack.schema.js';
import { fieldErrors, problemsOf } from './form-model.js';
import { packHasText } from './messages.js';
import { PortalPages } from './portal-page.js';

/** Which form of the ticket page was posted, with what was typed and its errors. */
export interface FormState {
  form?: string;
  values?: Record<string, string>;
  errors?: Record<string, string>;
  done?: string;
}

type TicketView = Awaited<ReturnType<TicketService['read']>>;

/** The data of the dashboard and ticket pages (the controller stays thin). */
@Injectable()
export class TicketPageBuilder {
  constructor(
    private readonly ticketSearch: TicketSearch,
    private readonly tickets: TicketService,
    private readonly pages: PortalPages,
  ) {}

  maxSize(ctx: RequestContext): string {
    return formatSize(ctx.tenant.maxAttachmentBytes, ctx.locale);
  }

  async dashboard(ctx: RequestContext, params: { view: string; cursor: string; q: string; status: string; first: string }) {
    const cfg = ctx.tenant.config;
    const base = `/${ctx.tenantId}`;
    const views = await this.tickets.views(ctx);
    const selected = views.find((v) => v.key === params.view) ?? (params.view ? undefined : views[0]);
    if (!selected) throw new DomainError('VIEW_NOT_FOUND', { view: params.view });
    const definition = cfg.views.find((v) => v.key === selected.key)!;
    const groups = [...new Set(views.map((v) => v.group ?? ''))];
    const tabs = views.filter((v) => (v.group ?? '') === (selected.group ?? ''));
    const link = (extra: Record<string, string>) => `${base}/tickets?${new URLSearchParams(Object.entries({ view: selected.key, ...extra }).filter(([, v]) => v !== '')).toString()}`;
    let page: Awaited<ReturnType<TicketSearch['page']>> | undefined;
    let errors: Record<string, string> | undefined;
    try {
      page = await this.ticketSearch.page(ctx, selected.key, { cursor: params.cursor || undefined, q: params.q, status: params.status || undefined });
    } catch (error) {
      errors = fieldErrors(ctx, problemsOf(error));
    }
    const lifecycle = ctx.tenant.lifecycle;
    const statusKeys = definition.statuses ?? (definition.categories ? lifecycle.statusesIn(definition.categories) : Object.keys(cfg.statuses));
    const titleField = ctx.tenant.form.find((f) => f.key === 'title');
    const levels = cfg.catalogue.levels;
    return {
      group: selected.group,
      groups: groups.length > 1 ? groups.map((g) => ({ label: g || this.pages.text(ctx, 'tickets.title'), href: `${base}/tickets?view=${encodeURIComponent(views.find((v) => (v.group ?? '') === g)!.key)}`, current: g === (selected.group ?? '') })) : [],
      tabs: tabs.map((v) => ({ ...v, href: `${base}/tickets?view=${encodeURIComponent(v.key)}`, current: v.key === selected.key })),
      selected,
      viewHelp: Object.hasOwn(cfg.texts, `views.${selected.key}.help`) ? this.pages.text(ctx, `views.${selected.key}.help`) : undefined,
      q: params.q,
      status: params.status,
      statuses: statusKeys.map((k) => ({ key: k, label: pick(lifecycle.status(k).label, ctx.locale), selected: k === params.status })),
      errors,
      columns: {
        title: titleField ? pick(titleField.label, ctx.locale) : this.pages.text(ctx, 'col.title'),
        product: levels.length ? pick(localized(levels[levels.length - 1].label), ctx.locale) : this.pages.text(ctx, 'col.product'),
        priority: Boolean(cfg.priority),
        type: Object.keys(cfg.ticketTypes).length > 1,
      },
      rows: (page?.items ?? []).map((t) => ({ ...t, href: `${base}/tickets/${encodeURIComponent(t.reference)}` })),
      next: page?.nextCursor ? link({ cursor: page.nextCursor, q: params.q, status: params.status }) : undefined,
      first: params.cursor ? link({ q: params.q, status: params.status }) : undefined,
    };
  }

  async ticket(ctx: RequestContext, ref: string, state: FormState) {
    const t = await this.tickets.read(ctx, ref);
    const cfg = ctx.tenant.config;
    const base = `/${ctx.tenantId}`;
    const lifecycle = ctx.tenant.lifecycle;
    const roles = new Set(t.you.roles as Actor[]);
    const closed = t.status.category === 'closed';
    const agent = roles.has('agent');
    const defs = lifecycle.allowed(t.status.key, roles, t.type.key);
    const onComment = lifecycle.onComment(t.status.key, roles, t.type.key);
    const errorsFor = (form: string) => (state.form === form ? (state.errors ?? {}) : {});
    const valuesFor = (form: string) => (state.form === form ? (state.values ?? {}) : {});
    const participantOnly = roles.has('participant') && [...roles].every((r) => r === 'participant');
    const canComment = (!closed || agent) && !(participantOnly && cfg.participants?.canComment === false);
    const attachments = t.attachments.map((a) => ({ ...a, href: `${base}/attachments/${a.id}` }));
    const teams = cfg.teams.map((team) => ({ key: team.key, name: pick(localized(team.name), ctx.locale) }));
    const transitions = defs.map((d) => {
        const errors = errorsFor(`transition:${d.name}`);
        const values = valuesFor(`transition:${d.name}`);
        const survey = d.requires.includes('rating') && d.survey ? cfg.surveys[d.survey] : undefined;
        return {
          name: d.name,
          label: pick(d.label, ctx.locale),
          id: `transition-${d.name}`,
          open: state.form === `transition:${d.name}`,
          comment: d.requires.includes('comment') ? { value: values.comment ?? '', error: errors.comment } : undefined,
          optionalComment: !d.requires.includes('comment') && !d.requires.includes('rating') ? { value: values.comment ?? '' } : undefined,
          solution: d.requires.includes('solution') ? { value: values.solution ?? '', error: errors.solution } : undefined,
          team: d.requires.includes('team') ? { error: errors.team, options: teams.map((o) => ({ ...o, selected: o.key === values.team })) } : undefined,
          survey: survey && {
            label: survey.label ? pick(localized(survey.label), ctx.locale) : undefined,
            questions: survey.questions.map((q) => ({
              key: q.key,
              id: `${d.name}-${q.key}`,
              label: pick(localized(q.label), ctx.locale),
              help: q.help ? pick(localized(q.help), ctx.locale) : undefined,
              required: q.required,
              error: errors[`ratings.${q.key}`],
              options: range(q.min, q.max).map((n) => ({ value: n, label: q.scale?.[String(n)] ? `${n} — ${pick(localized(q.scale[String(n)] as LocalizedInput), ctx.locale)}` : String(n), checked: values[`rating_${q.key}`] === String(n) })),
            })),
          },
          general: Object.entries(errors).filter(([k]) => !['comment', 'solution', 'team'].includes(k) && !k.startsWith('ratings.')).map(([, m]) => m),
        };
      });
    const editable = t.you.editable
      .map((key) => ctx.tenant.form.find((f) => f.key === key))
      .filter((f): f is NonNullable<typeof f> => Boolean(f) && f!.type !== 'attachments')
      .map((f) => ({
        key: f.key,
        id: `edit-${f.key}`,
        label: pick(f.label, ctx.locale),
        textarea: f.type === 'textarea',
        value: valuesFor('edit')[f.key] ?? this.currentValue(t, f.key),
        error: errorsFor('edit')[f.key],
      }));
    const participantsCfg = cfg.participants;
    const canAddParticipants = Boolean(participantsCfg) && !closed && (participantsCfg!.addedBy as Actor[]).some((a) => roles.has(a));
    return {
      ticket: t,
      statusDescription: cfg.statuses[t.status.key]?.description ? pick(localized(cfg.statuses[t.status.key].description!), ctx.locale) : undefined,
      done: state.done ? this.pages.text(ctx, 'ticket.saved') : undefined,
      details: this.details(ctx, t),
      history: this.history(ctx, t, attachments),
      attachments,
      transitions,
      canComment,
      canAttach: !closed,
      closed,
      comment: { value: valuesFor('comment').body ?? '', error: errorsFor('comment').body },
      commentSubmit: packHasText(cfg.texts, 'ticket.comment.submit') ? this.pages.text(ctx, 'ticket.comment.submit') : (onComment ? pick(onComment.label, ctx.locale) : this.pages.text(ctx, 'ticket.comment.submit')),
      exchangesHelp: packHasText(cfg.texts, 'ticket.exchanges.help') ? this.pages.text(ctx, 'ticket.exchanges.help') : undefined,
      updateHelp: packHasText(cfg.texts, 'ticket.updateHelp') && canComment ? this.pages.text(ctx, 'ticket.updateHelp') : undefined,
      resolvedHelp: t.status.category === 'resolved' && transitions.length && packHasText(cfg.texts, 'ticket.resolvedHelp') ? this.pages.text(ctx, 'ticket.resolvedHelp') : undefined,
      descriptionLocked: !editable.some((e) => e.key === 'description') && roles.has('requester') && !closed && Object.hasOwn(cfg.texts, 'ticket.descriptionLocked') ? this.pages.text(ctx, 'ticket.descriptionLocked') : undefined,
      attach: { error: errorsFor('attach').file, limit: this.pages.text(ctx, 'form.attachments.limit', { max: this.maxSize(ctx), files: cfg.attachments.maxFiles }), maxBytes: ctx.tenant.maxAttachmentBytes, maxFiles: cfg.attachments.maxFiles, tooLarge: this.pages.text(ctx, 'rule.fileSize', { max: this.maxSize(ctx) }) },
      editable,
      editError: Object.keys(errorsFor('edit')).filter((k) => !editable.some((e) => e.key === k)).map((k) => errorsFor('edit')[k]),
      participantsLabel: participantsCfg ? pick(localized(participantsCfg.label), ctx.locale) : this.pages.text(ctx, 'ticket.participants'),
      participantsHelp: participantsCfg && packHasText(cfg.texts, 'ticket.participants.help') ? this.pages.text(ctx, 'ticket.participants.help') : undefined,
      showParticipants: Boolean(participantsCfg) || t.participants.length > 0,
      addParticipant: canAddParticipants ? { value: valuesFor('participants').person ?? '', error: errorsFor('participants').person, people: `${base}/portal-api/people` } : undefined,
    };
  }

  private currentValue(t: TicketView, key: string): string {
    const own = (t as unknown as Record<string, unknown>)[key];
    if (typeof own === 'string') return own;
    const custom = (t.fields as Record<string, unknown>)?.[key];
    return custom === undefined || custom === null ? '' : String(custom);
  }

  details(ctx: RequestContext, t: TicketView) {
    const label = (key: string) => this.pages.text(ctx, key);
    const rows: { label: string; value: string }[] = [];
    const add = (key: string, value: string | undefined | null) => value && rows.push({ label: label(key), value });
    add('ticket.type', t.type.label);
    add('ticket.leaf', t.leaf?.path.map((p) => p.name).join(' › '));
    add('ticket.establishment', t.establishment ? `${t.establishment.uai} — ${t.establishment.name}` : undefined);
    add('ticket.requester', t.requester?.name);
    add('ticket.beneficiary', t.beneficiary?.name);
    add('ticket.team', t.team?.name);
    add('ticket.assignee', t.assignee?.name);
    add('ticket.impact', t.impact?.label);
    add('ticket.urgency', t.urgency?.label);
    add('ticket.priority', t.priority?.label);
    if (ctx.tenant.config.visibility && ctx.tenant.config.visibility.options.length > 1) add('ticket.visibility', t.visibility?.label);
    for (const [key, value] of Object.entries((t.fields ?? {}) as Record<string, unknown>)) {
      const field = ctx.tenant.form.find((f) => f.key === key) ?? ctx.tenant.catalogue.flatMap((c) => c.fields).find((f) => f.key === key);
      const option = field?.options?.find((o) => o.value === value);
      const shown = option ? pick(option.label, ctx.locale) : typeof value === 'boolean' ? (value ? '✓' : '✗') : Array.isArray(value) ? value.join(', ') : String(value ?? '');
      if (shown) rows.push({ label: field ? pick(field.label, ctx.locale) : key, value: shown });
    }
    return rows;
  }

  /** Public entries of the history (and private ones for the desk), oldest first, in words. */
  history(ctx: RequestContext, t: TicketView, attachments: { id: string; fileName: string; createdAt: Date | string; href: string; size: number }[], withPrivate = false) {
    const lifecycle = ctx.tenant.lifecycle;
    const statusLabel = (key: unknown) => {
      try {
        return pick(lifecycle.status(String(key)).label, ctx.locale);
      } catch {
        return String(key ?? '');
      }
    };
    return (t.history ?? [])
      .filter((e) => e.public || withPrivate)
      .map((e) => {
        const data = (e.data ?? {}) as Record<string, unknown>;
        const item: Record<string, unknown> = { id: e.id, at: e.at, actor: e.actor?.name ?? '', type: e.type, private: !e.public };
        switch (e.type) {
          case 'commented':
            item.text = this.pages.text(ctx, 'event.commented');
            item.body = data.body;
            break;
          case 'transitioned': {
            const def = lifecycle.find(String(data.transition), String(data.from), t.type.key);
            item.text = this.pages.text(ctx, 'event.transitioned', { transition: def ? pick(def.label, ctx.locale) : String(data.transition), from: statusLabel(data.from), to: statusLabel(data.to) });
            item.body = data.comment;
            item.solution = data.solution;
            item.ratings = data.ratings ? this.ratings(ctx, def?.survey, data.ratings as Record<string, number>) : undefined;
            break;
          }
          case 'attachment-added': {
            const at = new Date(e.at).getTime();
            const file = attachments.find((a) => a.fileName === data.fileName && Math.abs(new Date(a.createdAt).getTime() - at) < 1000);
            item.text = this.pages.text(ctx, 'event.attachment-added');
            item.file = file ?? { fileName: data.fileName, size: data.size };
            break;
          }
          case 'participant-added':
          case 'assigned':
            item.text = this.pages.text(ctx, `event.${e.type}`, { name: String(data.name ?? data.person ?? '') });
            break;
          case 'field-changed': {
            const field = ctx.tenant.form.find((f) => f.key === data.field);
            item.text = this.pages.text(ctx, 'event.field-changed', { field: field ? pick(field.label, ctx.locale) : String(data.field) });
            break;
          }
          case 'pack-moved': {
            const moved = (data.status ?? data.team ?? {}) as { from?: string; to?: string };
            item.text = data.status
              ? this.pages.text(ctx, 'event.pack-moved.status', { from: statusLabel(moved.from), to: statusLabel(moved.to) })
              : this.pages.text(ctx, 'event.pack-moved.team', { from: String(moved.from ?? ''), to: String(moved.to ?? '') });
            break;
          }
          default: {
            const key = `event.${e.type}`;
            const text = this.pages.text(ctx, key);
            item.text = text === key ? e.type : text;
          }
        }
        return item;
      });
  }

  private ratings(ctx: RequestContext, surveyKey: string | undefined, ratings: Record<string, number>) {
    const survey = surveyKey ? ctx.tenant.config.surveys[surveyKey] : undefined;
    return Object.entries(ratings).map(([key, value]) => {
      const q = survey?.questions.find((x) => x.key === key);
      return { label: q ? pick(localized(q.label), ctx.locale) : key, value: q ? `${value} / ${q.max}` : String(value) };
    });
  }
}

function range(min: number, max: number): number[] {
  const out: number[] = [];
  for (let i = min; i <= max; i++) out.push(i);
  return out;
}
