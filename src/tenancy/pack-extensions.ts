import type { z } from 'zod';
import type { LocalizedInput } from '../common/localized.js';

/**
 * What plugins add to the pack language: tokens of reference patterns, field types and field
 * validators. The contracts live here, with the pack compiler that checks them, and the SDK
 * (`guichet/plugin`) re-exports them; a plugin declares them under `provides`.
 *
 * Every capability receives the plugin's options **for the tenant**: what the pack gives in its
 * `plugins:` section, parsed by the plugin's schema. A pack uses a capability only when it turns
 * the plugin on there.
 */

/** When a reference is rendered: the instant of creation and the tenant's time zone. */
export interface ReferenceInput {
  at: Date;
  timeZone: string;
}

/** A token of a reference pattern once its argument is checked. */
export interface ReferenceToken {
  /**
   * The text the token stands for. It is part of the counter's scope (the pattern rendered
   * without its `{seq}`), so when it changes the numbering restarts, as with `{date:…}`.
   */
  render(input: ReferenceInput): string;
  /** A regular expression (source, without anchors or named groups) matching every text `render` gives. */
  pattern: string;
}

/**
 * A token in `ticketTypes.<type>.reference`: `{name}` or `{name:argument}` (e.g.
 * `R{school-year:yy}-{seq:5}`). Checked when packs load.
 */
export interface ReferenceTokenCapability<Options = unknown> {
  /** What the token means, for `guichet plugins list` and error messages. */
  description?: string;
  /**
   * Checks the argument (undefined for `{name}`) with the tenant's options; returns the token,
   * or `{ problem }`: what was expected, shown after the pack path
   * (`ticketTypes.request.reference: expected a reference pattern: {school-year:yyy}: <problem>`).
   */
  compile(argument: string | undefined, options: Options): ReferenceToken | { problem: string };
}

/** A value accepted (possibly normalised: trimmed, upper-cased, reformatted), or refused with a message per locale. */
export type FieldCheckResult = { value: string } | { error: LocalizedInput };

/** The core types whose value is one text: what plugin field types build on and validators apply to. */
export const TEXT_FIELD_TYPES = ['text', 'textarea', 'phone', 'email', 'url'] as const;
export type TextFieldType = (typeof TEXT_FIELD_TYPES)[number];

/**
 * A field type a pack names in `form.fields[].type` (or a catalogue node's `fields`), e.g.
 * `type: uai`. The field is entered and stored as its `base` type (the portal shows that input,
 * the API gives `type: <base>, format: <name>`), the base's own checks run first, then `check`.
 */
export interface FieldTypeCapability<Options = unknown> {
  /** Default `text`. */
  base?: TextFieldType;
  /** Longest value accepted, unless the pack's field sets `maxLength`. */
  maxLength?: number;
  description?: string;
  /** Checks one submitted value (trimmed, never empty: emptiness is `required`'s business). */
  check(value: string, options: Options): FieldCheckResult;
}

/** A validator a pack names in `form.fields[].validate`, on a field of a text type (core or plugin). Runs after the type's checks. */
export interface FieldValidatorCapability<Options = unknown> {
  description?: string;
  /** Checks one submitted value (trimmed, never empty), already accepted by the field's type. */
  check(value: string, options: Options): FieldCheckResult;
}

/** What the pack compiler needs of a plugin: its name, its options' schema and its pack-language capabilities. */
export interface PackPlugin {
  name: string;
  /** Part of the hash of the packs that turn the plugin on: a new version syncs them again. */
  version?: string;
  options: z.ZodType;
  provides: {
    referenceTokens?: Record<string, ReferenceTokenCapability>;
    fieldTypes?: Record<string, FieldTypeCapability>;
    validators?: Record<string, FieldValidatorCapability>;
  };
}

/** A plugin's field check bound to the tenant's options. */
export type FieldCheck = (value: string) => FieldCheckResult;

/** The plugin checks a compiled pack applies to form values, by field type and by validator name. */
export interface PackFieldChecks {
  types: ReadonlyMap<string, FieldCheck>;
  validators: ReadonlyMap<string, FieldCheck>;
}
