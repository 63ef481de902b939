import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { localized, type Localized } from '../common/localized.js';
import { parseSize } from '../common/units.js';
import { Lifecycle, type TransitionDefinition } from '../lifecycle/lifecycle.js';
import { ReferencePattern, ReferencePatternError } from './reference-pattern.js';
import { checkPriorityMatrix } from './priority-matrix.js';
import { validateUai } from '../common/uai.js';
import { checkDeskPack } from './desk-pack.js';
import { TEXT_FIELD_TYPES, type PackFieldChecks, type PackPlugin } from './pack-extensions.js';
import { PackPlugins } from './pack-plugins.js';
import {
  FIELD_TYPES,
  STANDARD_FIELDS,
  type FieldType,
  type CatalogueNodeInput,
  type DemoFile,
  type FieldInput,
  type TenantFile,
} from './pack.schema.js';
import { formatPath, type PackProblem } from './pack-errors.js';
import type { UnconfiguredMethod } from './pack-environment.js';

export type { CatalogueEntry, FormField } from './catalogue-entry.js';
import type { CatalogueEntry, FormField } from './catalogue-entry.js';


/** A loaded, validated pack, ready for the engine. */
export interface TenantPack {
  id: string;
  dir: string;
  /** The pack's `tenant.yaml`, as problems name it. */
  file: string;
  /** Sign-in methods left out in demo mode because the deployment does not configure them. */
  unconfigured: UnconfiguredMethod[];
  /** Folders searched for the pack's files (templates, theme assets), the pack's own first. */
  searchDirs: string[];
  hash: string;
  config: TenantFile;
  name: Localized;
  lifecycle: Lifecycle;
  references: Map<string, ReferencePattern>;
  form: FormField[];
  catalogue: CatalogueEntry[];
  maxAttachmentBytes: number;
  demo?: DemoFile;
  /** Plugin field types and validators the pack's fields use, bound to those options. */
  fieldChecks: PackFieldChecks;
}

interface CompileInput {
  tenant: TenantFile;
  catalogue: { nodes: CatalogueNodeInput[] };
  demo?: DemoFile;
  dir: string;
  file: string;
  unconfigured?: UnconfiguredMethod[];
  searchDirs: string[];
  hash: string;
  fileOf: (path: string) => string;
  catalogueFile: string;
  demoFile?: string;
  /** The plugins the deployment loads: what a pack may turn on and use. */
  plugins?: readonly PackPlugin[];
}

