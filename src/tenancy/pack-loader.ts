import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { catalogueFileSchema, demoFileSchema, tenantFileSchema } from './pack.schema.js';
import { formatPath, PackValidationError, type PackProblem } from './pack-errors.js';
import type { PackPlugin } from './pack-extensions.js';
import { compilePack, type TenantPack } from './tenant-pack.js';
import { resolvePackEnvironment, type PackEnvironment } from './pack-environment.js';

const TENANT_FILE = 'tenant.yaml';

interface RawLayer {
  /** Absolute path. */
  path: string;
  /** Path shown in messages, relative to the packs' parent folder. */
  file: string;
  dir: string;
  data: Record<string, unknown>;
}

/**
 * Loads tenant packs from a folder: `<root>/<id>/tenant.yaml`, with `extends` resolved
 * (deep merge, arrays replaced, `null` removes a key), each file validated by its schema and
 * the whole checked for consistency. Folders whose name starts with `_` hold base packs.
 */
export class PackLoader {
  private readonly root: string;

  /**
   * `checkPack` adds checks of other layers (e.g. the plugin registry's) with the same file
   * attribution; `plugins` are those the deployment loads, which packs may turn on and use.
   */
  constructor(
    root: string,
    private readonly checkPack?: (pack: TenantPack, fileOf: (path: string) => string) => PackProblem[],
    private readonly plugins: readonly PackPlugin[] = [],
    /** Where `${VAR}` in sign-in and plugin options is resolved; by default this process's environment, in demo mode. */
    private readonly environment: PackEnvironment = { env: process.env, demo: true },
  ) {
    this.root = resolve(root);
  }

