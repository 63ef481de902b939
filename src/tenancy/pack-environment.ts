import type { PackProblem } from './pack-errors.js';

/** What a pack's `${VAR}` references are resolved against. */
export interface PackEnvironment {
  env: Record<string, string | undefined>;
  /**
   * Demo mode: a sign-in method (or plugin) whose variables are not set is left out (the demo sign-in stays).
   * Otherwise it is a problem naming the variable: production must offer a configured method.
   */
  demo: boolean;
}

/** A sign-in method left out because the deployment does not configure it (demo mode only). */
export interface UnconfiguredMethod {
  plugin: string;
  variables: string[];
}

const REFERENCE = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * Replaces `${VAR}` in the options of the merged pack's `auth` methods and `plugins` (not in
 * `claims`, whose patterns are the pack's own) by the deployment's environment, so that URLs,
 * client ids and proxy addresses come from the configuration, never from the pack. Mutates
 * `merged`. Returns the problems (outside demo mode) and the methods left out (in demo mode).
 */
export function resolvePackEnvironment(merged: Record<string, unknown>, environment: PackEnvironment, fileOf: (path: string) => string): { problems: PackProblem[]; unconfigured: UnconfiguredMethod[] } {
  const problems: PackProblem[] = [];
  const unconfigured: UnconfiguredMethod[] = [];
  for (const section of ['auth', 'plugins'] as const) {
    const list = merged[section];
    if (!Array.isArray(list)) continue;
    const kept: unknown[] = [];
    list.forEach((entry: unknown, i) => {
      const method = entry as { plugin?: unknown; options?: unknown };
      const missing: { path: string; variable: string }[] = [];
      if (method && typeof method === 'object' && method.options && typeof method.options === 'object') {
        method.options = substitute(method.options, `${section}[${i}].options`, environment.env, missing);
      }
      if (!missing.length) return kept.push(entry);
      if (environment.demo) {
        unconfigured.push({ plugin: String(method.plugin), variables: [...new Set(missing.map((m) => m.variable))] });
        return;
      }
      for (const m of missing) problems.push({ file: fileOf(m.path), path: m.path, message: `expected the environment variable ${m.variable} to be set (the deployment's configuration; see the pack's README)` });
      kept.push(entry);
    });
    merged[section] = kept;
  }
  return { problems, unconfigured };
}

function substitute(value: unknown, path: string, env: Record<string, string | undefined>, missing: { path: string; variable: string }[]): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_, name: string) => {
      const found = env[name];
      if (found === undefined || found === '') {
        missing.push({ path, variable: name });
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, `${path}[${i}]`, env, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'claims' ? v : substitute(v, `${path}.${k}`, env, missing)]));
  }
  return value;
}
