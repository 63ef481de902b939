import { formatPath, type PackProblem } from '../tenancy/pack-errors.js';
import type { TenantPack } from '../tenancy/tenant-pack.js';
import semver from 'semver';
import { FIELD_TYPES } from '../tenancy/pack.schema.js';
import type { CommandCapability } from './commands.js';
import type { GuichetPlugin } from './plugin.js';
import { definitionProblems } from './plugin-checks.js';
import { CORE_VERSION } from './version.js';

/** Names a plugin may give its commands, tokens, field types and validators. */
const CAPABILITY_NAME = /^[a-z][a-z0-9-]*$/;

/** Names the core keeps for itself, by capability. */
const RESERVED: Record<NamedCapability, readonly string[]> = { commands: [], referenceTokens: ['seq', 'date'], fieldTypes: FIELD_TYPES, validators: [] };

type NamedCapability = 'commands' | 'referenceTokens' | 'fieldTypes' | 'validators';
const NOUN: Record<NamedCapability, string> = { commands: 'command', referenceTokens: 'reference token', fieldTypes: 'field type', validators: 'validator' };

/** The plugins this deployment knows, and the checks of what packs ask of them. */
export class PluginRegistry {
  private readonly plugins: Map<string, GuichetPlugin>;

  constructor(plugins: GuichetPlugin[]) {
    this.plugins = new Map();
    for (const plugin of plugins) {
      if (this.plugins.has(plugin.name)) throw new Error(`Two plugins are named "${plugin.name}"`);
      if (!semver.validRange(plugin.core)) throw new Error(`Plugin "${plugin.name}" declares core "${plugin.core}", which is not a semver range`);
      if (!semver.satisfies(CORE_VERSION, plugin.core)) throw new Error(`Plugin "${plugin.name}" supports core ${plugin.core}, this is core ${CORE_VERSION}`);
      const problems = definitionProblems(plugin);
      if (problems.length) throw new Error(`Plugin "${plugin.name}": ${problems.join('; ')}`);
      this.plugins.set(plugin.name, plugin);
    }
    const migrations = new Map<string, string>();
    for (const plugin of this.plugins.values()) {
      for (const Migration of plugin.migrations ?? []) {
        const name = new Migration().name ?? Migration.name;
        const other = migrations.get(name);
        if (other) throw new Error(`Plugin "${plugin.name}": migration ${name} has the name of one of plugin "${other}"'s`);
        migrations.set(name, plugin.name);
      }
    }
    for (const capability of Object.keys(NOUN) as NamedCapability[]) this.checkNames(capability);
  }

  /** Every plugin's commands, with the plugin that gives each. */
  commands(): { plugin: GuichetPlugin; command: CommandCapability }[] {
    return this.all().flatMap((plugin) => (plugin.provides.commands ?? []).map((command) => ({ plugin, command })));
  }

  /** A capability name is well formed, not the core's, and given by one plugin only: otherwise the boot stops naming them. */
  private checkNames(capability: NamedCapability): void {
    const owner = new Map<string, string>();
    for (const plugin of this.plugins.values()) {
      const provided = plugin.provides[capability];
      const names = Array.isArray(provided) ? provided.map((c) => c.name) : Object.keys(provided ?? {});
      for (const name of names) {
        const what = `${NOUN[capability]} "${name}"`;
        if (!CAPABILITY_NAME.test(name)) throw new Error(`Plugin "${plugin.name}" names a ${what}: expected lower-case letters, digits and "-"`);
        if (RESERVED[capability].includes(name)) throw new Error(`Plugin "${plugin.name}" provides the ${what}, which is the core's`);
        if (owner.has(name)) throw new Error(`Plugins "${owner.get(name)}" and "${plugin.name}" both provide the ${what}`);
        owner.set(name, plugin.name);
      }
    }
  }

  get(name: string): GuichetPlugin | undefined {
    return this.plugins.get(name);
  }

  all(): GuichetPlugin[] {
    return [...this.plugins.values()];
  }

  names(): string[] {
    return [...this.plugins.keys()].sort();
  }

  /** Every auth method of the pack names a known auth plugin and gives it valid options. */
  check(pack: TenantPack, fileOf: (path: string) => string = () => `tenants/${pack.id}/tenant.yaml`): PackProblem[] {
    const problems: PackProblem[] = [];
    pack.config.auth.forEach((method, i) => {
      const path = `auth[${i}]`;
      const plugin = this.plugins.get(method.plugin);
      if (!plugin?.provides.authMethod) {
        problems.push({ file: fileOf(path), path: `${path}.plugin`, message: `expected an auth plugin (${this.namesProviding('authMethod').join(', ')}), got "${method.plugin}"` });
        return;
      }
      const result = plugin.options.safeParse(method.options);
      if (!result.success) {
        for (const issue of result.error.issues) {
          problems.push({ file: fileOf(path), path: [`${path}.options`, formatPath(issue.path as (string | number)[])].filter(Boolean).join('.'), message: issue.message.replace(/^Invalid input: /, '') });
        }
      }
    });
    problems.push(...this.checkPluginUses(pack, fileOf));
    return problems;
  }

  /** Every entry of the pack's `plugins` names a known plugin (not a sign-in method: those go in `auth`), once, with valid options. */
  private checkPluginUses(pack: TenantPack, fileOf: (path: string) => string): PackProblem[] {
    const problems: PackProblem[] = [];
    const seen = new Set<string>();
    pack.config.plugins.forEach((use, i) => {
      const path = `plugins[${i}]`;
      const plugin = this.plugins.get(use.plugin);
      if (!plugin || plugin.provides.authMethod) {
        const names = this.all().filter((p) => !p.provides.authMethod).map((p) => p.name).sort();
        problems.push({ file: fileOf(path), path: `${path}.plugin`, message: `expected a plugin (${names.join(', ')}), got "${use.plugin}"${plugin ? ' (a sign-in method: list it in auth)' : ''}` });
        return;
      }
      if (seen.has(use.plugin)) problems.push({ file: fileOf(path), path: `${path}.plugin`, message: `"${use.plugin}" is listed twice` });
      seen.add(use.plugin);
      const result = plugin.options.safeParse(use.options);
      if (!result.success) {
        for (const issue of result.error.issues) {
          problems.push({ file: fileOf(path), path: [`${path}.options`, formatPath(issue.path as (string | number)[])].filter(Boolean).join('.'), message: issue.message.replace(/^Invalid input: /, '') });
        }
      }
    });
    return problems;
  }

  private namesProviding(capability: keyof GuichetPlugin['provides']): string[] {
    return [...this.plugins.values()].filter((p) => p.provides[capability]).map((p) => p.name).sort();
  }
}
