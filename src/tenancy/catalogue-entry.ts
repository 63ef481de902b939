import type { Localized } from '../common/localized.js';
import type { FieldType } from './pack.schema.js';

export interface FormField {
  key: string;
  /** The core type: the pack's, or the `base` of a plugin field type. */
  type: FieldType;
  /** The plugin field type the pack named (`uai`), checked after the core type. */
  format?: string;
  /** The plugin validator the pack named (`phone-fr`), checked last. */
  validate?: string;
  label: Localized;
  help?: Localized;
  placeholder?: Localized;
  required: boolean;
  options?: { value: string; label: Localized }[];
  default?: string | number | boolean;
  maxLength?: number;
  editableIn: string[];
  types?: string[];
  /** True for the fields the core keeps in their own columns. */
  standard: boolean;
}

export interface CatalogueEntry {
  key: string;
  parentKey: string | null;
  /** Keys from the root down to this node, itself included. */
  path: string[];
  depth: number;
  name: Localized;
  description?: Localized;
  keywords: string[];
  synonyms: string[];
  doc?: string;
  type?: string;
  team?: string;
  fields: FormField[];
  faq: { title: Localized; body: Localized }[];
  leaf: boolean;
  position: number;
}
