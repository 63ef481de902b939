import { z } from 'zod';
import { LOCALES, type LocalizedInput } from '../common/localized.js';
import { ACTORS, EFFECTS, REQUIREMENTS, STATUS_CATEGORIES } from '../lifecycle/vocabulary.js';

/**
 * The tenant pack format, file by file. Every object is strict: an unknown key is an error,
 * so a typo in a pack is reported at boot instead of being silently ignored.
 *
 * Integrators: this file is the reference of what a pack can say. `docs/packs.md` explains it
 * with examples.
 */

export { LOCALES, type Locale, type LocalizedInput } from '../common/localized.js';

/** A text in each locale. A plain string is French (the portal's default locale). */
export const localizedSchema: z.ZodType<LocalizedInput> = z.union([
  z.string().min(1),
  z.strictObject({ fr: z.string().min(1), en: z.string().min(1).optional() }),
]);

/** At most `max` actions per `per` (an ISO duration of at most a day) for one person. */
const rateSchema = z.strictObject({
  max: z.number().int().positive().max(100_000),
  per: z.string().regex(/^PT(?=\d)(\d+H)?(\d+M)?(\d+S)?$/, 'a duration of hours, minutes or seconds such as PT10M'),
});

/** Generous for people, tight for scripts: a school's secretary files a few tickets an hour. */
export const DEFAULT_RATES = { create: { max: 30, per: 'PT10M' }, search: { max: 120, per: 'PT1M' } };

/** Keys name things inside a pack: lower-case letters, digits and dashes. */
export const keySchema = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a key of lower-case letters, digits, "-" or "_"');

/** An ISO 8601 duration such as `P14D`, `PT10M` or `P12M`. */
export const durationSchema = z
  .string()
  .regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, 'an ISO 8601 duration such as P14D or PT10M');

/** A size in bytes, as a number or as `2MB`, `128MiB`, `500KB`. */
export const sizeSchema = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB)$/, 'a size such as 2MB or 128MiB'),
]);

export { ACTORS, EFFECTS, REQUIREMENTS, STATUS_CATEGORIES, type Actor, type Effect, type Requirement, type StatusCategory } from '../lifecycle/vocabulary.js';

const statusSchema = z.strictObject({
  label: localizedSchema,
  category: z.enum(STATUS_CATEGORIES),
  description: localizedSchema.optional(),
});

const transitionSchema = z.strictObject({
  name: keySchema,
  label: localizedSchema,
  /** One status, several, or `*` for any status that is not closed. */
  from: z.union([keySchema, z.array(keySchema).min(1), z.literal('*')]),
  to: keySchema,
  by: z.array(z.enum(ACTORS)).min(1),
  requires: z.array(z.enum(REQUIREMENTS)).default([]),
  /** The survey (key in `surveys`) answered when `requires` has `rating`. */
  survey: keySchema.optional(),
  effects: z.array(z.enum(EFFECTS)).default([]),
  /** Only for these ticket types. */
  types: z.array(keySchema).optional(),
  /**
   * `comment`: applied by itself when one of `by` adds a public comment in a `from` status
   * (e.g. a requester's answer moves "En attente utilisateur" back to "En cours").
   */
  on: z.enum(['comment']).optional(),
});

const timerSchema = z.strictObject({
  name: keySchema.optional(),
  /** The status the ticket sits in. */
  when: keySchema,
  /** How long after entering it. */
  after: durationSchema,
  /** The transition applied (it must allow `system`)… */
  apply: keySchema.optional(),
  /** …or the notification sent (a reminder). */
  notify: keySchema.optional(),
});

const ticketTypeSchema = z.strictObject({
  label: localizedSchema,
  /** Reference pattern, e.g. `I-{seq:6}`, `I{date:yyMMdd}_{seq:4}`, `KOSN1-{seq}`. */
  reference: z.string().min(1),
  /** Status a new ticket of this type starts in (defaults to the pack's `initialStatus`). */
  initialStatus: keySchema.optional(),
  description: localizedSchema.optional(),
});