/** Cross-checks a schema-valid pack and builds the structures the engine uses. */
export function compilePack(input: CompileInput): { pack: TenantPack; problems: PackProblem[] } {
  const { tenant, fileOf } = input;
  const problems: PackProblem[] = [];
  const report = (path: string, message: string, file = fileOf(path)) => problems.push({ file, path, message });
  const statusKeys = new Set(Object.keys(tenant.statuses));
  const typeKeys = new Set(Object.keys(tenant.ticketTypes));
  const teamKeys = new Set(tenant.teams.map((t) => t.key));
  const plugins = new PackPlugins(tenant, input.plugins ?? []);

  const transitions: TransitionDefinition[] = tenant.transitions.map((t) => ({
    name: t.name,
    label: localized(t.label),
    from: t.from === '*' ? Object.entries(tenant.statuses).filter(([, s]) => s.category !== 'closed').map(([k]) => k) : [t.from].flat(),
    to: t.to,
    by: t.by,
    requires: t.requires,
    survey: t.survey,
    effects: t.effects,
    types: t.types,
    on: t.on,
  }));
  const initialStatuses = [tenant.initialStatus];
  for (const [key, type] of Object.entries(tenant.ticketTypes)) {
    if (!type.initialStatus) continue;
    if (statusKeys.has(type.initialStatus)) initialStatuses.push(type.initialStatus);
    else report(`ticketTypes.${key}.initialStatus`, `expected a known status, got "${type.initialStatus}"`);
  }
  const lifecycle = new Lifecycle(
    Object.entries(tenant.statuses).map(([key, s]) => ({ key, label: localized(s.label), category: s.category })),
    transitions,
    initialStatuses,
    tenant.timers.map((t, i) => ({ name: t.name ?? `timer-${i + 1}`, when: t.when, after: t.after, apply: t.apply, notify: t.notify })),
  );
  for (const issue of lifecycle.validate()) report(issue.path, issue.message);
  tenant.transitions.forEach((t, i) => {
    if (t.survey && !tenant.surveys[t.survey]) report(`transitions[${i}].survey`, `expected a key of "surveys", got "${t.survey}"`);
    t.types?.forEach((type) => typeKeys.has(type) || report(`transitions[${i}].types`, `expected a ticket type, got "${type}"`));
  });

  const references = new Map<string, ReferencePattern>();
  for (const [key, type] of Object.entries(tenant.ticketTypes)) {
    try {
      references.set(key, ReferencePattern.parse(type.reference, plugins.tokens()));
    } catch (error) {
      if (!(error instanceof ReferencePatternError)) throw error;
      report(`ticketTypes.${key}.reference`, `expected a reference pattern: ${error.message}`);
    }
  }

  if (tenant.priority) for (const p of checkPriorityMatrix(tenant.priority)) report(p.path, p.message);
  const visibility = tenant.visibility;
  if (visibility?.default !== undefined && !visibility.options.some((o) => o.value === visibility.default)) {
    report('visibility.default', `expected one of the options, got "${visibility.default}"`);
  }
  if (visibility && visibility.default === undefined && !tenant.form.fields.some((f) => f.key === 'visibility')) {
    report('visibility.default', 'expected a default option, the form has no "visibility" field to choose one');
  }
  if (!teamKeys.has(tenant.fallbackTeam)) report('fallbackTeam', `expected a team key, got "${tenant.fallbackTeam}"`);
  tenant.views.forEach((v, i) => {
    v.statuses?.forEach((s) => statusKeys.has(s) || report(`views[${i}].statuses`, `expected a known status, got "${s}"`));
    v.types?.forEach((t) => typeKeys.has(t) || report(`views[${i}].types`, `expected a ticket type, got "${t}"`));
  });
  for (const [old, to] of Object.entries(tenant.retired.statuses)) {
    if (statusKeys.has(old)) report(`retired.statuses.${old}`, `expected a status this pack no longer has, "${old}" is one of its statuses`);
    if (!statusKeys.has(to)) report(`retired.statuses.${old}`, `expected a known status to move its tickets to, got "${to}"`);
  }
  for (const [old, to] of Object.entries(tenant.retired.teams)) {
    if (teamKeys.has(old)) report(`retired.teams.${old}`, `expected a team this pack no longer has, "${old}" is one of its teams`);
    if (!teamKeys.has(to)) report(`retired.teams.${old}`, `expected a team key to move its tickets to, got "${to}"`);
  }
  if (tenant.theme.logo && !input.searchDirs.some((d) => existsSync(join(d, tenant.theme.logo!)))) {
    report('theme.logo', `expected an existing file, "${tenant.theme.logo}" was not found`);
  }

  const form = compileFields(tenant.form.fields, 'form.fields', { tenant, statusKeys, typeKeys, plugins }, (p, m) => report(p, m));
  const formKeys = new Set(form.map((f) => f.key));
  if (!formKeys.has('title')) report('form.fields', 'expected a "title" field');

  const catalogue: CatalogueEntry[] = [];
  const catalogueProblem = (path: string, message: string) => report(path, message, input.catalogueFile);
  const visit = (nodes: CatalogueNodeInput[], parent: CatalogueEntry | null, basePath: (string | number)[]) => {
    nodes.forEach((node, i) => {
      const here = [...basePath, i];
      const where = formatPath(here);
      if (catalogue.some((c) => c.key === node.key)) catalogueProblem(`${where}.key`, `expected a unique key, "${node.key}" is used twice`);
      const depth = parent ? parent.depth + 1 : 0;
      if (depth >= tenant.catalogue.levels.length) {
        catalogueProblem(where, `expected at most ${tenant.catalogue.levels.length} levels (catalogue.levels), "${node.key}" is deeper`);
      }
      const leaf = !node.children?.length;
      const type = node.type ?? parent?.type;
      const team = node.team ?? parent?.team;
      if (node.type && !typeKeys.has(node.type)) catalogueProblem(`${where}.type`, `expected a ticket type, got "${node.type}"`);
      if (node.team && !teamKeys.has(node.team)) catalogueProblem(`${where}.team`, `expected a team key, got "${node.team}"`);
      if (leaf && !type) catalogueProblem(`${where}.type`, 'expected a ticket type on a leaf or one of its ancestors');
      const fields = compileFields(node.fields ?? [], `${where}.fields`, { tenant, statusKeys, typeKeys, plugins }, catalogueProblem);
      fields.forEach((f) => formKeys.has(f.key) && catalogueProblem(`${where}.fields`, `expected a key not already in form.fields, got "${f.key}"`));
      const entry: CatalogueEntry = {
        key: node.key,
        parentKey: parent?.key ?? null,
        path: [...(parent?.path ?? []), node.key],
        depth,
        name: localized(node.name),
        description: node.description ? localized(node.description) : undefined,
        keywords: node.keywords ?? [],
        synonyms: node.synonyms ?? [],
        doc: node.doc,
        type,
        team,
        fields: [...(parent?.fields ?? []), ...fields],
        faq: (node.faq ?? []).map((f) => ({ title: localized(f.title), body: localized(f.body) })),
        leaf,
        position: i,
      };
      catalogue.push(entry);
      if (node.children) visit(node.children, entry, [...here, 'children']);
    });
  };
  visit(input.catalogue.nodes, null, ['nodes']);
  for (const p of checkDeskPack(tenant, catalogue)) report(p.path, p.message);

  if (input.demo) checkDemo(input.demo, catalogue, teamKeys, (p, m) => report(p, m, input.demoFile));

  return {
    pack: {
      id: tenant.id,
      dir: input.dir,
      file: input.file,
      unconfigured: input.unconfigured ?? [],
      searchDirs: [...input.searchDirs].reverse(),
      hash: input.hash,
      config: tenant,
      name: localized(tenant.name),
      lifecycle,
      references,
      form,
      catalogue,
      maxAttachmentBytes: parseSize(tenant.attachments.maxBytes),
      demo: input.demo,
      fieldChecks: plugins.checks(),
    },
    problems,
  };
}