  /** Ids of the packs under the root (base packs excluded). */
  listIds(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root)
      .filter((name) => !name.startsWith('_') && !name.startsWith('.'))
      .filter((name) => existsSync(join(this.root, name, TENANT_FILE)))
      .sort();
  }

  /** Loads every pack (or those named); throws one error listing the problems of all of them. */
  loadAll(only?: string[]): TenantPack[] {
    const problems: PackProblem[] = [];
    const packs: TenantPack[] = [];
    const ids = this.listIds();
    for (const id of only ?? []) {
      if (!ids.includes(id)) problems.push({ file: this.display(join(this.root, id, TENANT_FILE)), path: '', message: `expected a pack folder for the tenant "${id}"` });
    }
    for (const id of only ? ids.filter((i) => only.includes(i)) : ids) {
      const result = this.tryLoad(id);
      if ('pack' in result) packs.push(result.pack);
      else problems.push(...result.problems);
    }
    if (problems.length) throw new PackValidationError(problems);
    return packs;
  }

  load(id: string): TenantPack {
    const result = this.tryLoad(id);
    if ('problems' in result) throw new PackValidationError(result.problems);
    return result.pack;
  }

  tryLoad(id: string): { pack: TenantPack } | { problems: PackProblem[] } {
    const dir = join(this.root, id);
    const problems: PackProblem[] = [];
    const layers = this.readChain(dir, problems);
    if (problems.length) return { problems };
    const { merged, origin } = mergeLayers(layers);
    const mainFile = this.display(join(dir, TENANT_FILE));
    // The file that last set the deepest known part of the path.
    const fileOf = (path: string) => {
      for (let p = path; p; ) {
        const file = origin.get(p);
        if (file) return file;
        const parent = p.replace(/(\.[^.[]+|\[\d+\])$/, '');
        p = parent === p ? '' : parent;
      }
      return mainFile;
    };

    const environment = resolvePackEnvironment(merged, this.environment, fileOf);
    problems.push(...environment.problems);
    const tenant = validate(tenantFileSchema, merged, fileOf, problems);
    if (!tenant || problems.length) return { problems };
    if (tenant.id !== id) problems.push({ file: fileOf('id'), path: 'id', message: `expected "${id}", the name of the pack's folder, got "${tenant.id}"` });

    const searchDirs = layers.map((l) => l.dir);
    const catalogueFile = this.findFile(searchDirs, tenant.catalogue.file);
    if (!catalogueFile) {
      problems.push({ file: fileOf('catalogue'), path: 'catalogue.file', message: `expected an existing file, "${tenant.catalogue.file}" was not found` });
      return { problems };
    }
    const catalogueData = this.readYaml(catalogueFile, problems);
    const catalogue = catalogueData === undefined ? undefined : validate(catalogueFileSchema, catalogueData, () => this.display(catalogueFile), problems);
    let demo: z.infer<typeof demoFileSchema> | undefined;
    let demoFile: string | undefined;
    if (tenant.demo) {
      demoFile = this.findFile(searchDirs, tenant.demo);
      if (!demoFile) problems.push({ file: fileOf('demo'), path: 'demo', message: `expected an existing file, "${tenant.demo}" was not found` });
      else {
        const demoData = this.readYaml(demoFile, problems);
        if (demoData !== undefined) demo = validate(demoFileSchema, demoData, () => this.display(demoFile!), problems);
      }
    }
    if (!catalogue || problems.length) return { problems };

    const hash = createHash('sha256');
    for (const f of [...layers.map((l) => l.path), catalogueFile, demoFile].filter(Boolean) as string[]) hash.update(readFileSync(f));
    // A new version of a plugin the pack turns on may compile its fields differently: sync again.
    for (const { plugin } of tenant.plugins) hash.update(`\0${plugin}@${this.plugins.find((p) => p.name === plugin)?.version ?? ''}`);
    const { pack, problems: semantic } = compilePack({
      tenant,
      catalogue,
      demo,
      dir,
      file: mainFile,
      unconfigured: environment.unconfigured,
      searchDirs,
      hash: hash.digest('hex').slice(0, 16),
      fileOf,
      catalogueFile: this.display(catalogueFile),
      demoFile: demoFile && this.display(demoFile),
      plugins: this.plugins,
    });
    if (semantic.length) return { problems: semantic };
    const external = this.checkPack?.(pack, fileOf) ?? [];
    if (external.length) return { problems: external };
    return { pack };
  }

  private readChain(dir: string, problems: PackProblem[]): RawLayer[] {
    const layers: RawLayer[] = [];
    const seen = new Set<string>();
    let current: string | undefined = resolve(dir);
    while (current) {
      const file = join(current, TENANT_FILE);
      if (seen.has(file)) {
        problems.push({ file: this.display(file), path: 'extends', message: 'expected a chain of packs without a cycle' });
        break;
      }
      seen.add(file);
      if (!existsSync(file)) {
        // Blame the file whose `extends` pointed here (the last one read).
        const from = layers[0];
        problems.push({ file: from ? from.file : this.display(file), path: 'extends', message: `expected a pack folder with ${TENANT_FILE}, "${current}" has none` });
        break;
      }
      const data = this.readYaml(file, problems);
      if (!data || typeof data !== 'object' || Array.isArray(data)) {
        if (data !== undefined) problems.push({ file: this.display(file), path: '', message: 'expected a mapping at the top of the file' });
        break;
      }
      const record = data as Record<string, unknown>;
      layers.unshift({ path: file, file: this.display(file), dir: current, data: record });
      current = typeof record.extends === 'string' ? resolve(current, record.extends) : undefined;
    }
    return layers;
  }

  private readYaml(file: string, problems: PackProblem[]): unknown {
    try {
      return parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      problems.push({ file: this.display(file), path: '', message: `expected valid YAML: ${(error as Error).message.split('\n')[0]}` });
      return undefined;
    }
  }

  private findFile(dirs: string[], name: string): string | undefined {
    // The pack's own folder wins over its bases.
    for (const d of [...dirs].reverse()) {
      const candidate = join(d, name);
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
    return undefined;
  }

  private display(file: string): string {
    return relative(dirname(this.root), file) || file;
  }
}

function validate<S extends z.ZodType>(schema: S, data: unknown, fileOf: (path: string) => string, problems: PackProblem[]): z.infer<S> | undefined {
  const result = schema.safeParse(data ?? {});
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const path = formatPath(issue.path as (string | number)[]);
    const keys = 'keys' in issue ? (issue.keys as string[]) : [];
    if (issue.code === 'unrecognized_keys') {
      for (const key of keys) problems.push({ file: fileOf(path || key), path: path ? `${path}.${key}` : key, message: 'expected no such key (unknown key)' });
    } else {
      problems.push({ file: fileOf(path), path, message: issue.message.replace(/^Invalid input: /, '') });
    }
  }
  return undefined;
}

/** Deep merge of the chain, base first; records which file last set each path. */
function mergeLayers(layers: RawLayer[]): { merged: Record<string, unknown>; origin: Map<string, string> } {
  const origin = new Map<string, string>();
  let merged: Record<string, unknown> = {};
  const record = (value: unknown, path: string, file: string) => {
    if (path) origin.set(path, file);
    if (Array.isArray(value)) value.forEach((v, i) => record(v, `${path}[${i}]`, file));
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) record(v, path ? `${path}.${k}` : k, file);
  };
  for (const layer of layers) {
    record(layer.data, '', layer.file);
    merged = deepMerge(merged, layer.data) as Record<string, unknown>;
  }
  delete merged.extends;
  return { merged, origin };
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