const choiceSchema = z.strictObject({ value: z.string().min(1), label: localizedSchema });

export const FIELD_TYPES = [
  'text', 'textarea', 'select', 'radio', 'checkbox', 'phone', 'email', 'url', 'date', 'datetime', 'number',
  'establishment', 'person', 'people', 'attachments',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Fields the core stores in their own columns; every other key is a custom field kept with the ticket. */
export const STANDARD_FIELDS = [
  'title', 'description', 'establishment', 'impact', 'urgency', 'visibility', 'beneficiary', 'contacts', 'attachments',
] as const;
export type StandardField = (typeof STANDARD_FIELDS)[number];

export const fieldSchema = z.strictObject({
  key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'a field key of letters, digits and "_"'),
  /** One of FIELD_TYPES, or a field type of a plugin the pack turns on (`plugins:`), e.g. `uai`. */
  type: z.string().min(1),
  /** A validator of a plugin the pack turns on, e.g. `phone-fr`; on text-valued fields only. */
  validate: keySchema.optional(),
  label: localizedSchema,
  help: localizedSchema.optional(),
  placeholder: localizedSchema.optional(),
  required: z.boolean().default(false),
  options: z.array(choiceSchema).optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  maxLength: z.number().int().positive().optional(),
  /** Statuses in which the requester may still edit the field after creation (none by default). */
  editableIn: z.array(keySchema).optional(),
  /** Ticket types the field applies to (all by default). */
  types: z.array(keySchema).optional(),
});
export type FieldInput = z.infer<typeof fieldSchema>;

const levelSchema = z.strictObject({ key: keySchema, label: localizedSchema });

const prioritySchema = z.strictObject({
  impact: z.array(levelSchema).min(1),
  urgency: z.array(levelSchema).min(1),
  levels: z.array(levelSchema).min(1),
  /** `matrix[impact][urgency]` is a key of `levels`. */
  matrix: z.record(keySchema, z.record(keySchema, keySchema)),
  default: z.strictObject({ impact: keySchema, urgency: keySchema }),
  /** Whether the requester picks impact and urgency (otherwise the desk does). */
  requesterChooses: z.array(z.enum(['impact', 'urgency'])).default(['impact', 'urgency']),
});

export const GRANTS = ['head', 'establishment'] as const;

const visibilitySchema = z.strictObject({
  label: localizedSchema,
  help: localizedSchema.optional(),
  options: z
    .array(
      z.strictObject({
        value: keySchema,
        label: localizedSchema,
        /** Who else sees the ticket: the heads of its establishment, or everybody in it. */
        grants: z.array(z.enum(GRANTS)).default([]),
      }),
    )
    .min(1),
  /**
   * The option preselected on the form and taken when none is given. Leave it out to make the
   * requester choose ("-- choisir une valeur --"): a required `visibility` field then has no
   * fallback. Required when the form has no `visibility` field.
   */
  default: keySchema.optional(),
});

const participantsSchema = z.strictObject({
  label: localizedSchema,
  /** Where participants are picked: the whole directory or the establishment's allow-list. */
  source: z.enum(['directory', 'establishment-allow-list']).default('directory'),
  /** Who may add participants after creation. */
  addedBy: z.array(z.enum(ACTORS)).default(['requester', 'agent']),
  /** Participants may comment and attach, not only read. */
  canComment: z.boolean().default(true),
});

const surveySchema = z.strictObject({
  label: localizedSchema.optional(),
  questions: z
    .array(
      z.strictObject({
        key: keySchema,
        label: localizedSchema,
        help: localizedSchema.optional(),
        min: z.number().int().default(1),
        max: z.number().int().default(5),
        /** Labels of the scale's ends or of each value, e.g. `{1: insuffisant, 5: très bon}`. */
        scale: z.record(z.string(), localizedSchema).optional(),
        required: z.boolean().default(true),
      }),
    )
    .min(1),
});

