import { ActionLimits } from '../auth/action-limits.js';
import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { TicketService } from '../tickets/ticket.service.js';
import { Controller, Get, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readUpload } from '../api/attachment-http.js';
import { AcceptsFiles, portalCsrf, PortalSessionGuard, type PortalRequest } from '../auth/portal-session.guard.js';
import type { FormFieldView } from '../catalogue/catalogue.service.js';
import { FieldErrors, type FieldProblem } from '../common/errors.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { checkValues } from '../tickets/ticket-form.js';
import type { ReceivedFile } from '../storage/multipart-form.js';
import { checkStoredFiles } from '../tickets/attachment-rules.js';
import { fieldErrors, fieldModels, personLogin, problemsOf } from './form-model.js';
import { PortalErrorFilter } from './portal-error.filter.js';
import { PortalPages } from './portal-page.js';

/** Body fields of the create form that are not ticket values. */
const CONTROL_FIELDS = new Set(['_csrf', 'attachments']);

/** The create form generated from the pack and the leaf, and the confirmation page. */
@ApiExcludeController()
@UseFilters(PortalErrorFilter)
@UseGuards(PortalSessionGuard)
@Controller(':tenant')
export class PortalCreateController {
  constructor(
    private readonly limits: ActionLimits,
    private readonly actions: TicketActionsService,
    private readonly catalogue: CatalogueService,
    private readonly directory: DirectoryRepository,
    private readonly tickets: TicketService,
    @Inject(PortalPages) private readonly pages: PortalPages,
  ) {}

  @Get('new/:leaf')
  async form(@Req() req: PortalRequest, @Res() res: Response, @Param('leaf') leaf: string): Promise<void> {
    await this.render(req, res, leaf, {}, [], false);
  }

  /**
   * Reads the form, its files streaming to storage within the pack's limits (413 beyond them,
   * what was typed kept); checks everything the page can check before writing (form rules, people
   * typed by name, file types) and reports it all at once; then creates the ticket, attaches the
   * files and shows the confirmation. Files of a refused form are removed from storage.
   */
  @Post('new/:leaf')
  @AcceptsFiles()
  async create(@Req() req: PortalRequest, @Res() res: Response, @Param('leaf') leafKey: string): Promise<void> {
    const ctx = this.pages.ctx(req);
    await this.limits.hit(ctx, 'create');
    const form = await this.catalogue.form(ctx, leafKey);
    const takesFiles = form.fields.some((f) => f.type === 'attachments');
    const upload = await readUpload(this.actions, ctx, req, res, { fileFields: takesFiles ? ['attachments'] : [], authorize: portalCsrf(req) });
    const typed = Object.fromEntries(Object.entries(upload.fields).filter(([k]) => !CONTROL_FIELDS.has(k)));
    const problems: FieldProblem[] = [...upload.problems];
    const values = await this.resolvePeople(ctx, form.fields, typed, problems);
    for (const key of Object.keys(values)) if (!form.fields.some((f) => f.key === key)) delete values[key];
    if (upload.files.length) problems.push(...this.checkFiles(ctx, upload.files));
    try {
      const errors = new FieldErrors();
      checkValues(this.catalogue.fieldsFor(ctx, (await this.catalogue.leaf(ctx, leafKey)), form.type), values, ctx.tenant, errors);
      errors.throwIfAny();
    } catch (error) {
      problems.push(...problemsOf(error).filter((p) => !problems.some((q) => q.field === p.field)));
    }
    if (problems.length) {
      await this.actions.discard(ctx, upload.files);
      return this.render(req, res, leafKey, typed, problems, true, upload.tooLarge ? 413 : 400);
    }
    let created;
    try {
      created = await this.tickets.create(ctx, { leaf: leafKey, values });
    } catch (error) {
      await this.actions.discard(ctx, upload.files);
      return this.render(req, res, leafKey, typed, problemsOf(error), true);
    }
    if (upload.files.length) await this.actions.attachFiles(ctx, created.reference, upload.files, 'attachments');
    res.redirect(303, `/${ctx.tenantId}/tickets/${encodeURIComponent(created.reference)}/created`);
  }

