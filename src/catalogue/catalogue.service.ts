import { Injectable, Optional } from '@nestjs/common';
import { DomainError, FieldErrors } from '../common/errors.js';
import { pick, type Localized } from '../common/localized.js';
import type { RequestContext } from '../tenancy/request-context.js';
import type { CatalogueEntry, FormField, TenantPack } from '../tenancy/tenant-pack.js';
import { CatalogueRepository, type CatalogueNodeRow } from './catalogue.repository.js';

export interface CatalogueNodeView {
  key: string;
  name: string;
  description?: string;
  level: { key: string; label: string };
  leaf: boolean;
  type?: string;
  doc?: string;
  keywords?: string[];
  /** FAQ entries of a leaf (when the pack's knowledge is on). */
  /** The pack's entries, then those agents published from solutions (with their id and date). */
  faq?: { title: string; body: string; id?: string; publishedAt?: Date }[];
  children?: CatalogueNodeView[];
}

export interface SearchHit {
  key: string;
  name: string;
  description?: string;
  doc?: string;
  type: string | null;
  rank: number;
  /** One entry per level, from the root: the level's label and the node's name. */
  path: { level: string; key: string; name: string }[];
}

export interface FormFieldView {
  key: string;
  type: string;
  /** The plugin field type the pack named (e.g. `uai`), entered as `type`. */
  format?: string;
  label: string;
  help?: string;
  placeholder?: string;
  required: boolean;
  standard: boolean;
  maxLength?: number;
  default?: string | number | boolean;
  options?: { value: string; label: string }[];
}

/** Entries published by the desk for a leaf (the knowledge base). */
/** Knowledge entries published on a leaf; implemented by the knowledge domain, bound in the composition root. */
export abstract class PublishedEntries {
  abstract forNode(ctx: RequestContext, nodeId: string): Promise<{ id: string; title: string; body: string; publishedAt: Date }[]>;
}

/** A catalogue leaf as the pack declares it, shaped like the table's row where routing and forms read it. */
export type PackLeaf = Pick<CatalogueNodeRow, 'key' | 'path' | 'name' | 'ticket_type' | 'team_key' | 'fields'>;

@Injectable()
export class CatalogueService {
  private readonly byPack = new WeakMap<TenantPack, Map<string, CatalogueEntry>>();

  constructor(
    private readonly repository: CatalogueRepository,
    @Optional() private readonly published?: PublishedEntries,
  ) {}

  /** The whole tree, or the subtree under `rootKey`, in the caller's language. */
  async tree(ctx: RequestContext, rootKey?: string): Promise<CatalogueNodeView[]> {
    const rows = await this.repository.all(ctx);
    const byParent = new Map<string | null, CatalogueNodeRow[]>();
    for (const row of rows) byParent.set(row.parent_key, [...(byParent.get(row.parent_key) ?? []), row]);
    if (rootKey && !rows.some((r) => r.key === rootKey)) throw new DomainError('CATALOGUE_NODE_NOT_FOUND', { node: rootKey });
    const build = (parent: string | null): CatalogueNodeView[] =>
      (byParent.get(parent) ?? []).sort((a, b) => a.position - b.position).map((row) => ({ ...this.view(ctx, row), children: row.is_leaf ? undefined : build(row.key) }));
    return build(rootKey ?? null);
  }

  async node(ctx: RequestContext, key: string): Promise<CatalogueNodeView & { path: SearchHit['path'] }> {
    const row = await this.repository.byKey(ctx, key);
    if (!row) throw new DomainError('CATALOGUE_NODE_NOT_FOUND', { node: key });
    const children = row.is_leaf ? undefined : (await this.repository.children(ctx, row.key)).map((c) => this.view(ctx, c));
    const knowledge = row.is_leaf && ctx.tenant.config.knowledge?.enabled !== false;
    const published = knowledge && this.published ? await this.published.forNode(ctx, row.id) : [];
    const faq = knowledge ? [...row.faq.map((f) => ({ title: pick(f.title, ctx.locale), body: pick(f.body, ctx.locale) })), ...published] : undefined;
    return { ...this.view(ctx, row), faq, children, path: await this.pathOf(ctx, row) };
  }

