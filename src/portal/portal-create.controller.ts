import { TicketActionsService } from '../tickets/ticket-actions.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { DirectoryRepository } from '../directory/directory.repository.js';
import { TicketService } from '../tickets/ticket.service.js';
import { Body, Controller, Get, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { PortalSessionGuard, type PortalRequest } from '../auth/portal-session.guard.js';
import type { FormFieldView } from '../catalogue/catalogue.service.js';
import { FieldErrors, type FieldProblem } from '../common/errors.js';
import { formatSize } from '../common/units.js';
import type { RequestContext } from '../tenancy/request-context.js';
import { checkValues } from '../tickets/ticket-form.js';
import type { UploadedFile } from '../tickets/ticket-actions.service.js';
import type { PortalUploadRequest } from './assets.js';
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
   * Checks everything the page can check before writing (form rules, people typed by name, the
   * pack's attachment limits) and reports it all at once; then creates the ticket and attaches
   * the files, and shows the confirmation.
   */
  @Post('new/:leaf')
  async create(@Req() req: PortalRequest & PortalUploadRequest, @Res() res: Response, @Param('leaf') leafKey: string, @Body() body: Record<string, unknown>): Promise<void> {
    const ctx = this.pages.ctx(req);
    const form = await this.catalogue.form(ctx, leafKey);
    const typed = Object.fromEntries(Object.entries(body ?? {}).filter(([k]) => !CONTROL_FIELDS.has(k)));
    const files = ((req.files as UploadedFile[] | undefined) ?? []).filter((f) => f.size > 0 || f.originalname);
    const problems: FieldProblem[] = [];
    const values = await this.resolvePeople(ctx, form.fields, typed, problems);
    for (const key of Object.keys(values)) if (!form.fields.some((f) => f.key === key)) delete values[key];
    problems.push(...this.checkFiles(ctx, form.fields, files, req.uploadError));
    try {
      const errors = new FieldErrors();
      checkValues(this.catalogue.fieldsFor(ctx, (await this.catalogue.leaf(ctx, leafKey)), form.type), values, ctx.tenant, errors);
      errors.throwIfAny();
    } catch (error) {
      problems.push(...problemsOf(error).filter((p) => !problems.some((q) => q.field === p.field)));
    }
    if (problems.length) return this.render(req, res, leafKey, typed, problems, true);
    let created;
    try {
      created = await this.tickets.create(ctx, { leaf: leafKey, values });
    } catch (error) {
      return this.render(req, res, leafKey, typed, problemsOf(error), true);
    }
    for (const file of files) await this.actions.attach(ctx, created.reference, file);
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

  private async render(req: PortalRequest, res: Response, leafKey: string, typed: Record<string, unknown>, problems: FieldProblem[], submitted: boolean) {
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
        status: problems.length ? 400 : 200,
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

  private checkFiles(ctx: RequestContext, fields: FormFieldView[], files: UploadedFile[], uploadError?: string): FieldProblem[] {
    const max = ctx.tenant.maxAttachmentBytes;
    const size = formatSize(max, ctx.locale);
    if (!fields.some((f) => f.type === 'attachments')) return files.length ? [{ field: 'attachments', rule: 'rule.unknown' }] : [];
    if (uploadError === 'fileSize') return [{ field: 'attachments', rule: 'rule.fileSize', params: { max: size } }];
    const limit = ctx.tenant.config.attachments.maxFiles;
    if (uploadError === 'fileCount' || files.length > limit) return [{ field: 'attachments', rule: 'rule.fileCount', params: { max: limit } }];
    const tooBig = files.find((f) => f.size > max);
    if (tooBig) return [{ field: 'attachments', rule: 'rule.fileSize', params: { max: size } }];
    const accept = ctx.tenant.config.attachments.accept;
    if (accept && files.some((f) => !accept.some((a) => (a.startsWith('.') ? f.originalname.toLowerCase().endsWith(a.toLowerCase()) : a.endsWith('/*') ? f.mimetype.startsWith(a.slice(0, -1)) : f.mimetype === a)))) {
      return [{ field: 'attachments', rule: 'rule.fileType' }];
    }
    return [];
  }
}
