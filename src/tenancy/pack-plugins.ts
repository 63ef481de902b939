import type { FieldCheck, FieldTypeCapability, FieldValidatorCapability, PackFieldChecks, PackPlugin, ReferenceTokenCapability } from './pack-extensions.js';
import { FIELD_TYPES, type TenantFile } from './pack.schema.js';
import { ReferencePatternError, type ReferenceTokens } from './reference-pattern.js';

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
 * What a pack may use of the plugins it turns on (its `plugins:` section): their reference
 * tokens, field types and validators, bound to the tenant's options. Part of `compilePack`,
 * which reports every misuse with its pack path. The entries themselves (a loaded plugin, once,
 * valid options) are the plugin registry's check (`PluginRegistry.check`): here an entry it will
 * refuse simply turns nothing on, and a capability of a plugin whose options are wrong raises no
 * second problem.
 */
export class PackPlugins {
  /** Options of the plugins the pack turns on, as their schemas parsed them (defaults applied). */
  private readonly options = new Map<string, unknown>();
  /** Plugins the pack lists, even with wrong options. */
  private readonly listed = new Set<string>();
  private readonly typeChecks = new Map<string, FieldCheck>();
  private readonly validatorChecks = new Map<string, FieldCheck>();

  constructor(
    tenant: TenantFile,
    private readonly plugins: readonly PackPlugin[],
  ) {
    for (const entry of tenant.plugins) {
      const plugin = plugins.find((p) => p.name === entry.plugin);
      if (!plugin || this.listed.has(plugin.name)) continue;
      this.listed.add(plugin.name);
      const parsed = plugin.options.safeParse(entry.options);
      if (parsed.success) this.options.set(plugin.name, parsed.data);
    }
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

