import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { TicketService } from '../tickets/ticket.service.js';

/**
 * Loads a pack's `demo.yaml`: establishments, people, memberships, teams and tickets replayed
 * through the real services (references, events and notifications are genuine). Runs once per
 * tenant: a tenant that already has people is left alone.
 */
@Injectable()
export class DemoSeeder {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly tickets: TicketService,
    private readonly actions: TicketActionsService,
  ) {}

  async seed(ctx: RequestContext, options: { force?: boolean } = {}): Promise<{ people: number; tickets: number } | null> {
    const demo = ctx.tenant.demo;
    if (!demo) return null;
    if (!options.force && (await this.directory.countPeople(ctx)) > 0) return null;
    const ids = new Map<string, string>();
    await ctx.transaction(async (tx) => {
      await this.directory.upsertEstablishments(tx, demo.establishments.map((e) => ({ uai: e.uai, name: e.name, kind: e.kind, city: e.city })));
      for (const p of demo.people) {
        const id = await this.directory.upsertPerson(tx, { login: p.login, name: p.name, email: p.email, roles: p.roles, title: p.title, phone: p.phone, locale: p.locale });
        ids.set(p.login, id);
        for (const m of p.establishments) {
          const e = await this.directory.establishmentByUaiOrId(tx, m.uai);
          if (e) await this.directory.setMembership(tx, id, e.id, m.roles);
        }
        for (const t of p.teams) {
          const team = await this.directory.teamByKey(tx, t.key);
          if (team) await this.directory.addTeamMember(tx, team.id, id, t.lead);
        }
      }
      for (const e of demo.establishments) {
        const est = await this.directory.establishmentByUaiOrId(tx, e.uai);
        for (const login of e.allowList ?? []) if (est && ids.has(login)) await this.directory.addToAllowList(tx, est.id, ids.get(login)!);
      }
    });
    const as = (login: string) => {
      const person = demo.people.find((p) => p.login === login)!;
      return ctx.withActor({ kind: 'person', id: ids.get(login)!, login, displayName: person.name, roles: person.roles });
    };
    const hasContacts = ctx.tenant.form.some((f) => f.key === 'contacts');
    for (const t of demo.tickets) {
      const created = await this.tickets.create(as(t.requester), {
        leaf: t.leaf,
        values: {
          title: t.title,
          description: t.description,
          ...(t.establishment ? { establishment: t.establishment } : {}),
          ...(t.beneficiary ? { beneficiary: t.beneficiary } : {}),
          ...(t.participants.length && hasContacts ? { contacts: t.participants } : {}),
          ...t.values,
        },
      });
      // Packs whose form has no contacts field share after creation, as their people do.
      if (!hasContacts) for (const login of t.participants) await this.actions.addParticipant(as(t.requester), created.id, login);
      for (const c of t.comments) await this.actions.comment(as(c.by), created.id, c.body, c.private);
      for (const step of t.path) {
        await this.actions.transition(as(step.by), created.id, { transition: step.apply, comment: step.comment, solution: step.solution, team: step.team, ratings: step.ratings });
      }
      if (t.assignee) await this.actions.assign(as(t.assignee), created.id, t.assignee);
    }
    return { people: demo.people.length, tickets: demo.tickets.length };
  }
}