export const VIEW_SCOPES = ['requester', 'beneficiary', 'for-others', 'participant', 'head', 'establishment'] as const;
export type ViewScope = (typeof VIEW_SCOPES)[number];

const viewSchema = z.strictObject({
  key: keySchema,
  label: localizedSchema,
  /** Tabs are grouped on pages ("Tickets en cours", "Tickets traités"). */
  group: localizedSchema.optional(),
  /** The ticket matches when the person stands in any of these relations to it. */
  scope: z.array(z.enum(VIEW_SCOPES)).min(1),
  categories: z.array(z.enum(STATUS_CATEGORIES)).optional(),
  statuses: z.array(keySchema).optional(),
  /** Only tickets of these types (e.g. "Suivi des incidents" vs "Suivi des demandes de service"). */
  types: z.array(keySchema).optional(),
});

const teamSchema = z.strictObject({
  key: keySchema,
  name: localizedSchema,
  email: z.email().optional(),
  description: localizedSchema.optional(),
});

const authMethodSchema = z.strictObject({
  plugin: z.string().min(1),
  label: localizedSchema.optional(),
  options: z.record(z.string(), z.unknown()).default({}),
});

/** A plugin the tenant turns on other than a sign-in method (those are in `auth`), with its options. */
const pluginUseSchema = z.strictObject({
  plugin: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
});

const colourSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour such as #000091');

const themeSchema = z.strictObject({
  logo: z.string().optional(),
  colours: z
    .strictObject({ primary: colourSchema, secondary: colourSchema.optional(), accent: colourSchema.optional() })
    .optional(),
  portalName: localizedSchema.optional(),
  homeTitle: localizedSchema.optional(),
  homeText: localizedSchema.optional(),
  footer: localizedSchema.optional(),
});

const notificationsSchema = z.strictObject({
  from: z.string().optional(),
  /** Replies to notification mails become public exchanges. */
  acceptReplies: z.boolean().default(false),
  /** Events that send mail, and to whom. */
  events: z
    .partialRecord(
      z.enum([
        'created', 'commented', 'information-requested', 'resolved', 'closed', 'reopened', 'participant-added', 'reminder',
        'reassigned', 'sla-warning', 'sla-breached',
      ]),
      z.array(z.enum(['requester', 'beneficiary', 'participants', 'head', 'team', 'assignee'])),
    )
    .optional(),
});

export const catalogueNodeSchema: z.ZodType<CatalogueNodeInput> = z.lazy(() =>
  z.strictObject({
    key: keySchema,
    name: localizedSchema,
    description: localizedSchema.optional(),
    children: z.array(catalogueNodeSchema).optional(),
    keywords: z.array(z.string().min(1)).optional(),
    synonyms: z.array(z.string().min(1)).optional(),
    doc: z.url().optional(),
    /** Ticket type of a leaf (inherited from the closest ancestor that sets one). */
    type: keySchema.optional(),
    /** Default team of a leaf (inherited likewise). */
    team: keySchema.optional(),
    /** Extra form fields for tickets about this leaf. */
    fields: z.array(fieldSchema).optional(),
    faq: z.array(z.strictObject({ title: localizedSchema, body: localizedSchema })).optional(),
  }),
);

export interface CatalogueNodeInput {
  key: string;
  name: LocalizedInput;
  description?: LocalizedInput;
  children?: CatalogueNodeInput[];
  keywords?: string[];
  synonyms?: string[];
  doc?: string;
  type?: string;
  team?: string;
  fields?: FieldInput[];
  faq?: { title: LocalizedInput; body: LocalizedInput }[];
}

/** `catalogue.yaml`: the tree of the catalogue. */
export const catalogueFileSchema = z.strictObject({ nodes: z.array(catalogueNodeSchema).min(1) });

