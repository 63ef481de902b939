import { Injectable } from '@nestjs/common';
import { pick } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { PersonRow, TeamRow } from '../directory/directory.repository.js';
import type { Actor } from '../tenancy/pack.schema.js';
import type { AttachmentRow, EventRow, TicketRow } from './ticket.repository.js';

export interface LeafRef {
  key: string;
  name: string;
  path: { level: string; key: string; name: string }[];
}

export interface PersonRef {
  id: string;
  login: string;
  name: string;
}

/** Turns rows into the API's shapes, labels in the caller's language. */
@Injectable()
export class TicketPresenter {
  summary(ctx: RequestContext, t: TicketRow, leaf?: LeafRef) {
    const cfg = ctx.tenant.config;
    const status = ctx.tenant.lifecycle.statusOf(t);
    return {
      id: t.id,
      reference: t.reference,
      type: { key: t.type, label: pick(label(cfg.ticketTypes[t.type]?.label), ctx.locale) },
      status: { key: t.status, label: pick(status.label, ctx.locale), category: status.category },
      title: t.title,
      priority: t.priority ? { key: t.priority, label: pick(label(cfg.priority?.levels.find((l) => l.key === t.priority)?.label), ctx.locale) } : null,
      impact: t.impact ? { key: t.impact, label: pick(label(cfg.priority?.impact.find((l) => l.key === t.impact)?.label), ctx.locale) } : null,
      urgency: t.urgency ? { key: t.urgency, label: pick(label(cfg.priority?.urgency.find((l) => l.key === t.urgency)?.label), ctx.locale) } : null,
      leaf: leaf ?? null,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
    };
  }

  detail(
    ctx: RequestContext,
    t: TicketRow,
    extra: {
      actors: Set<Actor>;
      people: Map<string, PersonRow>;
      team?: TeamRow;
      leaf?: LeafRef;
      establishment?: { uai: string; name: string };
      participants: string[];
      attachments: AttachmentRow[];
      events?: EventRow[];
    },
  ) {
    const cfg = ctx.tenant.config;
    const person = (id: string | null): PersonRef | null => {
      const p = id ? extra.people.get(id) : undefined;
      return p ? { id: p.id, login: p.login, name: p.display_name } : null;
    };
    const { lifecycle } = ctx.tenant;
    const transitions = lifecycle.allowed(t.status, extra.actors, t.type).map((tr) => ({
      name: tr.name,
      label: pick(tr.label, ctx.locale),
      to: tr.to,
      requires: tr.requires,
      survey: tr.survey ? this.survey(ctx, tr.survey) : undefined,
    }));
    const editable = extra.actors.has('requester') || extra.actors.has('agent') ? [...ctx.tenant.form].filter((f) => f.editableIn.includes(t.status)).map((f) => f.key) : [];
    return {
      ...this.summary(ctx, t, extra.leaf),
      description: t.description,
      establishment: extra.establishment ?? null,
      requester: person(t.requester_id),
      beneficiary: person(t.beneficiary_id),
      team: extra.team ? { key: extra.team.key, name: pick(extra.team.name, ctx.locale) } : null,
      assignee: person(t.assignee_id),
      visibility: t.visibility ? { value: t.visibility, label: pick(label(cfg.visibility?.options.find((o) => o.value === t.visibility)?.label), ctx.locale) } : null,
      fields: t.fields,
      solution: t.solution,
      resolvedAt: t.resolved_at,
      closedAt: t.closed_at,
      version: t.version,
      participants: extra.participants.map((id) => person(id)).filter(Boolean),
      attachments: extra.attachments.map((a) => this.attachment(ctx, a)),
      you: { roles: [...extra.actors], transitions, editable },
      history: extra.events?.map((e) => ({
        id: Number(e.id),
        type: e.type,
        public: e.public,
        at: e.created_at,
        actor: e.actor_id ? person(e.actor_id) : { id: null, login: 'system', name: 'Guichet' },
        data: e.data,
      })),
    };
  }

  attachment(ctx: RequestContext, a: AttachmentRow) {
    return {
      id: a.id,
      fileName: a.file_name,
      contentType: a.content_type,
      size: Number(a.size_bytes),
      createdAt: a.created_at,
      url: `/api/${ctx.tenantId}/attachments/${a.id}`,
    };
  }

  survey(ctx: RequestContext, key: string) {
    const survey = ctx.tenant.config.surveys[key];
    return {
      key,
      questions: survey.questions.map((q) => ({ key: q.key, label: pick(label(q.label), ctx.locale), min: q.min, max: q.max, required: q.required })),
    };
  }
}

function label(input: string | { fr: string; en?: string } | undefined): { fr: string; en?: string } | undefined {
  return typeof input === 'string' ? { fr: input } : input;
}