interface FieldScope {
  tenant: TenantFile;
  statusKeys: Set<string>;
  typeKeys: Set<string>;
  plugins: PackPlugins;
}

function compileFields(fields: FieldInput[], base: string, scope: FieldScope, report: (path: string, message: string) => void): FormField[] {
  const { tenant, statusKeys, typeKeys } = scope;
  const seen = new Set<string>();
  return fields.map((f, i) => {
    const path = `${base}[${i}]`;
    const { type, format, maxLength } = fieldType(f, scope.plugins, (m) => report(`${path}.type`, m));
    if (f.validate && !(TEXT_FIELD_TYPES as readonly string[]).includes(type)) {
      report(`${path}.validate`, `expected a field of a text type (${TEXT_FIELD_TYPES.join(', ')} or a plugin's) for a validator, "${f.type}" is not one`);
    } else if (f.validate) scope.plugins.validator(f.validate, (m) => report(`${path}.validate`, m));
    if (seen.has(f.key)) report(`${path}.key`, `expected a unique field key, "${f.key}" is used twice`);
    seen.add(f.key);
    if ((f.type === 'select' || f.type === 'radio') && !f.options?.length && !['impact', 'urgency', 'visibility'].includes(f.key)) {
      report(`${path}.options`, `expected options for a ${f.type} field`);
    }
    if ((f.key === 'impact' || f.key === 'urgency') && !tenant.priority) report(`${path}.key`, `expected a "priority" section for the "${f.key}" field`);
    if (f.key === 'visibility' && !tenant.visibility) report(`${path}.key`, 'expected a "visibility" section for the "visibility" field');
    if (f.key === 'contacts' && !tenant.participants) report(`${path}.key`, 'expected a "participants" section for the "contacts" field');
    f.editableIn?.forEach((s) => statusKeys.has(s) || report(`${path}.editableIn`, `expected a known status, got "${s}"`));
    f.types?.forEach((t) => typeKeys.has(t) || report(`${path}.types`, `expected a ticket type, got "${t}"`));
    return {
      key: f.key,
      type,
      format,
      validate: f.validate,
      label: localized(f.label),
      help: f.help ? localized(f.help) : undefined,
      placeholder: f.placeholder ? localized(f.placeholder) : undefined,
      required: f.required,
      options: f.options?.map((o) => ({ value: o.value, label: localized(o.label) })),
      default: f.default,
      maxLength,
      editableIn: f.editableIn ?? [],
      types: f.types,
      standard: (STANDARD_FIELDS as readonly string[]).includes(f.key),
    };
  });
}