const scalarSchema = z.union([z.string(), z.number(), z.boolean()]);

/**
 * One routing rule: the team a new ticket goes to when every condition given holds (a list
 * matches any of its values). Rules are tried in order, before the leaf's team and `fallbackTeam`.
 */
const routingRuleSchema = z.strictObject({
  /** Recorded in the ticket's `routed` event (default `rule-1`, `rule-2`…). */
  name: keySchema.optional(),
  team: keySchema,
  /** UAI codes of the ticket's establishment. */
  establishments: z.array(z.string().min(1)).optional(),
  /** Kinds of the ticket's establishment, as imported (`LPO`, `CLG`, `Rectorat`…). */
  establishmentKinds: z.array(z.string().min(1)).optional(),
  /** Catalogue nodes: the ticket's leaf or one of its ancestors. */
  under: z.array(keySchema).optional(),
  /** Ticket types. */
  types: z.array(keySchema).optional(),
  /** Form values by field key: one value, or a list of accepted values. */
  fields: z.record(z.string(), z.union([scalarSchema, z.array(scalarSchema).min(1)])).optional(),
});

export const DESK_RIGHTS = ['none', 'read', 'act'] as const;
export type DeskRight = (typeof DESK_RIGHTS)[number];

/** The agents' desk: who sees which team's tickets, and which transitions its buttons apply. */
const deskSchema = z.strictObject({
  /** What agents may do with tickets of teams they are not in: nothing, read them (with private notes), or act on them. */
  otherTeams: z.enum(DESK_RIGHTS).default('none'),
  /** Per team, for its members, instead of `otherTeams`: e.g. `{ level-1: act }` for a desk that dispatches every ticket. */
  teams: z.record(keySchema, z.enum(DESK_RIGHTS)).default({}),
  /**
   * Transitions applied by the desk's actions. Left out, each is found in the lifecycle: `take`
   * has the `assign-actor` effect, `ask` leads to a status where SLA clocks pause, `resolve` to a
   * `resolved` (else `closed`) status, `reassign` requires a `team`.
   */
  transitions: z
    .strictObject({ take: keySchema.optional(), ask: keySchema.optional(), resolve: keySchema.optional(), reassign: keySchema.optional() })
    .default({}),
});

/** Working time: `PT4H`, `PT30M`, `P2D` (a day is the calendar's longest working day). */
export const businessDurationSchema = z
  .string()
  .regex(/^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?)?$/, 'a working-time duration in days, hours and minutes such as PT4H, PT30M or P2D');

const localDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2026-12-20');
const hoursSchema = z.array(z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'working hours such as 08:00-12:00'));
const OFFICE_HOURS = { mon: ['08:00-18:00'], tue: ['08:00-18:00'], wed: ['08:00-18:00'], thu: ['08:00-18:00'], fri: ['08:00-18:00'] };

/** The tenant's business calendar, in its `timezone`. */
const calendarSchema = z.strictObject({
  /** Working hours per weekday (`mon` … `sun`); a day left out is closed. */
  hours: z
    .strictObject({ mon: hoursSchema, tue: hoursSchema, wed: hoursSchema, thu: hoursSchema, fri: hoursSchema, sat: hoursSchema, sun: hoursSchema })
    .partial()
    .default(OFFICE_HOURS),
  /** Public holidays computed every year: France's eleven (fixed dates and Easter-based ones), or none. */
  publicHolidays: z.enum(['fr', 'none']).default('fr'),
  /** Local closed days: `MM-DD` every year (`12-20`) or `YYYY-MM-DD` once. */
  holidays: z.array(z.string().regex(/^(\d{4}-)?\d{2}-\d{2}$/, 'a day such as 12-20 (every year) or 2026-05-15 (once)')).default([]),
  /** Periods counted as closed, such as school holidays (inclusive dates). */
  schoolHolidays: z.array(z.strictObject({ from: localDateSchema, to: localDateSchema, label: localizedSchema.optional() })).default([]),
});

