import type { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { DomainError, FieldErrors, ValidationFailed } from '../common/errors.js';
import { pick } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { DirectoryRepository, type PersonRow, type TeamRow } from '../directory/directory.repository.js';
import type { TransitionDefinition } from '../lifecycle/lifecycle.js';
import type { Actor } from '../tenancy/pack.schema.js';
import type { FileSink } from '../storage/multipart-form.js';
import { StorageDriver, StorageObjectMissing } from '../storage/storage.js';
import { checkStoredFiles, sanitizeFileName, type StoredFile } from './attachment-rules.js';
import { TicketAccess } from './ticket-access.js';
import { checkValues } from './ticket-form.js';
import { computePriority } from '../tenancy/priority-matrix.js';
import { TicketParticipants } from './ticket-participants.js';
import { EventBus } from '../events/event-bus.js';
import { TicketRepository, type AttachmentRow, type TicketRow } from './ticket.repository.js';

export interface TransitionInput {
  transition: string;
  comment?: string;
  solution?: string;
  team?: string;
  ratings?: Record<string, number>;
  /** The pack timer applying it (recorded in the history), when the system acts. */
  timer?: string;
}

/** Form fields kept in their own ticket columns (the others go to `fields`). */
const COLUMNS: Record<string, 'title' | 'description' | 'impact' | 'urgency' | 'visibility'> = {
  title: 'title',
  description: 'description',
  impact: 'impact',
  urgency: 'urgency',
  visibility: 'visibility',
};
const REQUALIFIABLE = new Set(['impact', 'urgency']);

const TOPIC_BY_CATEGORY: Record<string, string> = { resolved: 'ticket.resolved', closed: 'ticket.closed', waiting: 'ticket.waiting' };

/** Everything that changes an existing ticket; each call is one transaction with its events and outbox rows. */
@Injectable()
export class TicketActionsService {
  private readonly logger = new Logger('Attachments');

  constructor(
    private readonly tickets: TicketRepository,
    private readonly directory: DirectoryRepository,
    private readonly access: TicketAccess,
    private readonly participants: TicketParticipants,
    private readonly storage: StorageDriver,
    private readonly clock: Clock,
    private readonly events: EventBus,
  ) {}

  async transition(ctx: RequestContext, ref: string, input: TransitionInput): Promise<TicketRow> {
    return ctx.transaction(async (tx) => {
      const { ticket, actors } = await this.access.visibleTicket(tx, ref, true);
      const allowed = tx.tenant.lifecycle.allowed(ticket.status, actors, ticket.type);
      const transition = allowed.find((t) => t.name === input.transition);
      if (!transition) throw this.notAllowed(tx, ticket, input.transition, allowed);
      this.checkRequirements(tx, transition, input);
      const team = transition.requires.includes('team') ? await this.directory.teamByKey(tx, input.team!.trim()) : undefined;
      if (transition.requires.includes('team') && !team) {
        const errors = new FieldErrors();
        errors.add('team', 'rule.option');
        errors.throwIfAny();
      }
      return this.apply(tx, ticket, transition, input, team);
    });
  }

  /**
   * Applies a transition already checked; comment triggers and the desk call it too. `assigneeId`
   * is who an `assign-actor` effect gives the ticket to, the actor by default.
   */
  async apply(
    ctx: RequestContext,
    ticket: TicketRow,
    transition: TransitionDefinition,
    input: Omit<TransitionInput, 'transition'>,
    team?: TeamRow,
    assigneeId?: string,
  ): Promise<TicketRow> {
    const now = this.clock.now();
    const lifecycle = ctx.tenant.lifecycle;
    const to = lifecycle.status(transition.to);
    const patch: Partial<TicketRow> = { status: to.key, status_category: to.category, status_changed_at: now };
    if (team) patch.team_id = team.id;
    if (transition.effects.includes('assign-actor') && (assigneeId ?? ctx.actor.id)) patch.assignee_id = assigneeId ?? ctx.actor.id;
    if (transition.effects.includes('clear-assignee')) patch.assignee_id = null;
    if (transition.effects.includes('clear-resolution')) Object.assign(patch, { solution: null, resolved_at: null });
    if (to.category === 'resolved') Object.assign(patch, { resolved_at: now, solution: input.solution?.trim() || ticket.solution });
    // Packs without a resolved status (an agent closes with the solution) keep it on the ticket too.
    else if (input.solution?.trim()) patch.solution = input.solution.trim();
    if (to.category === 'closed') patch.closed_at = now;
    else if (ticket.closed_at) patch.closed_at = null;
    const updated = await this.tickets.update(ctx, ticket.id, patch, now);
    const event = await this.tickets.insertEvent(
      ctx,
      ticket.id,
      'transitioned',
      ctx.actor.id,
      true,
      { transition: transition.name, from: ticket.status, to: to.key, team: team?.key, comment: input.comment?.trim() || undefined, solution: input.solution?.trim() || undefined, ratings: input.ratings, timer: input.timer },
      now,
    );
    const topic = transition.name === 'reopen' || (ticket.status_category === 'resolved' && to.category !== 'closed') ? 'ticket.reopened' : (TOPIC_BY_CATEGORY[to.category] ?? 'ticket.transitioned');
    // The event names what the mail shows (the comment, the solution), even if the ticket moves on before it is sent.
    await this.events.publish(ctx, 'ticket.transitioned', { ticket: updated, before: ticket, transition: transition.name, from: ticket.status, to: to.key, topic, entryId: event.id, at: now });
    await this.events.publish(ctx, 'ticket.changed', { before: ticket, after: updated, at: now, transition, solution: input.solution?.trim() || undefined });
    return updated;
  }

  /** A public exchange or a private note; a public one may move the ticket (pack `on: comment`). */
  async comment(ctx: RequestContext, ref: string, body: string, isPrivate = false): Promise<TicketRow> {
    return ctx.transaction(async (tx) => {
      const { ticket, actors } = await this.access.visibleTicket(tx, ref, true);
      const errors = new FieldErrors();
      const text = (body ?? '').trim();
      if (!text) errors.add('body', 'rule.required');
      if (text.length > tx.tenant.config.limits.commentMaxLength) errors.add('body', 'rule.maxLength', { max: tx.tenant.config.limits.commentMaxLength });
      errors.throwIfAny();
      if (isPrivate && !actors.has('agent')) throw new DomainError('FORBIDDEN');
      if (actors.has('participant') && actors.size === 1 && tx.tenant.config.participants?.canComment === false) throw new DomainError('FORBIDDEN');
      if (ticket.status_category === 'closed' && !actors.has('agent')) throw new DomainError('TRANSITION_NOT_ALLOWED', { transition: 'comment', status: pick(tx.tenant.lifecycle.statusOf(ticket).label, tx.locale) }, { allowed: [] });
      const now = this.clock.now();
      const event = await this.tickets.insertEvent(tx, ticket.id, isPrivate ? 'noted' : 'commented', tx.actor.id, !isPrivate, { body: text }, now);
      let updated = await this.tickets.update(tx, ticket.id, {}, now);
      if (!isPrivate) {
        await this.events.publish(tx, 'ticket.commented', { ticket: updated, entryId: event.id, at: now });
        const triggered = tx.tenant.lifecycle.onComment(ticket.status, actors, ticket.type);
        if (triggered) updated = await this.apply(tx, updated, triggered, {});
      }
      return updated;
    });
  }

  /**
   * Changes fields the pack keeps editable in the current status (e.g. the description while
   * "Affectée"). Agents may also requalify impact and urgency until the ticket is closed; the
   * priority follows the pack's matrix and the change is kept in the history.
   */
  async edit(ctx: RequestContext, ref: string, values: Record<string, unknown>): Promise<TicketRow> {
    return ctx.transaction(async (tx) => {
      const { ticket, actors } = await this.access.visibleTicket(tx, ref, true);
      if (!actors.has('requester') && !actors.has('agent')) throw new DomainError('FORBIDDEN');
      const errors = new FieldErrors();
      const requalifying = (key: string) => actors.has('agent') && REQUALIFIABLE.has(key) && ticket.status_category !== 'closed';
      const fields = tx.tenant.form.filter((f) => f.key in values);
      for (const key of Object.keys(values)) {
        const field = tx.tenant.form.find((f) => f.key === key);
        if (field && !field.editableIn.includes(ticket.status) && !requalifying(key)) errors.add(key, 'rule.editable');
      }
      const clean = checkValues(fields, values, tx.tenant, errors, 'update');
      for (const f of fields) if (f.required && clean[f.key] === undefined && !errors.has(f.key)) errors.add(f.key, 'rule.required');
      errors.throwIfAny();
      const now = this.clock.now();
      const patch: Partial<TicketRow> = {};
      const custom = { ...ticket.fields };
      const changed: string[] = [];
      for (const [key, value] of Object.entries(clean)) {
        const column = COLUMNS[key];
        const before = column ? ticket[column] : custom[key];
        if (before === value) continue;
        if (column) Object.assign(patch, { [column]: value });
        else custom[key] = value;
        changed.push(key);
        await this.tickets.insertEvent(tx, ticket.id, 'field-changed', tx.actor.id, true, { field: key, from: before ?? null, to: value }, now);
      }
      const priority = tx.tenant.config.priority;
      if (priority && (patch.impact || patch.urgency)) patch.priority = computePriority(priority, patch.impact ?? ticket.impact ?? undefined, patch.urgency ?? ticket.urgency ?? undefined);
      if (JSON.stringify(custom) !== JSON.stringify(ticket.fields)) patch.fields = custom;
      const updated = await this.tickets.update(tx, ticket.id, patch, now);
      await this.events.publish(tx, 'ticket.updated', { ticket: updated, before: ticket, fields: changed, at: now });
      await this.events.publish(tx, 'ticket.changed', { before: ticket, after: updated, at: now });
      return updated;
    });
  }

  async addParticipant(ctx: RequestContext, ref: string, personRef: string): Promise<TicketRow> {
    return ctx.transaction(async (tx) => {
      const { ticket, actors } = await this.access.visibleTicket(tx, ref, true);
      const addedBy = tx.tenant.config.participants?.addedBy ?? [];
      if (!tx.tenant.config.participants || !addedBy.some((a) => actors.has(a))) throw new DomainError('FORBIDDEN');
      const errors = new FieldErrors();
      const [person] = await this.participants.resolve(tx, [personRef], ticket.establishment_id, 'person', errors);
      errors.throwIfAny();
      const now = this.clock.now();
      await this.participants.add(tx, ticket, person, now);
      return this.tickets.update(tx, ticket.id, {}, now);
    });
  }

  /** An agent gives the ticket to a person who holds the agent role (the ticket stays with its team). */
  async assign(ctx: RequestContext, ref: string, personRef: string): Promise<TicketRow> {
    return ctx.transaction(async (tx) => {
      const { ticket, actors } = await this.access.visibleTicket(tx, ref, true);
      if (!actors.has('agent')) throw new DomainError('FORBIDDEN');
      const person = await this.assignable(tx, ticket, personRef);
      return this.setAssignee(tx, ticket, person);
    });
  }

  /** A person who may be given `ticket`: an agent who can act on its team's tickets; else a 400 on `person`. */
  async assignable(ctx: RequestContext, ticket: TicketRow, personRef: string): Promise<PersonRow> {
    const person = await this.directory.personByLoginOrId(ctx, personRef);
    const errors = new FieldErrors();
    if (!person || !person.roles.some((r) => r === 'agent' || r === 'admin')) errors.add('person', 'rule.person', { person: personRef });
    else if ((await this.access.deskRightOf(ctx, person, ticket.team_id)) !== 'act') errors.add('person', 'rule.teamMember', { person: personRef });
    errors.throwIfAny();
    return person!;
  }

  /** Gives a locked ticket to `person` with an `assigned` event (nothing if already theirs). */
  async setAssignee(ctx: RequestContext, ticket: TicketRow, person: PersonRow): Promise<TicketRow> {
    const now = this.clock.now();
    if (ticket.assignee_id === person.id) return ticket;
    await this.tickets.insertEvent(ctx, ticket.id, 'assigned', ctx.actor.id, true, { person: person.login, name: person.display_name }, now);
    const updated = await this.tickets.update(ctx, ticket.id, { assignee_id: person.id }, now);
    await this.events.publish(ctx, 'ticket.assigned', { ticket: updated, before: ticket, assignee: person.id, at: now });
    await this.events.publish(ctx, 'ticket.changed', { before: ticket, after: updated, at: now });
    return updated;
  }

  /** Where an upload's files go while its request is read: this tenant's storage. */
  fileSink(ctx: RequestContext): FileSink {
    return { put: (data) => this.storage.put(ctx.tenantId, data), remove: (key) => this.storage.remove(key) };
  }

  /**
   * Whether the caller may add files to the ticket, checked before a byte of the upload is read:
   * visible, open, allowed to add, and not full. The count is checked again under the row lock.
   */
  async checkAttach(ctx: RequestContext, ref: string, field = 'file'): Promise<TicketRow> {
    const { ticket, actors } = await this.access.visibleTicket(ctx, ref);
    this.checkMayAttach(ctx, ticket, actors);
    const max = ctx.tenant.config.attachments.maxFiles;
    if ((await this.tickets.countAttachments(ctx, ticket.id)) >= max) throw new ValidationFailed([{ field, rule: 'rule.fileCount', params: { max } }]);
    return ticket;
  }

  /**
   * Records files already in storage, all or none, in one transaction that holds the ticket's row
   * lock while it counts the ticket's files: parallel uploads cannot pass the pack's `maxFiles`
   * together. Files that are refused, for any reason, are removed from storage.
   */
  async attachFiles(ctx: RequestContext, ref: string, files: StoredFile[], field = 'file'): Promise<AttachmentRow[]> {
    try {
      const errors = new FieldErrors();
      checkStoredFiles(ctx, files, field, errors);
      errors.throwIfAny();
      return await ctx.transaction(async (tx) => {
        const { ticket, actors } = await this.access.visibleTicket(tx, ref, true);
        this.checkMayAttach(tx, ticket, actors);
        const max = tx.tenant.config.attachments.maxFiles;
        if ((await this.tickets.countAttachments(tx, ticket.id)) + files.length > max) throw new ValidationFailed([{ field, rule: 'rule.fileCount', params: { max } }]);
        const now = this.clock.now();
        const rows: AttachmentRow[] = [];
        for (const file of files) {
          const fileName = sanitizeFileName(file.fileName);
          const event = await this.tickets.insertEvent(tx, ticket.id, 'attachment-added', tx.actor.id, true, { fileName, size: file.size }, now);
          rows.push(
            await this.tickets.insertAttachment(tx, {
              ticket_id: ticket.id,
              event_id: event.id,
              file_name: fileName,
              content_type: file.mimeType || 'application/octet-stream',
              size_bytes: String(file.size),
              sha256: file.sha256,
              storage_key: file.key,
              uploaded_by: tx.actor.id,
              created_at: now,
            }),
          );
        }
        const updated = await this.tickets.update(tx, ticket.id, {}, now);
        for (const row of rows) await this.events.publish(tx, 'ticket.attachment-added', { ticket: updated, entryId: row.event_id!, fileName: row.file_name, at: now });
        return rows;
      });
    } catch (error) {
      await this.discard(ctx, files);
      throw error;
    }
  }

  /** Removes from storage files that will not be recorded (a refused form, a failed creation). */
  async discard(_ctx: RequestContext, files: StoredFile[]): Promise<void> {
    for (const file of files) {
      try {
        await this.storage.remove(file.key);
      } catch (error) {
        this.logger.error(`could not remove refused file ${file.key}: ${(error as Error).message}`);
      }
    }
  }

  /** The attachment and its bytes; a file gone from storage is a logged 404, not a crash. */
  async download(ctx: RequestContext, attachmentId: string): Promise<{ attachment: AttachmentRow; stream: Readable }> {
    const attachment = await this.tickets.attachment(ctx, attachmentId);
    if (!attachment) throw new DomainError('ATTACHMENT_NOT_FOUND');
    try {
      await this.access.visibleTicket(ctx, attachment.ticket_id);
    } catch {
      throw new DomainError('ATTACHMENT_NOT_FOUND');
    }
    try {
      return { attachment, stream: await this.storage.open(attachment.storage_key) };
    } catch (error) {
      if (!(error instanceof StorageObjectMissing)) throw error;
      this.logger.warn(`${ctx.tenantId}: attachment ${attachment.id} of ticket ${attachment.ticket_id} has no file in storage (${attachment.storage_key})`);
      throw new DomainError('ATTACHMENT_NOT_FOUND');
    }
  }

  private checkMayAttach(ctx: RequestContext, ticket: TicketRow, actors: Set<Actor>): void {
    // Like comments: participants of a pack whose participants only read (`canComment: false`) add no files.
    if (actors.has('participant') && actors.size === 1 && ctx.tenant.config.participants?.canComment === false) throw new DomainError('FORBIDDEN');
    if (ticket.status_category === 'closed') throw new DomainError('TRANSITION_NOT_ALLOWED', { transition: 'attach', status: pick(ctx.tenant.lifecycle.statusOf(ticket).label, ctx.locale) }, { allowed: [] });
  }

  private checkRequirements(ctx: RequestContext, transition: TransitionDefinition, input: TransitionInput): void {
    const errors = new FieldErrors();
    if (transition.requires.includes('comment') && !input.comment?.trim()) errors.add('comment', 'rule.required');
    if (transition.requires.includes('solution') && !input.solution?.trim()) errors.add('solution', 'rule.required');
    if (transition.requires.includes('team') && !input.team?.trim()) errors.add('team', 'rule.required');
    if (transition.requires.includes('rating') && transition.survey) {
      for (const q of ctx.tenant.config.surveys[transition.survey].questions) {
        const value = input.ratings?.[q.key];
        if (value === undefined || value === null) {
          if (q.required) errors.add(`ratings.${q.key}`, 'rule.required');
        } else if (!Number.isInteger(value) || value < q.min || value > q.max) errors.add(`ratings.${q.key}`, 'rule.rating', { min: q.min, max: q.max });
      }
    }
    errors.throwIfAny();
  }

  private notAllowed(ctx: RequestContext, ticket: TicketRow, name: string, allowed: TransitionDefinition[]): DomainError {
    const status = ctx.tenant.lifecycle.statusOf(ticket);
    return new DomainError('TRANSITION_NOT_ALLOWED', { transition: name, status: pick(status.label, ctx.locale) }, {
      allowed: allowed.map((t) => ({ name: t.name, label: pick(t.label, ctx.locale), requires: t.requires })),
    });
  }
}