/** The core type of a field: its own, or the base of the plugin field type it names (then `format`). */
function fieldType(f: FieldInput, plugins: PackPlugins, report: (message: string) => void): { type: FieldType; format?: string; maxLength?: number } {
  if ((FIELD_TYPES as readonly string[]).includes(f.type)) return { type: f.type as FieldType, maxLength: f.maxLength };
  const plugin = plugins.fieldType(f.type, report);
  return { type: plugin?.base ?? 'text', format: plugin ? f.type : undefined, maxLength: f.maxLength ?? plugin?.maxLength };
}

function checkDemo(demo: DemoFile, catalogue: CatalogueEntry[], teams: Set<string>, report: (path: string, message: string) => void) {
  const uais = new Set<string>();
  demo.establishments.forEach((e, i) => {
    const check = validateUai(e.uai);
    if (!check.valid) report(`establishments[${i}].uai`, check.expected ? `expected check letter ${check.expected} in "${e.uai}"` : `expected a UAI code such as 0140096D, got "${e.uai}"`);
    uais.add(e.uai);
  });
  const logins = new Set(demo.people.map((p) => p.login));
  demo.people.forEach((p, i) => {
    p.establishments.forEach((e, j) => uais.has(e.uai) || report(`people[${i}].establishments[${j}].uai`, `expected an establishment of this file, got "${e.uai}"`));
    p.teams.forEach((t, j) => teams.has(t.key) || report(`people[${i}].teams[${j}].key`, `expected a team key, got "${t.key}"`));
  });
  const leaves = new Set(catalogue.filter((c) => c.leaf).map((c) => c.key));
  const agents = new Set(demo.people.filter((p) => p.roles.length).map((p) => p.login));
  const person = (path: string, login: string | undefined) => login && !logins.has(login) && report(path, `expected a login of this file, got "${login}"`);
  demo.establishments.forEach((e, i) => e.allowList?.forEach((login, j) => person(`establishments[${i}].allowList[${j}]`, login)));
  demo.tickets.forEach((t, i) => {
    if (!leaves.has(t.leaf)) report(`tickets[${i}].leaf`, `expected a catalogue leaf, got "${t.leaf}"`);
    for (const [key, login] of [['requester', t.requester], ['beneficiary', t.beneficiary], ['assignee', t.assignee]] as const) person(`tickets[${i}].${key}`, login);
    if (t.assignee && logins.has(t.assignee) && !agents.has(t.assignee)) report(`tickets[${i}].assignee`, `expected a person with the agent role, got "${t.assignee}"`);
    t.participants.forEach((login, j) => person(`tickets[${i}].participants[${j}]`, login));
    t.comments.forEach((c, j) => person(`tickets[${i}].comments[${j}].by`, c.by));
    t.path.forEach((step, j) => person(`tickets[${i}].path[${j}].by`, step.by));
    if (t.establishment && !uais.has(t.establishment)) report(`tickets[${i}].establishment`, `expected an establishment of this file, got "${t.establishment}"`);
  });
}