/** Service levels: time to take and time to resolve, counted in working time. */
const slaSchema = z.strictObject({
  /** Default: Monday to Friday, 08:00–18:00, French public holidays. */
  calendar: calendarSchema.default({ hours: OFFICE_HOURS, publicHolidays: 'fr', holidays: [], schoolHolidays: [] }),
  /** Statuses where the clocks stop, waiting on the requester (default: every status of category `waiting`). */
  pauseIn: z.array(keySchema).optional(),
  /** Share of a target after which a warning fires (0.75: when three quarters of the time is used). */
  warning: z.number().gt(0).lt(1).default(0.75),
  /** Tried in order; the first whose conditions hold gives the ticket's targets. */
  targets: z
    .array(
      z.strictObject({
        priorities: z.array(keySchema).optional(),
        under: z.array(keySchema).optional(),
        types: z.array(keySchema).optional(),
        establishmentKinds: z.array(z.string().min(1)).optional(),
        take: businessDurationSchema.optional(),
        resolve: businessDurationSchema.optional(),
      }),
    )
    .min(1),
});

/** `tenant.yaml`, after `extends` is resolved. */
export const tenantFileSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a tenant id of lower-case letters, digits and "-"'),
  extends: z.string().optional(),
  name: localizedSchema,
  locales: z.array(z.enum(LOCALES)).min(1).default(['fr', 'en']),
  defaultLocale: z.enum(LOCALES).default('fr'),
  timezone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Paris'),
  ticketTypes: z.record(keySchema, ticketTypeSchema),
  statuses: z.record(keySchema, statusSchema),
  initialStatus: keySchema,
  transitions: z.array(transitionSchema).min(1),
  timers: z.array(timerSchema).default([]),
  retention: z.strictObject({ closed: durationSchema, action: z.enum(['purge', 'anonymise']).default('purge') }).optional(),
  attachments: z
    .strictObject({ maxBytes: sizeSchema, maxFiles: z.number().int().positive().default(10), accept: z.array(z.string()).optional() })
    .default({ maxBytes: '10MB', maxFiles: 10 }),
  limits: z
    .strictObject({
      titleMaxLength: z.number().int().positive().default(255),
      descriptionMaxLength: z.number().int().positive().default(20000),
      commentMaxLength: z.number().int().positive().default(20000),
      pageSize: z.number().int().positive().max(200).default(20),
      /** What one person may do in a window (429 with Retry-After beyond): create tickets, search the directory. */
      rates: z
        .strictObject({
          create: rateSchema.default(DEFAULT_RATES.create),
          search: rateSchema.default(DEFAULT_RATES.search),
        })
        .default(DEFAULT_RATES),
    })
    .default({ titleMaxLength: 255, descriptionMaxLength: 20000, commentMaxLength: 20000, pageSize: 20, rates: DEFAULT_RATES }),
  priority: prioritySchema.optional(),
  form: z.strictObject({ fields: z.array(fieldSchema).min(1) }),
  visibility: visibilitySchema.optional(),
  participants: participantsSchema.optional(),
  surveys: z.record(keySchema, surveySchema).default({}),
  views: z.array(viewSchema).min(1),
  catalogue: z.strictObject({ levels: z.array(levelSchema).min(1), file: z.string().default('catalogue.yaml') }),
  knowledge: z.strictObject({ enabled: z.boolean().default(true), label: localizedSchema.optional() }).optional(),
  teams: z.array(teamSchema).min(1),
  /** Team of a new ticket whose leaf names none. */
  fallbackTeam: keySchema,
  /** Rules routing new tickets to teams, before the leaf's team and `fallbackTeam`. */
  routing: z.strictObject({ rules: z.array(routingRuleSchema).default([]) }).optional(),
  /** The agents' desk: team scoping and the transitions of its actions. */
  desk: deskSchema.default({ otherTeams: 'none', teams: {}, transitions: {} }),
  /** Service levels on the tenant's business calendar. */
  sla: slaSchema.optional(),
  auth: z.array(authMethodSchema).min(1),
  /**
   * Plugins turned on for this tenant (e.g. `webhooks`, `school-year`), each with its options,
   * checked by the plugin's schema: what they provide to packs (reference tokens, field types,
   * validators) becomes usable in this pack, and their subscribers, routes and tasks act for the
   * tenant (docs/plugins.md). Sign-in methods are turned on by `auth` instead.
   */
  plugins: z.array(pluginUseSchema).default([]),
  theme: themeSchema.default({}),
  notifications: notificationsSchema.default({ acceptReplies: false }),
  /**
   * Where live tickets go when this version of the pack drops a status or a team: `{ old: new }`.
   * Without a rule, a dropped status's tickets go to the first status of their category and a
   * dropped team's to `fallbackTeam`; pack sync moves them at deploy (docs/packs.md#retired).
   */
  retired: z
    .strictObject({ statuses: z.record(keySchema, keySchema).default({}), teams: z.record(keySchema, keySchema).default({}) })
    .default({ statuses: {}, teams: {} }),
  /** Free texts of the portal and mails (acknowledgement, home page…), by key. */
  texts: z.record(z.string(), localizedSchema).default({}),
  /** Demo data file, loaded by `guichet seed`. */
  demo: z.string().optional(),
});