  async search(ctx: RequestContext, query: string, page = 1, pageSize = ctx.tenant.config.limits.pageSize): Promise<{ items: SearchHit[]; total: number; page: number; pageSize: number }> {
    const words = (query ?? '')
      .normalize('NFC')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 0);
    const errors = new FieldErrors();
    if (words.join('').length < 3) errors.add('q', 'rule.query');
    // The offset must stay an exact integer (PostgreSQL reads it as a bigint): 1e30 is a 400, not a 500.
    if (!Number.isInteger(page) || page < 1 || !Number.isSafeInteger((page - 1) * pageSize)) errors.add('page', 'rule.page');
    errors.throwIfAny();
    const { rows, total } = await this.repository.search(ctx, words, pageSize, (page - 1) * pageSize);
    const ancestors = await this.repository.byKeys(ctx, [...new Set(rows.flatMap((r) => r.path.split('/')))]);
    const byKey = new Map(ancestors.map((a) => [a.key, a]));
    const items = rows.map((row) => ({
      key: row.key,
      name: pick(row.name, ctx.locale),
      description: row.description ? pick(row.description, ctx.locale) : undefined,
      doc: row.doc_url ?? undefined,
      type: row.ticket_type,
      rank: Number(row.rank),
      path: row.path.split('/').map((key, depth) => ({ level: this.levelLabel(ctx, depth), key, name: pick(byKey.get(key)?.name, ctx.locale) })),
    }));
    return { items, total, page, pageSize };
  }

  /** The create form for a leaf: the pack's fields then the leaf's own, with their choices. */
  async form(ctx: RequestContext, leafKey: string): Promise<{ leaf: CatalogueNodeView & { path: SearchHit['path'] }; type: string; fields: FormFieldView[]; attachments: { maxBytes: number; maxFiles: number } }> {
    // A key that names nothing here (another tenant's, a typo) is a missing resource, not bad input.
    if (!(await this.repository.byKey(ctx, leafKey))) throw new DomainError('CATALOGUE_NODE_NOT_FOUND', { node: leafKey });
    const leaf = await this.leaf(ctx, leafKey);
    const type = leaf.ticket_type!;
    const fields = this.fieldsFor(ctx, leaf, type).map((f) => this.fieldView(ctx, f));
    return {
      leaf: { ...this.view(ctx, leaf), path: await this.pathOf(ctx, leaf) },
      type,
      fields,
      attachments: { maxBytes: ctx.tenant.maxAttachmentBytes, maxFiles: ctx.tenant.config.attachments.maxFiles },
    };
  }

  /** Leaves that carry FAQ entries (the knowledge pages by product), with their path; empty when the pack's knowledge is off. */
  async knowledge(ctx: RequestContext): Promise<{ key: string; name: string; path: SearchHit['path']; faq: { title: string; body: string }[] }[]> {
    if (ctx.tenant.config.knowledge?.enabled === false) return [];
    const rows = await this.repository.all(ctx);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return rows
      .filter((r) => r.is_leaf && r.faq.length)
      .map((r) => ({
        key: r.key,
        name: pick(r.name, ctx.locale),
        path: r.path.split('/').map((key, depth) => ({ level: this.levelLabel(ctx, depth), key, name: pick(byKey.get(key)?.name, ctx.locale) })),
        faq: r.faq.map((f) => ({ title: pick(f.title, ctx.locale), body: pick(f.body, ctx.locale) })),
      }));
  }

  /** A leaf by key, or a 400 naming the field when it is not one. */
  async leaf(ctx: RequestContext, key: string, field = 'leaf'): Promise<CatalogueNodeRow> {
    const row = key ? await this.repository.byKey(ctx, key) : undefined;
    if (!row || !row.is_leaf) {
      const errors = new FieldErrors();
      errors.add(field, 'rule.leaf');
      errors.throwIfAny();
    }
    return row!;
  }

  /**
   * A leaf as the pack declares it (type, team and fields inherited), from memory: the table is
   * synced from the pack at boot, so creating a ticket needs no read. A 400 naming the field when
   * the key is not a leaf of this tenant's catalogue.
   */
  packLeaf(ctx: RequestContext, key: string, field = 'leaf'): PackLeaf {
    const entry = key ? this.entries(ctx.tenant).get(key) : undefined;
    if (!entry || !entry.leaf) {
      const errors = new FieldErrors();
      errors.add(field, 'rule.leaf');
      errors.throwIfAny();
    }
    return { key: entry!.key, path: entry!.path.join('/'), name: entry!.name, ticket_type: entry!.type ?? null, team_key: entry!.team ?? null, fields: entry!.fields };
  }

  /** A leaf's name and path in the caller's language, from the pack. */
  leafRef(ctx: RequestContext, key: string): { key: string; name: string; path: SearchHit['path'] } | undefined {
    const byKey = this.entries(ctx.tenant);
    const entry = byKey.get(key);
    if (!entry) return undefined;
    return {
      key,
      name: pick(entry.name, ctx.locale),
      path: entry.path.map((k, depth) => ({ level: this.levelLabel(ctx, depth), key: k, name: pick(byKey.get(k)?.name, ctx.locale) })),
    };
  }

  /** The leaf of a listed row (its key, name and path from the list's own statement), ancestors named from the pack. */
  listedLeaf(ctx: RequestContext, row: { leaf_key: string | null; leaf_name: Localized | null; leaf_path: string | null }): { key: string; name: string; path: SearchHit['path'] } | undefined {
    if (!row.leaf_key) return undefined;
    const byKey = this.entries(ctx.tenant);
    return {
      key: row.leaf_key,
      name: pick(row.leaf_name ?? undefined, ctx.locale),
      path: (row.leaf_path ?? row.leaf_key).split('/').map((k, depth) => ({ level: this.levelLabel(ctx, depth), key: k, name: pick(k === row.leaf_key ? (row.leaf_name ?? undefined) : byKey.get(k)?.name, ctx.locale) })),
    };
  }

  private entries(pack: TenantPack): Map<string, CatalogueEntry> {
    let map = this.byPack.get(pack);
    if (!map) {
      map = new Map(pack.catalogue.map((e) => [e.key, e]));
      this.byPack.set(pack, map);
    }
    return map;
  }

  async byId(ctx: RequestContext, id: string): Promise<CatalogueNodeRow | undefined> {
    return this.repository.byId(ctx, id);
  }

  /** Fields of the create form for a leaf and a ticket type. */
  fieldsFor(ctx: RequestContext, leaf: Pick<CatalogueNodeRow, 'fields'>, type: string): FormField[] {
    return [...ctx.tenant.form, ...leaf.fields].filter((f) => !f.types || f.types.includes(type));
  }

  /** Leaf name and path of each node id, for list rows (two queries for a whole page). */
  async leavesByIds(ctx: RequestContext, ids: string[]): Promise<Map<string, { key: string; name: string; path: SearchHit['path'] }>> {
    const rows = await this.repository.byIds(ctx, [...new Set(ids)]);
    const ancestors = new Map((await this.repository.byKeys(ctx, [...new Set(rows.flatMap((r) => r.path.split('/')))])).map((n) => [n.key, n]));
    return new Map(
      rows.map((row) => [
        row.id,
        {
          key: row.key,
          name: pick(row.name, ctx.locale),
          path: row.path.split('/').map((key, depth) => ({ level: this.levelLabel(ctx, depth), key, name: pick(ancestors.get(key)?.name, ctx.locale) })),
        },
      ]),
    );
  }

  async pathOf(ctx: RequestContext, row: CatalogueNodeRow): Promise<SearchHit['path']> {
    const keys = row.path.split('/');
    const nodes = new Map((await this.repository.byKeys(ctx, keys)).map((n) => [n.key, n]));
    return keys.map((key, depth) => ({ level: this.levelLabel(ctx, depth), key, name: pick(nodes.get(key)?.name, ctx.locale) }));
  }

  private levelLabel(ctx: RequestContext, depth: number): string {
    const level = ctx.tenant.config.catalogue.levels[depth];
    return level ? pick(typeof level.label === 'string' ? { fr: level.label } : level.label, ctx.locale) : '';
  }

  private view(ctx: RequestContext, row: CatalogueNodeRow): CatalogueNodeView {
    const level = ctx.tenant.config.catalogue.levels[row.depth];
    return {
      key: row.key,
      name: pick(row.name, ctx.locale),
      description: row.description ? pick(row.description, ctx.locale) : undefined,
      level: { key: level?.key ?? String(row.depth), label: this.levelLabel(ctx, row.depth) },
      leaf: row.is_leaf,
      type: row.is_leaf ? (row.ticket_type ?? undefined) : undefined,
      doc: row.doc_url ?? undefined,
      keywords: row.is_leaf ? row.keywords : undefined,
    };
  }

  private fieldView(ctx: RequestContext, f: FormField): FormFieldView {
    const cfg = ctx.tenant.config;
    const loc = (t: string | { fr: string; en?: string }) => pick(typeof t === 'string' ? { fr: t } : t, ctx.locale);
    let options = f.options?.map((o) => ({ value: o.value, label: pick(o.label, ctx.locale) }));
    let def = f.default;
    if (f.key === 'impact' && cfg.priority) [options, def] = [cfg.priority.impact.map((l) => ({ value: l.key, label: loc(l.label) })), def ?? cfg.priority.default.impact];
    if (f.key === 'urgency' && cfg.priority) [options, def] = [cfg.priority.urgency.map((l) => ({ value: l.key, label: loc(l.label) })), def ?? cfg.priority.default.urgency];
    if (f.key === 'visibility' && cfg.visibility) [options, def] = [cfg.visibility.options.map((o) => ({ value: o.value, label: loc(o.label) })), def ?? cfg.visibility.default];
    return {
      key: f.key,
      type: f.type,
      format: f.format,
      label: pick(f.label, ctx.locale),
      help: f.help ? pick(f.help, ctx.locale) : undefined,
      placeholder: f.placeholder ? pick(f.placeholder, ctx.locale) : undefined,
      required: f.required,
      standard: f.standard,
      maxLength: f.maxLength,
      default: def,
      options,
    };
  }
}
