import type { z } from 'zod';
import { formatPath } from './pack-errors.js';
import type { FieldCheck, FieldTypeCapability, FieldValidatorCapability, PackFieldChecks, PackPlugin, ReferenceTokenCapability } from './pack-extensions.js';
import { FIELD_TYPES, type TenantFile } from './pack.schema.js';
import { ReferencePatternError, type ReferenceTokens } from './reference-pattern.js';

type Report = (path: string, message: string) => void;

interface Capabilities {
  referenceTokens: ReferenceTokenCapability;
  fieldTypes: FieldTypeCapability;
  validators: FieldValidatorCapability;
}
type Kind = keyof Capabilities;

const NOUN: Record<Kind, string> = { referenceTokens: 'reference token', fieldTypes: 'field type', validators: 'validator' };

/** A capability a pack asks for: usable, unknown to the deployment, from a plugin the pack does not turn on, or from one whose options are wrong (already reported). */
type Lookup<K extends Kind> =
  | { found: Capabilities[K]; plugin: string; options: unknown }
  | { unknown: true; offered: string[] }
  | { off: string }
  | { skip: true };

/**
 * The plugins a pack turns on (its `plugins:` section), checked against those the deployment
 * loads and with their own option schemas, and the capabilities the pack may use from them.
 * Part of `compilePack`: every problem is reported with its pack path.
 */
export class PackPlugins {
  /** Options of the plugins the pack turns on, as their schemas parsed them (defaults applied). */
  readonly options = new Map<string, unknown>();
  /** Plugins the pack lists, even with wrong options (their capabilities then raise no second problem), by position. */
  private readonly listed = new Map<string, number>();
  private readonly typeChecks = new Map<string, FieldCheck>();
  private readonly validatorChecks = new Map<string, FieldCheck>();

  constructor(
    tenant: TenantFile,
    private readonly plugins: readonly PackPlugin[],
    report: Report,
  ) {
    tenant.plugins.forEach((entry, i) => {
      const path = `plugins[${i}]`;
      const plugin = plugins.find((p) => p.name === entry.plugin);
      if (!plugin) return report(`${path}.plugin`, `expected a plugin this deployment loads (${plugins.map((p) => p.name).sort().join(', ')}), got "${entry.plugin}"`);
      const first = this.listed.get(plugin.name);
      if (first !== undefined) return report(`${path}.plugin`, `expected each plugin once, "${plugin.name}" is already turned on at plugins[${first}]`);
      this.listed.set(plugin.name, i);
      const parsed = plugin.options.safeParse(entry.options);
      if (parsed.success) this.options.set(plugin.name, parsed.data);
      else reportOptions(`${path}.options`, parsed.error.issues, report);
    });
  }

  /** The tokens reference patterns may use: every plugin token is known, those of plugins turned on compile. */
  tokens(): ReferenceTokens {
    return {
      names: this.offered('referenceTokens'),
      compile: (name, argument) => {
        const lookup = this.lookup('referenceTokens', name);
        const written = `{${name}${argument === undefined ? '' : `:${argument}`}}`;
        if ('unknown' in lookup) return undefined;
        if ('off' in lookup) throw new ReferencePatternError(`the token {${name}} needs its plugin "${lookup.off}" turned on in plugins`);
        // Wrong options are reported once, on the plugins section: the pattern is taken as text meanwhile.
        if ('skip' in lookup) return { render: () => '', pattern: '' };
        const token = lookup.found.compile(argument, lookup.options);
        if ('problem' in token) throw new ReferencePatternError(`${written}: ${token.problem}`);
        try {
          new RegExp(token.pattern);
        } catch {
          throw new ReferencePatternError(`${written}: the plugin "${lookup.plugin}" gave it an invalid pattern`);
        }
        return token;
      },
    };
  }

  /** A plugin field type for `name` (not a core type), or undefined after reporting what was expected. */
  fieldType(name: string, report: (message: string) => void): FieldTypeCapability | undefined {
    const lookup = this.lookup('fieldTypes', name);
    if ('unknown' in lookup) {
      const plugins = lookup.offered.length ? ` or a plugin's (${lookup.offered.join(', ')})` : '';
      report(`expected a field type (${FIELD_TYPES.join(', ')})${plugins}, got "${name}"`);
      return undefined;
    }
    if ('off' in lookup) report(this.offMessage('fieldTypes', name, lookup.off));
    if (!('found' in lookup)) return undefined;
    const { found, options } = lookup;
    this.typeChecks.set(name, (value) => found.check(value, options));
    return found;
  }

  /** Whether the validator `name` is usable, after reporting what was expected when it is not. */
  validator(name: string, report: (message: string) => void): boolean {
    const lookup = this.lookup('validators', name);
    if ('unknown' in lookup) {
      report(lookup.offered.length ? `expected a validator of the deployment's plugins (${lookup.offered.join(', ')}), got "${name}"` : `expected a validator of a plugin, this deployment's plugins provide none (got "${name}")`);
      return false;
    }
    if ('off' in lookup) report(this.offMessage('validators', name, lookup.off));
    if (!('found' in lookup)) return false;
    const { found, options } = lookup;
    this.validatorChecks.set(name, (value) => found.check(value, options));
    return true;
  }

  /** The field checks the pack uses, bound to its options. */
  checks(): PackFieldChecks {
    return { types: this.typeChecks, validators: this.validatorChecks };
  }

  private lookup<K extends Kind>(kind: K, name: string): Lookup<K> {
    const plugin = this.plugins.find((p) => {
      const provided = p.provides[kind] as Record<string, unknown> | undefined;
      return provided !== undefined && Object.hasOwn(provided, name);
    });
    if (!plugin) return { unknown: true, offered: this.offered(kind) };
    if (!this.listed.has(plugin.name)) return { off: plugin.name };
    if (!this.options.has(plugin.name)) return { skip: true };
    const found = (plugin.provides[kind] as Record<string, Capabilities[K]>)[name];
    return { found, plugin: plugin.name, options: this.options.get(plugin.name) };
  }

  private offered(kind: Kind): string[] {
    return this.plugins.flatMap((p) => Object.keys(p.provides[kind] ?? {})).sort();
  }

  private offMessage(kind: Kind, name: string, plugin: string): string {
    return `expected the plugin "${plugin}" turned on in plugins, to use its ${NOUN[kind]} "${name}"`;
  }
}

/** A plugin's option problems at their paths; unknown keys read as in the rest of the pack, one per key. */
function reportOptions(base: string, issues: z.core.$ZodIssue[], report: Report): void {
  for (const issue of issues) {
    const where = [base, formatPath(issue.path)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) report(`${where}.${key}`, 'expected no such key (unknown key)');
    else report(where, issue.message.replace(/^Invalid input: /, ''));
  }
}