  @Get('tickets/:ref/created')
  async created(@Req() req: PortalRequest, @Res() res: Response, @Param('ref') ref: string): Promise<void> {
    const ctx = this.pages.ctx(req);
    const ticket = await this.tickets.read(ctx, ref);
    const texts = ctx.tenant.config.texts;
    const ack = texts.acknowledgement ? this.pages.text(ctx, 'acknowledgement', { reference: ticket.reference, title: ticket.title }) : ticket.reference;
    const formFields = ctx.tenant.form;
    const custom = Object.entries(ticket.fields ?? {}).map(([key, value]) => {
      const field = formFields.find((f) => f.key === key);
      const label = field ? (ctx.locale === 'en' ? (field.label.en ?? field.label.fr) : field.label.fr) : key;
      const option = field?.options?.find((o) => o.value === value);
      return { label, value: option ? (ctx.locale === 'en' ? (option.label.en ?? option.label.fr) : option.label.fr) : typeof value === 'boolean' ? (value ? '✓' : '✗') : String(value) };
    });
    const follow = Object.hasOwn(texts, 'followUp') ? this.pages.text(ctx, 'followUp', { reference: ticket.reference }) : undefined;
    await this.pages.send(req, res, 'created', { title: this.pages.text(ctx, 'confirm.title'), nav: 'new' }, {
      ticket,
      ack,
      follow,
      custom,
      signature: Object.hasOwn(texts, 'signature') ? this.pages.text(ctx, 'signature') : undefined,
      href: `/${ctx.tenantId}/tickets/${encodeURIComponent(ticket.reference)}`,
      path: ticket.leaf?.path.map((p) => p.name).join(' › '),
    });
  }

  private async render(req: PortalRequest, res: Response, leafKey: string, typed: Record<string, unknown>, problems: FieldProblem[], submitted: boolean, status = problems.length ? 400 : 200) {
    const ctx = this.pages.ctx(req);
    const form = await this.catalogue.form(ctx, leafKey);
    const memberships = await this.directory.membershipsOf(ctx, ctx.actor.id!);
    const errors = fieldErrors(ctx, problems);
    const base = `/${ctx.tenantId}`;
    const fields = fieldModels(ctx, form.fields, { values: typed, errors, memberships, base, leaf: leafKey, submitted });
    const node = await this.catalogue.node(ctx, leafKey);
    const known = new Set(fields.map((f) => f.key));
    // Problems on fields the page does not show (e.g. `leaf`) are listed at the top.
    const general = Object.entries(errors).filter(([k]) => !known.has(k)).map(([, m]) => m);
    await this.pages.send(
      req,
      res,
      'create',
      {
        title: this.pages.text(ctx, 'create.title') + ' — ' + form.leaf.name,
        nav: 'new',
        breadcrumb: [{ label: this.pages.text(ctx, 'catalogue.title'), href: `${base}/catalogue` }, { label: form.leaf.name }],
        status,
      },
      {
        leaf: form.leaf,
        typeLabel: ctx.tenant.config.ticketTypes[form.type] ? this.typeLabel(ctx, form.type) : form.type,
        fields,
        faq: node.faq ?? [],
        errorCount: Object.keys(errors).length,
        general,
        action: `${base}/new/${encodeURIComponent(leafKey)}`,
        cancel: `${base}/catalogue${form.leaf.path.length > 1 ? `?node=${encodeURIComponent(form.leaf.path.at(-2)!.key)}` : ''}`,
        multipart: form.fields.some((f) => f.type === 'attachments'),
        intro: Object.keys(ctx.tenant.config.texts).some((k) => ['formIntro', 'form.themeRequired', 'createHelp', 'create.intro'].includes(k)) ? this.pages.text(ctx, 'create.intro') : undefined,
        rules: Object.hasOwn(ctx.tenant.config.texts, 'rules') ? this.pages.text(ctx, 'form.rules') : undefined,
      },
    );
  }

  private typeLabel(ctx: RequestContext, type: string): string {
    const label = ctx.tenant.config.ticketTypes[type].label;
    return typeof label === 'string' ? label : ctx.locale === 'en' ? (label.en ?? label.fr) : label.fr;
  }

  /**
   * Person fields accept a login or a name: a name that matches one person of the directory is
   * replaced by their login; several matches ask the person to pick.
   */
  private async resolvePeople(ctx: RequestContext, fields: FormFieldView[], typed: Record<string, unknown>, problems: FieldProblem[]): Promise<Record<string, unknown>> {
    const values: Record<string, unknown> = { ...typed };
    for (const field of fields.filter((f) => f.type === 'person' || f.type === 'people')) {
      const raw = typed[field.key];
      if (typeof raw !== 'string' || !raw.trim()) continue;
      const entries = field.type === 'people' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [raw.trim()];
      const logins: string[] = [];
      for (const entry of entries) {
        const login = await personLogin(this.directory, ctx, entry);
        if (login === null) problems.push({ field: field.key, rule: 'rule.person', params: { person: entry } });
        else if (login === undefined) problems.push({ field: field.key, rule: 'rule.ambiguous', params: { person: entry } });
        else logins.push(login);
      }
      values[field.key] = field.type === 'people' ? logins : logins[0];
    }
    return values;
  }

  /** File types against the pack's `accept` (size and count were checked while reading). */
  private checkFiles(ctx: RequestContext, files: ReceivedFile[]): FieldProblem[] {
    const errors = new FieldErrors();
    checkStoredFiles(ctx, files, 'attachments', errors);
    return errors.all();
  }
}