export type TenantFile = z.infer<typeof tenantFileSchema>;
export type TransitionInput = TenantFile['transitions'][number];
export type StatusInput = TenantFile['statuses'][string];
export type TimerInput = TenantFile['timers'][number];
export type ViewInput = TenantFile['views'][number];
export type PriorityInput = NonNullable<TenantFile['priority']>;

/** `demo.yaml`: people, establishments and tickets that make a demo deployment look alive. */
export const demoFileSchema = z.strictObject({
  establishments: z
    .array(
      z.strictObject({
        uai: z.string(),
        name: z.string().min(1),
        kind: z.string().optional(),
        city: z.string().optional(),
        /** People of other establishments allowed as participants on this establishment's tickets. */
        allowList: z.array(z.string()).optional(),
      }),
    )
    .default([]),
  people: z
    .array(
      z.strictObject({
        login: z.string().min(1),
        name: z.string().min(1),
        email: z.email(),
        roles: z.array(z.enum(['agent', 'admin'])).default([]),
        establishments: z
          .array(z.strictObject({ uai: z.string(), roles: z.array(z.enum(['member', 'head'])).default(['member']) }))
          .default([]),
        teams: z.array(z.strictObject({ key: keySchema, lead: z.boolean().default(false) })).default([]),
        title: z.string().optional(),
        phone: z.string().optional(),
        locale: z.enum(LOCALES).optional(),
      }),
    )
    .default([]),
  tickets: z
    .array(
      z.strictObject({
        leaf: keySchema,
        requester: z.string(),
        beneficiary: z.string().optional(),
        establishment: z.string().optional(),
        title: z.string().min(1),
        description: z.string().min(1),
        /** Transitions replayed after creation, each by the named person, to reach the wanted status. */
        path: z
          .array(z.strictObject({ apply: keySchema, by: z.string(), comment: z.string().optional(), solution: z.string().optional(), team: keySchema.optional(), ratings: z.record(z.string(), z.number()).optional() }))
          .default([]),
        values: z.record(z.string(), z.unknown()).default({}),
        participants: z.array(z.string()).default([]),
        comments: z.array(z.strictObject({ by: z.string(), body: z.string().min(1), private: z.boolean().default(false) })).default([]),
        assignee: z.string().optional(),
      }),
    )
    .default([]),
});
export type DemoFile = z.infer<typeof demoFileSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
